// End-to-end: the nemesis's faults against real targets, each with its
// effect measured (a pause as latency, a kill as errors then recovery, a
// drop rate as loss), invariants held by the correct targets across faults
// and still caught on the broken twins, and nothing left running after.
#include <gtest/gtest.h>

#include "tests/cli/drover_cli.hpp"

namespace drover::test::faults_test {
namespace {

using nlohmann::json;

class FaultsTest : public ::testing::Test {
 protected:
  fs::path run_dir(const std::string& name = "run") const { return dir_.path() / name; }
  Finished run(const std::string& text, const std::vector<std::string>& extra = {},
               const std::string& name = "run") {
    fs::path file = dir_.write(name + ".json", text);
    std::vector<std::string> args{"run", file.string(), "--out", run_dir(name).string(), "--quiet"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_drover(args, dir_.path());
  }
  Finished run_shipped(const std::string& scenario, const std::vector<std::string>& extra,
                       const std::string& name) {
    std::vector<std::string> args{"run",
                                  (fs::path(DROVER_SOURCE_DIR) / "scenarios" / scenario).string(),
                                  "--out", run_dir(name).string(), "--quiet"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_drover(args, dir_.path());
  }
  TempDir dir_;
};

std::string udp_open(const std::string& rate, const std::string& duration,
                     const std::string& timeout, const std::string& faults) {
  return R"({"name": "udp-faults", "targets": {"echo": {"kind": "udp_echo"}},
    "fleets": [{"name": "clients", "target": "echo", "clients": 128,
                "op": {"send": "hello {client}-{seq}", "expect": "upper", "timeout": ")" +
         timeout + R"("}}],
    "load": {"model": "open", "rate": )" +
         rate + R"(, "duration": ")" + duration + R"("},
    "faults": )" +
         faults + "}";
}

// SIGSTOP for 600 ms in an open-model run: every request due meanwhile
// waits, so the stall shows in the percentiles at its size; the fault is a
// band on the report's charts.
TEST_F(FaultsTest, APauseShowsAsLatency) {
  Finished f = run(udp_open(
      "500", "3s", "2s", R"([{"at": "1s", "target": "echo", "action": "pause", "for": "600ms"}])"));
  ASSERT_EQ(f.exit_code, 0) << f.out << f.err;
  json s = read_summary(run_dir());
  EXPECT_GE(s["latency_ms"]["max"].get<double>(), 450) << s["latency_ms"];
  EXPECT_GE(s["latency_ms"]["p99"].get<double>(), 200) << s["latency_ms"];
  ASSERT_EQ(s["faults"].size(), 1u) << s;
  const json& fault = s["faults"][0];
  EXPECT_EQ(fault["action"], "pause");
  EXPECT_NEAR(fault["start_s"].get<double>(), 1.0, 0.15);
  EXPECT_NEAR(fault["end_s"].get<double>() - fault["start_s"].get<double>(), 0.6, 0.15);
  EXPECT_EQ(s["errors"].size(), 0u);
  std::string html = read_file(run_dir() / "report.html");
  EXPECT_NE(html.find("class=\"band\""), std::string::npos);
  EXPECT_NE(html.find("id=\"faults\""), std::string::npos);
  EXPECT_TRUE(leftover_processes(run_dir()).empty());
}

// SIGKILL, then a restart 300 ms later on the same address and file: errors
// while it is down, answers again after, and every sale still accounted for.
TEST_F(FaultsTest, AKillShowsAsErrorsThenRecoveryAfterTheRestart) {
  Finished f = run_shipped("tickets-crash.json", {"--set", "load.duration=3500ms"}, "crash");
  ASSERT_EQ(f.exit_code, 0) << f.out << f.err;
  json s = read_summary(run_dir("crash"));
  ASSERT_EQ(s["faults"].size(), 1u) << s["faults"];  // at 2 s (the next would be at 4 s)
  EXPECT_EQ(s["faults"][0]["action"], "kill");
  EXPECT_NE(s["faults"][0]["detail"].get<std::string>().find("restarted after 300ms"),
            std::string::npos);
  const json& series = s["series"];
  ASSERT_GE(series.size(), 3u);
  std::uint64_t errors_before =
      series[0]["errors"].get<std::uint64_t>() + series[1]["errors"].get<std::uint64_t>();
  EXPECT_EQ(errors_before, 0u) << series;
  EXPECT_GT(series[2]["errors"].get<std::uint64_t>(), 0u) << series;  // down from 2.0 to 2.3 s
  const json& last = series[series.size() - 1];
  EXPECT_GT(last["ops"].get<std::uint64_t>(), last["errors"].get<std::uint64_t>()) << series;
  const json* sold = find_invariant(s, "no_oversell");
  ASSERT_NE(sold, nullptr);
  EXPECT_TRUE((*sold)["ok"].get<bool>()) << (*sold)["detail"];
  const json* alive = find_invariant(s, "target_alive");
  ASSERT_NE(alive, nullptr);
  EXPECT_TRUE((*alive)["ok"].get<bool>()) << (*alive)["detail"];
  EXPECT_EQ(s["targets"][0]["restarts"], 1);
  // The nemesis's events are in the history, Jepsen-style.
  std::string history = read_file(run_dir("crash") / "history.jsonl");
  EXPECT_NE(history.find(R"("fleet":"@nemesis","type":"info","f":"kill","value":"tickets")"),
            std::string::npos);
  EXPECT_NE(history.find(R"("fleet":"@nemesis","type":"info","f":"restart","value":"tickets")"),
            std::string::npos);
  EXPECT_TRUE(leftover_processes(run_dir("crash")).empty());
}

// The fault proxy drops 5 % of about 10,000 datagrams: the loss drover
// measures is within two points of it.
TEST_F(FaultsTest, ADropRateIsMeasuredWithinTwoPoints) {
  Finished f = run(udp_open("2500", "4s", "250ms",
                            R"([{"at": "0s", "target": "echo", "action": "network", "mode": "drop",
                                 "rate": 0.05}])"));
  ASSERT_EQ(f.exit_code, 0) << f.out << f.err;
  json s = read_summary(run_dir());
  auto ops = s["totals"]["ops"].get<double>();
  auto timeouts = s["totals"]["errors_by_class"]["timeout"].get<double>();
  EXPECT_GE(ops, 9500) << s["totals"];
  EXPECT_NEAR(timeouts / ops, 0.05, 0.02) << s["totals"];
  EXPECT_EQ(s["faults"][0]["detail"], "drop 5 %");
}

// The correct targets keep their invariants across their faults.
TEST_F(FaultsTest, InvariantsHoldAcrossFaults) {
  for (const char* scenario : {"queue-partition.json", "pool-kill-worker.json"}) {
    SCOPED_TRACE(scenario);
    Finished f = run_shipped(scenario, {"--set", "load.duration=4s"}, scenario);
    EXPECT_EQ(f.exit_code, 0) << f.out << f.err;
    json s = read_summary(run_dir(scenario));
    EXPECT_FALSE(s["faults"].empty());
    for (const auto& i : s["invariants"]) EXPECT_TRUE(i["ok"].get<bool>()) << i;
    EXPECT_TRUE(leftover_processes(run_dir(scenario)).empty());
  }
}

// ... and the broken twins are still caught with the faults going on.
TEST_F(FaultsTest, BrokenTwinsAreStillCaughtUnderFaults) {
  struct Twin {
    const char* scenario;
    const char* bug;
    const char* invariant;
  };
  for (const Twin& t :
       {Twin{"tickets-crash.json", "targets.tickets.args.lock=none", "no_oversell"},
        Twin{"queue-partition.json", "targets.queue.args.bug=lose", "exactly_once"},
        Twin{"pool-kill-worker.json", "targets.pool.args.bug=overcommit", "pool_complete"}}) {
    SCOPED_TRACE(t.scenario);
    std::string name = std::string("broken-") + t.scenario;
    Finished f = run_shipped(
        t.scenario, {"--set", "load.duration=3s", "--set", t.bug, "--set", "expect=violation"},
        name);
    EXPECT_EQ(f.exit_code, 0) << f.out << f.err;  // catching it is the pass
    json s = read_summary(run_dir(name));
    const json* i = find_invariant(s, t.invariant);
    ASSERT_NE(i, nullptr);
    EXPECT_FALSE((*i)["ok"].get<bool>()) << (*i)["detail"];
    EXPECT_TRUE(leftover_processes(run_dir(name)).empty());
  }
}

}  // namespace
}  // namespace drover::test::faults_test
