// summary.json read back: what `drover check` and the tests rely on comes
// back as it was written, the abort of a threshold included.
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "reports/sink.hpp"
#include "tests/temp_dir.hpp"

namespace drover::summary_json_test {
namespace {

using test_files::TempDir;
using ::testing::HasSubstr;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

RunResult failed_run() {
  RunResult run;
  run.scenario = "tickets";
  run.scenario_file = "/srv/tickets.json";
  run.expect = Expect::kViolation;
  run.started_at = std::chrono::system_clock::from_time_t(1700000000);
  run.duration_s = 4.5;
  run.seed = 77;
  run.aborted = true;
  run.verdict = Verdict::kFail;
  run.exit_code = ExitCode::kFailed;
  ThresholdResult p99;
  p99.metric = "latency.p99";
  p99.fleet = "buyers";
  p99.comparison = "<";
  p99.limit = "< 20ms";
  p99.limit_value = 20;
  p99.value = 35.25;
  p99.unit = "ms";
  p99.ok = false;
  p99.aborted = true;
  p99.aborted_at_s = 3.0;
  p99.aborted_value = 41.5;
  ThresholdResult rate = p99;
  rate.metric = "errors.rate";
  rate.fleet = "";
  rate.limit = "< 0.01";
  rate.limit_value = 0.01;
  rate.value = 0;
  rate.unit = "ratio";
  rate.ok = true;
  rate.aborted = false;
  run.thresholds = {p99, rate};
  run.invariants = {
      {Invariant::kNoOversell, "box-office", false, "2 serials sold twice: 7, 9", {}}};
  return run;
}

TEST(SummaryJson, ReadsBackWhatItWrote) {
  TempDir dir;
  std::string path = (dir.path() / "summary.json").string();
  make_summary_json_sink(path)->write(failed_run());
  Expected<RunResult> back = read_summary_json(path);
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(back->scenario, "tickets");
  EXPECT_EQ(back->expect, Expect::kViolation);
  EXPECT_EQ(back->seed, 77u);
  EXPECT_TRUE(back->aborted);
  EXPECT_FALSE(back->interrupted);
  EXPECT_EQ(back->verdict, Verdict::kFail);
  EXPECT_EQ(back->exit_code, ExitCode::kFailed);
  ASSERT_EQ(back->thresholds.size(), 2u);
  const ThresholdResult& t = back->thresholds[0];
  EXPECT_EQ(t.metric, "latency.p99");
  EXPECT_EQ(t.fleet, "buyers");
  EXPECT_EQ(t.limit, "< 20ms");
  EXPECT_DOUBLE_EQ(t.value, 35.25);
  EXPECT_FALSE(t.ok);
  EXPECT_TRUE(t.aborted);
  EXPECT_DOUBLE_EQ(t.aborted_at_s, 3.0);
  EXPECT_DOUBLE_EQ(t.aborted_value, 41.5);
  EXPECT_EQ(back->thresholds[1].fleet, "");
  EXPECT_FALSE(back->thresholds[1].aborted);
  ASSERT_EQ(back->invariants.size(), 1u);
  EXPECT_EQ(back->invariants[0].detail, "2 serials sold twice: 7, 9");
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
}

// An invariant that could not be decided is written as such, beside
// "result": "unknown", and read back as written: `drover check` compares
// its verdict with this one.
TEST(SummaryJson, AnUndecidedInvariantAndAnUnknownVerdictReadBack) {
  RunResult run = failed_run();
  run.expect = Expect::kPass;
  run.thresholds.clear();
  run.verdict = Verdict::kUnknown;
  run.exit_code = ExitCode::kFailed;
  InvariantResult audit{Invariant::kNoOversell,
                        "box-office",
                        false,
                        "the final AUDIT is missing: a crash lost it",
                        {}};
  audit.unknown = true;
  run.invariants = {audit, {Invariant::kExactlyOnce, "queue", true, "12 items", {}}};
  TempDir dir;
  std::string path = (dir.path() / "summary.json").string();
  make_summary_json_sink(path)->write(run);

  nlohmann::json written = nlohmann::json::parse(read_text(path));
  EXPECT_EQ(written["result"], "unknown");
  EXPECT_EQ(written["exit_code"], 1);
  EXPECT_EQ(written["invariants"][0]["ok"], false);
  EXPECT_EQ(written["invariants"][0]["unknown"], true);
  EXPECT_EQ(written["invariants"][1]["unknown"], false);

  Expected<RunResult> back = read_summary_json(path);
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(back->verdict, Verdict::kUnknown);
  ASSERT_EQ(back->invariants.size(), 2u);
  EXPECT_FALSE(back->invariants[0].ok);
  EXPECT_TRUE(back->invariants[0].unknown);
  EXPECT_EQ(back->invariants[0].detail, "the final AUDIT is missing: a crash lost it");
  EXPECT_TRUE(back->invariants[1].ok);
  EXPECT_FALSE(back->invariants[1].unknown);
}

// A summary written before invariants could be undecided has no "unknown":
// each of its invariants was decided.
TEST(SummaryJson, AnInvariantWithoutUnknownWasDecided) {
  TempDir dir;
  std::string path = dir.write("summary.json", R"({"scenario": "s", "result": "fail",
      "exit_code": 1, "thresholds": [], "invariants": [{"name": "no_oversell",
      "subject": "box-office", "ok": false, "detail": "serial 7 sold twice"}]})")
                         .string();
  Expected<RunResult> back = read_summary_json(path);
  ASSERT_TRUE(back) << back.error();
  ASSERT_EQ(back->invariants.size(), 1u);
  EXPECT_FALSE(back->invariants[0].unknown);
}

TEST(SummaryJson, ReadsBackEachHostsShareOfAFleet) {
  RunResult run = failed_run();
  FleetResult fleet;
  fleet.name = "buyers";
  fleet.clients = 3;
  FleetHostResult load1;
  load1.host = "load1";
  load1.clients = 2;
  load1.totals.by_outcome[0] = 40;
  load1.totals.by_outcome[2] = 1;
  load1.rate_per_s = 20.5;
  load1.latency.count = 40;
  load1.latency.p99_ms = 12.25;
  fleet.hosts = {load1, FleetHostResult{"load2", 1, {}, {}, 0}};
  run.fleets = {fleet};
  TempDir dir;
  std::string path = (dir.path() / "summary.json").string();
  make_summary_json_sink(path)->write(run);
  Expected<RunResult> back = read_summary_json(path);
  ASSERT_TRUE(back) << back.error();
  ASSERT_EQ(back->fleets.size(), 1u);
  ASSERT_EQ(back->fleets[0].hosts.size(), 2u);
  const FleetHostResult& h = back->fleets[0].hosts[0];
  EXPECT_EQ(h.host, "load1");
  EXPECT_EQ(h.clients, 2);
  EXPECT_EQ(h.totals.ok(), 40u);
  EXPECT_EQ(h.totals.count(Outcome::kTimeout), 1u);
  EXPECT_DOUBLE_EQ(h.rate_per_s, 20.5);
  EXPECT_DOUBLE_EQ(h.latency.p99_ms, 12.25);
  EXPECT_EQ(back->fleets[0].hosts[1].host, "load2");
}

// drover report renders report.html from summary.json alone: everything it
// shows comes back.
TEST(SummaryJson, ReadsBackWhatTheHtmlReportShows) {
  RunResult run = failed_run();
  run.totals.by_outcome[static_cast<std::size_t>(Outcome::kOk)] = 900;
  run.totals.by_outcome[static_cast<std::size_t>(Outcome::kTimeout)] = 7;
  run.totals.by_outcome[static_cast<std::size_t>(Outcome::kWrongReply)] = 3;
  run.totals.missed_starts = 5;
  run.totals.late_replies = 2;
  run.rate_per_s = 202.25;
  run.latency = {903, 0.125, 1.5, 1.25, 2.5, 4.75, 8.5, 9.25};
  FleetResult fleet;
  fleet.name = "buyers";
  fleet.target = "box-office";
  fleet.clients = 8;
  fleet.totals = run.totals;
  fleet.latency = run.latency;
  fleet.rate_per_s = 202.25;
  OpResult buy;
  buy.name = "buy";
  buy.totals = run.totals;
  buy.latency = run.latency;
  buy.rate_per_s = 202.25;
  OpResult search;
  search.name = "search";
  fleet.ops = {buy, search};
  run.fleets = {fleet};
  run.targets = {{"box-office",
                  "ticket_db",
                  "127.0.0.1:4000",
                  1234,
                  true,
                  "killed by signal 9",
                  {"logs/box-office.stdout.log", "logs/box-office.stderr.log"}}};
  run.series = {{0, 100, 1, 1.5, 3.25, 7.5}, {1, 120, 0, 1.25, 3.5, 9.25}};
  run.distribution = {{0, 0.125}, {50, 1.25}, {99.9, 8.5}, {100, 9.25}};
  run.capacity.searched = true;
  run.capacity.capacity_per_s = 1000;
  run.capacity.upper_bound_per_s = 1031.25;
  run.capacity.resolution = 0.03125;
  run.capacity.curve = {{1000, 990.5, 4.5, 0.001, 3, true, ""},
                        {2000, 1500, 50.25, 0.02, 40, false, "p99 50.25ms >= 20ms"}};

  Anomaly anomaly{"serial 7 sold a second time", 1500.25, {}};
  anomaly.events = {{1200, 1, "buyers", "ok", "buy", "7", false, true},
                    {1500.25, 2, "buyers", "ok", "buy", "7", true, true}};
  run.invariants.at(0).anomaly = anomaly;

  TempDir dir;
  std::string path = (dir.path() / "summary.json").string();
  make_summary_json_sink(path)->write(run);
  Expected<RunResult> back = read_summary_json(path);
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(back->started_at, run.started_at);
  ASSERT_FALSE(back->invariants.empty());
  ASSERT_TRUE(back->invariants[0].anomaly);
  EXPECT_EQ(back->invariants[0].anomaly->about, "serial 7 sold a second time");
  EXPECT_DOUBLE_EQ(back->invariants[0].anomaly->t_ms, 1500.25);
  ASSERT_EQ(back->invariants[0].anomaly->events.size(), 2u);
  const TimelineEvent& e = back->invariants[0].anomaly->events[1];
  EXPECT_EQ(e.client, 2u);
  EXPECT_EQ(e.type, "ok");
  EXPECT_EQ(e.value, "7");
  EXPECT_TRUE(e.focus);
  EXPECT_TRUE(back->invariants[0].anomaly->events[0].related);
  EXPECT_DOUBLE_EQ(back->duration_s, 4.5);
  EXPECT_EQ(back->scenario_file, "/srv/tickets.json");
  EXPECT_EQ(back->totals.by_outcome, run.totals.by_outcome);
  EXPECT_EQ(back->totals.missed_starts, 5u);
  EXPECT_EQ(back->totals.late_replies, 2u);
  EXPECT_DOUBLE_EQ(back->rate_per_s, 202.25);
  EXPECT_EQ(back->latency.count, 903u);
  EXPECT_DOUBLE_EQ(back->latency.min_ms, 0.125);
  EXPECT_DOUBLE_EQ(back->latency.p999_ms, 8.5);
  EXPECT_DOUBLE_EQ(back->latency.max_ms, 9.25);

  ASSERT_EQ(back->fleets.size(), 1u);
  const FleetResult& f = back->fleets[0];
  EXPECT_EQ(f.name, "buyers");
  EXPECT_EQ(f.target, "box-office");
  EXPECT_EQ(f.clients, 8);
  EXPECT_EQ(f.totals.ops(), 910u);
  EXPECT_DOUBLE_EQ(f.latency.p99_ms, 4.75);
  ASSERT_EQ(f.ops.size(), 2u);
  EXPECT_EQ(f.ops[0].name, "buy");
  EXPECT_DOUBLE_EQ(f.ops[0].rate_per_s, 202.25);
  EXPECT_EQ(f.ops[1].name, "search");
  EXPECT_EQ(f.ops[1].totals.ops(), 0u);

  ASSERT_EQ(back->targets.size(), 1u);
  const TargetResult& t = back->targets[0];
  EXPECT_EQ(t.name, "box-office");
  EXPECT_EQ(t.kind, "ticket_db");
  EXPECT_EQ(t.address, "127.0.0.1:4000");
  EXPECT_EQ(t.pid, 1234);
  EXPECT_TRUE(t.exited_during_run);
  EXPECT_EQ(t.exit_description, "killed by signal 9");
  EXPECT_EQ(t.logs, run.targets[0].logs);

  ASSERT_EQ(back->series.size(), 2u);
  EXPECT_EQ(back->series[1].second, 1);
  EXPECT_EQ(back->series[1].ops, 120u);
  EXPECT_EQ(back->series[0].errors, 1u);
  EXPECT_DOUBLE_EQ(back->series[0].p50_ms, 1.5);
  EXPECT_DOUBLE_EQ(back->series[0].p99_ms, 3.25);
  EXPECT_DOUBLE_EQ(back->series[1].max_ms, 9.25);

  ASSERT_EQ(back->distribution.size(), 4u);
  EXPECT_DOUBLE_EQ(back->distribution[2].percentile, 99.9);
  EXPECT_DOUBLE_EQ(back->distribution[2].value_ms, 8.5);

  ASSERT_TRUE(back->capacity.searched);
  EXPECT_DOUBLE_EQ(back->capacity.capacity_per_s, 1000);
  EXPECT_DOUBLE_EQ(back->capacity.upper_bound_per_s, 1031.25);
  EXPECT_DOUBLE_EQ(back->capacity.resolution, 0.03125);
  ASSERT_EQ(back->capacity.curve.size(), 2u);
  EXPECT_DOUBLE_EQ(back->capacity.curve[1].p99_ms, 50.25);
  EXPECT_EQ(back->capacity.curve[1].missed_starts, 40u);
  EXPECT_FALSE(back->capacity.curve[1].ok);
  EXPECT_EQ(back->capacity.curve[1].why, "p99 50.25ms >= 20ms");

  // The report drawn from the file is the report drawn from the run.
  run.run_dir = back->run_dir;
  EXPECT_EQ(render_report_html(*back), render_report_html(run));
}

TEST(SummaryJson, WhereTargetsAndSetupStepsRanReadsBack) {
  RunResult run = failed_run();
  TargetResult here;
  here.name = "local-echo";
  here.kind = "udp_echo";
  TargetResult remote;
  remote.name = "box-office";
  remote.kind = "command";
  remote.address = "10.99.0.2:7000";
  remote.pid = 4321;
  remote.host = "db1";
  remote.host_address = "10.99.0.2";
  run.targets = {here, remote};
  SetupStepResult df;
  df.step = "/setup/0";
  df.host = "db1";
  df.host_address = "10.99.0.2";
  df.argv = {"df", "-h"};
  df.exit_status = 0;
  df.outcome = "exited with status 0";
  df.duration_s = 0.125;
  df.ok = true;
  df.log = "logs/setup-0-db1.log";
  SetupStepResult timed_out;
  timed_out.step = "/setup/1";
  timed_out.argv = {"sleep", "$(x)"};
  timed_out.outcome = "timed out after 1.0 s";
  timed_out.duration_s = 1.0;
  timed_out.allow_failure = true;
  timed_out.log = "logs/setup-1-local.log";
  run.setup = {df, timed_out};

  TempDir dir;
  std::string path = (dir.path() / "summary.json").string();
  make_summary_json_sink(path)->write(run);
  // This machine is null, not a name a host could have.
  nlohmann::json j = nlohmann::json::parse(read_text(path));
  EXPECT_TRUE(j["targets"][0]["host"].is_null());
  EXPECT_TRUE(j["targets"][0]["host_address"].is_null());
  EXPECT_EQ(j["targets"][1]["host"], "db1");
  EXPECT_EQ(j["targets"][1]["host_address"], "10.99.0.2");
  EXPECT_EQ(j["setup"][0]["exit_status"], 0);
  EXPECT_TRUE(j["setup"][1]["exit_status"].is_null());
  EXPECT_TRUE(j["setup"][1]["host"].is_null());

  Expected<RunResult> back = read_summary_json(path);
  ASSERT_TRUE(back) << back.error();
  ASSERT_EQ(back->targets.size(), 2u);
  EXPECT_EQ(back->targets[0].host, "");
  EXPECT_EQ(back->targets[0].host_address, "");
  EXPECT_EQ(back->targets[1].host, "db1");
  EXPECT_EQ(back->targets[1].host_address, "10.99.0.2");
  ASSERT_EQ(back->setup.size(), 2u);
  const SetupStepResult& a = back->setup[0];
  EXPECT_EQ(a.step, "/setup/0");
  EXPECT_EQ(a.host, "db1");
  EXPECT_EQ(a.host_address, "10.99.0.2");
  EXPECT_EQ(a.argv, df.argv);
  EXPECT_EQ(a.exit_status, 0);
  EXPECT_EQ(a.outcome, "exited with status 0");
  EXPECT_DOUBLE_EQ(a.duration_s, 0.125);
  EXPECT_TRUE(a.ok);
  EXPECT_FALSE(a.allow_failure);
  EXPECT_EQ(a.log, "logs/setup-0-db1.log");
  const SetupStepResult& b = back->setup[1];
  EXPECT_EQ(b.host, "");
  EXPECT_EQ(b.argv, timed_out.argv);
  EXPECT_FALSE(b.exit_status.has_value());
  EXPECT_FALSE(b.ok);
  EXPECT_TRUE(b.allow_failure);

  run.run_dir = back->run_dir;
  std::string html = render_report_html(*back);
  EXPECT_EQ(html, render_report_html(run));
  EXPECT_THAT(html, HasSubstr("<table id=\"setup\">"));
  EXPECT_THAT(html, HasSubstr("on db1 (10.99.0.2)"));
  EXPECT_THAT(html, HasSubstr("on this machine"));
  EXPECT_THAT(html, HasSubstr("(allowed to fail)"));
}

TEST(SummaryJson, ASummaryWithoutHostsOrSetupStillReads) {
  // Written before targets had hosts and runs had setup steps.
  TempDir dir;
  std::string path = (dir.path() / "summary.json").string();
  std::ofstream(path) << R"({"scenario": "old", "result": "pass", "exit_code": 0,
      "thresholds": [], "invariants": [],
      "targets": [{"name": "e", "kind": "udp_echo", "address": "127.0.0.1:1"}]})";
  Expected<RunResult> back = read_summary_json(path);
  ASSERT_TRUE(back) << back.error();
  ASSERT_EQ(back->targets.size(), 1u);
  EXPECT_EQ(back->targets[0].host, "");
  EXPECT_TRUE(back->setup.empty());
}

TEST(SummaryJson, AFileThatIsNotASummaryIsAnErrorNamingIt) {
  TempDir dir;
  std::string path = dir.write("summary.json", R"({"scenario": "x"})").string();
  Expected<RunResult> back = read_summary_json(path);
  ASSERT_FALSE(back);
  EXPECT_NE(back.error().find(path), std::string::npos) << back.error();
}

TEST(SummaryJson, WarningsAreAListThatIsAlwaysThereAndReadsBack) {
  RunResult run = failed_run();
  nlohmann::json none = nlohmann::json::parse(render_summary_json(run));
  ASSERT_TRUE(none.contains("warnings"));
  EXPECT_EQ(none["warnings"], nlohmann::json::array());

  run.warnings = {{1.2, "target echo", "its log stays behind"},
                  {3.0004, "host db1", "unknown host key accepted"}};
  TempDir dir;
  std::string path = (dir.path() / "summary.json").string();
  make_summary_json_sink(path)->write(run);
  nlohmann::json j = nlohmann::json::parse(read_text(path));
  EXPECT_EQ(j["warnings"][0],
            nlohmann::json(
                {{"at_s", 1.2}, {"source", "target echo"}, {"message", "its log stays behind"}}));
  EXPECT_EQ(j["warnings"][1]["at_s"], 3.0);  // to the millisecond, as every figure
  Expected<RunResult> back = read_summary_json(path);
  ASSERT_TRUE(back) << back.error();
  ASSERT_EQ(back->warnings.size(), 2u);
  EXPECT_DOUBLE_EQ(back->warnings[0].at_s, 1.2);
  EXPECT_EQ(back->warnings[0].source, "target echo");
  EXPECT_EQ(back->warnings[0].message, "its log stays behind");
  EXPECT_EQ(back->warnings[1].source, "host db1");
}

// A summary that holds something drover never writes is refused, and the
// message says which field.
TEST(SummaryJson, AWrongFieldIsRefusedNamingItsPath) {
  const std::string head =
      R"({"scenario": "s", "result": "pass", "exit_code": 0, "thresholds": [], "invariants": [])";
  struct Case {
    std::string fields;
    std::string error;
  };
  const Case cases[] = {
      {R"("fleets": [{"name": "a", "clients": 1.5}])",
       "/fleets/clients: an integer field holds number"},
      {R"("fleets": [{"name": "a", "clients": 4294967296}])",
       "/fleets/clients: an integer field holds 4294967296, out of its range"},
      {R"("totals": {"ok": -1})", "/totals/ok: an integer field holds -1, out of its range"},
      {R"("fleets": {"name": "a"})", "/fleets: "},
      {R"("series": [3])", "/series: an object field holds number"},
      {R"("warnings": [{"at_s": 1, "source": "x"}])", "/warnings/message: missing"},
      {R"("invariants": [{"name": "sometimes", "subject": "", "ok": true, "detail": ""}])",
       "/invariants/name: unknown name \"sometimes\""},
      {R"("invariants": [{"name": "no_oversell", "subject": "", "ok": true, "unknown": true,
           "detail": ""}])",
       "/invariants/unknown: true for an invariant that held"},
      {R"("invariants": [{"name": "no_oversell", "subject": "", "ok": false, "unknown": 1,
           "detail": ""}])",
       "/invariants/unknown: "},
  };
  TempDir dir;
  for (const Case& c : cases) {
    std::string text = head + ", " + c.fields + "}";
    // A later key replaces the head's, as a JSON object keeps the last.
    std::string path = dir.write("summary.json", text).string();
    Expected<RunResult> back = read_summary_json(path);
    ASSERT_FALSE(back) << text;
    EXPECT_THAT(back.error(), HasSubstr(c.error)) << text;
    EXPECT_THAT(back.error(), HasSubstr(path));
  }
  std::string unknown = R"({"scenario": "s", "result": "maybe", "exit_code": 0,
      "thresholds": [], "invariants": []})";
  Expected<RunResult> back = read_summary_json(dir.write("summary.json", unknown).string());
  ASSERT_FALSE(back);
  EXPECT_THAT(back.error(), HasSubstr("/result: unknown name \"maybe\""));
}

}  // namespace
}  // namespace drover::summary_json_test
