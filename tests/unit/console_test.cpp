// The console's summary of a run, as a terminal shows it without colour:
// the warnings after the verdict, and no such block without any.
#include <cstdio>
#include <string>

#include <gtest/gtest.h>

#include "reports/sink.hpp"

namespace drover::console_test {
namespace {

std::string console_text(const RunResult& run) {
  std::FILE* out = std::tmpfile();
  EXPECT_NE(out, nullptr);
  make_console_sink(out, false)->write(run);
  std::rewind(out);
  std::string text;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, out)) > 0;) text.append(buffer, n);
  std::fclose(out);
  return text;
}

RunResult failed_run() {
  RunResult run;
  run.scenario = "udp";
  run.run_dir = "runs/udp/1";
  run.verdict = Verdict::kFail;
  run.exit_code = ExitCode::kFailed;
  run.invariants.push_back({Invariant::kRepliesCorrect, "clients", false, "3 wrong replies", {}});
  return run;
}

TEST(Console, ShowsEachWarningAfterTheVerdict) {
  RunResult run = failed_run();
  run.warnings = {{1.25, "target echo", "its log stays behind"},
                  {12.0, "host db1", "unknown host key accepted"}};
  std::string text = console_text(run);
  std::size_t verdict = text.find("FAIL  exit code 1  runs/udp/1\n");
  ASSERT_NE(verdict, std::string::npos) << text;
  EXPECT_NE(text.find("\nwarnings\n"
                      "     1.2s  target echo: its log stays behind\n"
                      "    12.0s  host db1: unknown host key accepted\n",
                      verdict),
            std::string::npos)
      << text;
}

// A fleet of several ops shows each op's row under the fleet's, and a
// threshold on one op is named with its scope.
TEST(Console, ShowsEachOpOfAMixAndOpScopedThresholds) {
  RunResult run = failed_run();
  FleetResult fleet;
  fleet.name = "cache";
  fleet.clients = 4;
  for (const char* name : {"get", "set"}) {
    OpResult op;
    op.name = name;
    op.totals.by_outcome[static_cast<std::size_t>(Outcome::kOk)] = name[0] == 'g' ? 900 : 100;
    fleet.ops.push_back(op);
  }
  run.fleets.push_back(fleet);
  ThresholdResult t;
  t.metric = "ops";
  t.op = "set";
  t.comparison = ">";
  t.limit = "> 200";
  run.thresholds.push_back(t);
  std::string text = console_text(run);
  std::size_t fleet_row = text.find("\ncache ");
  ASSERT_NE(fleet_row, std::string::npos) << text;
  std::size_t get_row = text.find("\n  get ", fleet_row);
  ASSERT_NE(get_row, std::string::npos) << text;
  std::size_t set_row = text.find("\n  set ", get_row);
  ASSERT_NE(set_row, std::string::npos) << text;
  EXPECT_NE(text.find("900", get_row), std::string::npos) << text;
  EXPECT_LT(text.find("900", get_row), set_row) << text;
  EXPECT_NE(text.find("ops{op:set}"), std::string::npos) << text;
}

TEST(Console, SaysNothingOfWarningsWhenThereAreNone) {
  std::string text = console_text(failed_run());
  EXPECT_NE(text.find("FAIL  exit code 1"), std::string::npos) << text;
  EXPECT_EQ(text.find("warnings"), std::string::npos) << text;
}

// An undecided invariant is neither ok nor FAIL, and the verdict says
// UNKNOWN with its exit code.
TEST(Console, MarksAnUndecidedInvariantAndAnUnknownVerdict) {
  RunResult run = failed_run();
  run.verdict = Verdict::kUnknown;
  run.invariants[0].ok = true;
  InvariantResult audit{Invariant::kNoOversell, "tickets", false, "the final AUDIT is missing", {}};
  audit.unknown = true;
  run.invariants.push_back(audit);
  run.invariants.push_back({Invariant::kTargetAlive, "tickets", false, "exited", {}});
  std::string text = console_text(run);
  EXPECT_NE(text.find("  ok      replies_correct  clients        3 wrong replies\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  UNKNOWN no_oversell      tickets        the final AUDIT is missing\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  FAIL    target_alive     tickets        exited\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("\nUNKNOWN  exit code 1  runs/udp/1\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("FAIL  exit code"), std::string::npos) << text;
}

// A run `drover check` knows only from the history of a run that never
// finished has no start: no duration or seed is shown as if it were one.
TEST(Console, ARunWithoutAStartShowsNoDurationOrSeed) {
  RunResult run = failed_run();
  std::string text = console_text(run);
  EXPECT_NE(text.find("drover udp  (did not finish: no figures, no seed)\n"), std::string::npos)
      << text;
  run.started_at = std::chrono::system_clock::from_time_t(1700000000);
  run.seed = 42;
  text = console_text(run);
  EXPECT_NE(text.find("drover udp  0.0s  seed 42"), std::string::npos) << text;
}

// Under the errors line, the first example of each error class of each op,
// with what was sent and the rule the reply broke.
TEST(Console, ShowsTheFirstExampleOfEachErrorClass) {
  RunResult run = failed_run();
  FleetResult fleet;
  fleet.name = "redis";
  OpResult op;
  op.name = "message";
  op.totals.by_outcome[static_cast<std::size_t>(Outcome::kWrongReply)] = 7;
  op.totals.by_outcome[static_cast<std::size_t>(Outcome::kTimeout)] = 2;
  FailureExample wrong;
  wrong.t_ms = 1250;
  wrong.client = 3;
  wrong.request = {"PING\\r", 0};
  wrong.rule = R"(expected equals "+OK\r", received "+OK")";
  FailureExample later = wrong;
  later.client = 4;
  FailureExample timeout;
  timeout.t_ms = 2;
  timeout.client = 1;
  timeout.rule = "no reply within 1s";
  op.failures = {{Outcome::kWrongReply, 7, {wrong, later}, {}},
                 {Outcome::kTimeout, 2, {timeout}, {}}};
  fleet.totals = op.totals;
  fleet.ops.push_back(op);
  run.fleets.push_back(fleet);
  run.totals = op.totals;
  std::string text = console_text(run);
  EXPECT_NE(text.find("errors: 7 wrong_reply, 2 timeout\n"
                      "  redis message wrong_reply (7): client 3 at 1.25s sent \"PING\\r\": "
                      "expected equals \"+OK\\r\", received \"+OK\"\n"
                      "  redis message timeout (2): client 1 at 2.00ms: no reply within 1s\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("client 4"), std::string::npos) << "only the first example\n" << text;
}

// A violated history invariant shows its first offending operation.
TEST(Console, ShowsTheFirstOffendingOperationOfAViolatedInvariant) {
  RunResult run = failed_run();
  InvariantResult i{
      Invariant::kNoOversell, "tickets", false, "1 serials sold more than once: 2", {}};
  i.examples = {{"serial 2 sold a second time", 4.0005, 8, 2, "buyers", "ok buy 2"},
                {"serial 3 sold a second time", 6, 12, 3, "buyers", "ok buy 3"}};
  run.invariants.push_back(i);
  std::string text = console_text(run);
  EXPECT_NE(text.find("1 serials sold more than once: 2\n"
                      "      e.g. serial 2 sold a second time: history.jsonl line 8 at 4.00ms, "
                      "client 2 (buyers): ok buy 2\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("serial 3"), std::string::npos) << text;
}

// The capacity headline: the knee's interval, a lower bound when no step
// above the capacity missed, or none when the first step missed.
TEST(Console, ShowsTheCapacityWithItsInterval) {
  RunResult run = failed_run();
  run.capacity.searched = true;
  run.capacity.curve = {{1000, 1000, 2, 0, 0, true, ""},
                        {2000, 2000, 3, 0, 0, true, ""},
                        {4000, 2414, 90, 0, 0, false, "latency.p99 < 20ms"},
                        {3000, 2414, 40, 0, 0, false, "latency.p99 < 20ms"},
                        {2500, 2414, 30, 0, 0, false, "latency.p99 < 20ms"},
                        {2250, 2250, 9, 0, 0, true, ""},
                        {2375, 2375, 15, 0, 0, true, ""}};
  run.capacity.capacity_per_s = 2375;
  run.capacity.upper_bound_per_s = 2500;
  run.capacity.resolution = 125.0 / 2375;
  std::string text = console_text(run);
  EXPECT_NE(text.find("capacity between 2375 and 2500 ops/s: 2375 met the objective, 2500 "
                      "missed it (within 5.3%)"),
            std::string::npos)
      << text;
  // Every step, in the order run.
  EXPECT_LT(text.find("4000"), text.find("3000")) << text;
  EXPECT_LT(text.find("2250"), text.rfind("2375")) << text;

  run.capacity.upper_bound_per_s = 0;
  run.capacity.resolution = 0;
  EXPECT_NE(console_text(run).find("capacity at least 2375 ops/s: the highest rate tried"),
            std::string::npos);

  run.capacity.capacity_per_s = 0;
  run.capacity.upper_bound_per_s = 1000;
  run.capacity.curve = {{1000, 500, 90, 0, 0, false, "latency.p99 < 20ms"}};
  EXPECT_NE(console_text(run).find(
                "capacity none: the first step (1000 ops/s) already missed the objective"),
            std::string::npos);
}

}  // namespace
}  // namespace drover::console_test
