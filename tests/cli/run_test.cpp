// End-to-end: drover runs real scenarios against real target processes, as
// a user would, and after every run no process it started is left alive.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "tests/cli/drover_cli.hpp"
#include "tests/support/loopback.hpp"

namespace drover::test::run_test {
namespace {

using nlohmann::json;
using std::chrono::seconds;

std::string udp_scenario(const std::string& args = "{}", const std::string& extra = "") {
  return R"({
    "name": "e2e-udp",
    "targets": { "echo": { "kind": "udp_echo", "args": )" +
         args + R"( } },
    "fleets": [ { "name": "clients", "target": "echo", "clients": 8,
                  "op": { "send": "hello {client}-{seq} {random:8}", "expect": "upper",
                          "timeout": "500ms" } } ],
    "load": { "model": "closed", "duration": "1500ms" })" +
         extra + "}";
}

std::string tcp_scenario(const std::string& args = "{}", const std::string& extra = "") {
  return R"({
    "name": "e2e-tcp",
    "targets": { "echo": { "kind": "tcp_fork_echo", "args": )" +
         args + R"( } },
    "fleets": [ { "name": "clients", "target": "echo", "clients": 6,
                  "op": { "send": "hello {client}-{seq}", "expect": "upper", "timeout": "1s" } } ],
    "load": { "model": "closed", "duration": "1500ms" })" +
         extra + "}";
}

class RunTest : public ::testing::Test {
 protected:
  fs::path scenario(const std::string& text) { return dir_.write("scenario.json", text); }
  fs::path run_dir() const { return dir_.path() / "run"; }
  Finished run(const std::string& text, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"run", scenario(text).string(), "--out", run_dir().string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_drover(args, dir_.path());
  }
  void TearDown() override {
    EXPECT_TRUE(leftover_processes(run_dir()).empty()) << "processes outlived the run";
  }

  TempDir dir_;
};

TEST_F(RunTest, UdpEchoRunPassesAndWritesItsSummary) {
  Finished f =
      run(udp_scenario(R"({"model": "workers", "threads": 1})",
                       R"(, "thresholds": {"latency.p99": "< 1s", "errors.rate": "< 0.1"})"));
  ASSERT_EQ(f.exit_code, 0) << f.out << f.err;
  json s = read_summary(run_dir());
  EXPECT_EQ(s["result"], "pass");
  EXPECT_EQ(s["exit_code"], 0);
  // Each client ran several operations (how many depends on the machine).
  EXPECT_GT(s["totals"]["ops"].get<int>(), 8 * 2);
  EXPECT_EQ(s["totals"]["ops"], s["fleets"][0]["totals"]["ops"]);
  EXPECT_EQ(s["fleets"][0]["ops"][0]["name"], "datagram");
  EXPECT_GT(s["latency_ms"]["p50"].get<double>(), 0.0);
  EXPECT_LE(s["latency_ms"]["p50"].get<double>(), s["latency_ms"]["p99"].get<double>());
  EXPECT_EQ(s["thresholds"].size(), 2u);
  EXPECT_TRUE(s["thresholds"][0]["ok"].get<bool>());
  ASSERT_NE(find_invariant(s, "replies_correct"), nullptr);
  EXPECT_TRUE((*find_invariant(s, "replies_correct"))["ok"].get<bool>());
  ASSERT_NE(find_invariant(s, "target_alive"), nullptr);
  EXPECT_GE(s["series"].size(), 1u);
  EXPECT_TRUE(fs::exists(run_dir() / "logs" / "echo.stdout.log"));
  EXPECT_NE(f.out.find("PASS"), std::string::npos);
}

TEST_F(RunTest, TcpForkEchoRunPassesWithNoZombies) {
  Finished f = run(tcp_scenario());
  ASSERT_EQ(f.exit_code, 0) << f.out << f.err;
  json s = read_summary(run_dir());
  EXPECT_GT(s["totals"]["ok"].get<int>(), 6 * 2);
  EXPECT_EQ(s["fleets"][0]["ops"][0]["name"], "message");
  ASSERT_NE(find_invariant(s, "no_zombies"), nullptr);
  EXPECT_TRUE((*find_invariant(s, "no_zombies"))["ok"].get<bool>());
}

TEST_F(RunTest, AThresholdThatFailsExitsOne) {
  Finished f = run(udp_scenario("{}", R"(, "thresholds": {"latency.p99": "< 1ns"})"));
  EXPECT_EQ(f.exit_code, 1) << f.out << f.err;
  json s = read_summary(run_dir());
  EXPECT_EQ(s["result"], "fail");
  EXPECT_FALSE(s["thresholds"][0]["ok"].get<bool>());
  EXPECT_NE(f.out.find("FAIL"), std::string::npos);
  // junit.xml beside it: the failed threshold is its one failure, and the
  // file is what a CI server accepts (the unit tests fail clearly when
  // xmllint is missing).
  std::string junit = read_file(run_dir() / "junit.xml");
  EXPECT_NE(junit.find("failures=\"1\" errors=\"0\""), std::string::npos) << junit;
  EXPECT_NE(junit.find("<testcase classname=\"e2e-udp.thresholds\" name=\"latency.p99 &lt; 1ns\""),
            std::string::npos)
      << junit;
  EXPECT_NE(junit.find("<failure message=\"value "), std::string::npos) << junit;
  EXPECT_NE(junit.find("type=\"threshold\""), std::string::npos) << junit;
  std::string validate = std::string("xmllint --noout --schema ") + DROVER_SOURCE_DIR +
                         "/tests/data/junit.xsd " + (run_dir() / "junit.xml").string();
  EXPECT_EQ(std::system(validate.c_str()), 0) << validate;
}

// --progress json: a JSON object per second on stderr, with each fleet's
// figures so far, for programs that follow a run.
TEST_F(RunTest, ProgressAsJsonLinesFollowsEachFleet) {
  Finished f = run(udp_scenario(), {"--progress", "json", "--set", "load.duration=2500ms"});
  ASSERT_EQ(f.exit_code, 0) << f.out << f.err;
  std::vector<json> lines;
  std::istringstream err(f.err);
  for (std::string line; std::getline(err, line);) {
    if (!line.empty() && line[0] == '{') lines.push_back(json::parse(line));
  }
  ASSERT_GE(lines.size(), 2u) << f.err;
  std::uint64_t last = 0;
  std::vector<int> busy;  // in flight while the load ran
  for (const json& l : lines) {
    EXPECT_EQ(l["scenario"], "e2e-udp");
    EXPECT_EQ(l["planned_s"].get<double>(), 2.5);
    ASSERT_EQ(l["fleets"].size(), 1u) << l;
    EXPECT_EQ(l["fleets"][0]["name"], "clients");
    EXPECT_EQ(l["fleets"][0]["ops"], l["ops"]);
    EXPECT_GT(l["fleets"][0]["p99_ms"].get<double>(), 0.0) << l;
    // Operations under way: never more than the fleet's clients.
    EXPECT_LE(l["fleets"][0]["inflight"].get<int>(), 8) << l;
    if (l["elapsed_s"].get<double>() < 2.4) busy.push_back(l["fleets"][0]["inflight"].get<int>());
    EXPECT_GE(l["ops"].get<std::uint64_t>(), last);
    last = l["ops"].get<std::uint64_t>();
  }
  EXPECT_GT(last, 0u);
  // Eight clients without think time are nearly always waiting for a reply.
  ASSERT_FALSE(busy.empty()) << f.err;
  EXPECT_GE(*std::max_element(busy.begin(), busy.end()), 1) << f.err;
  EXPECT_LE(last, read_summary(run_dir())["totals"]["ops"].get<std::uint64_t>());
}

// Several scenarios (a folder of them, here, beside a JSON Schema file that
// is not one) run one after another, each in <out>/<name>, with one exit
// code and one junit.xml holding a testsuite each.
TEST_F(RunTest, AFolderOfScenariosRunsEachWithOneExitCodeAndOneJunitFile) {
  auto named = [](const std::string& text, const std::string& name) {
    std::string copy = text;
    copy.replace(copy.find("e2e-udp"), 7, name);
    return copy;
  };
  fs::create_directories(dir_.path() / "suite");
  dir_.write("suite/a-pass.json", named(udp_scenario(), "first"));
  dir_.write("suite/b-fail.json",
             named(udp_scenario("{}", R"(, "thresholds": {"latency.p99": "< 1ns"})"), "second"));
  dir_.write("suite/schema.json", R"({"$schema": "http://json-schema.org/draft-07/schema#"})");
  Finished f =
      run_drover({"run", (dir_.path() / "suite").string(), "--out", run_dir().string(), "--quiet"},
                 dir_.path());
  EXPECT_EQ(f.exit_code, 1) << f.out << f.err;
  EXPECT_EQ(read_summary(run_dir() / "first")["result"], "pass");
  EXPECT_EQ(read_summary(run_dir() / "second")["result"], "fail");
  std::string junit = read_file(run_dir() / "junit.xml");
  EXPECT_NE(junit.find("<testsuite name=\"first\""), std::string::npos) << junit;
  EXPECT_NE(junit.find("<testsuite name=\"second\""), std::string::npos) << junit;
  EXPECT_NE(f.out.find("2 scenarios:"), std::string::npos) << f.out;
  std::string validate = std::string("xmllint --noout --schema ") + DROVER_SOURCE_DIR +
                         "/tests/data/junit.xsd " + (run_dir() / "junit.xml").string();
  EXPECT_EQ(std::system(validate.c_str()), 0) << validate;
}

// One bad scenario among several: exit 2, naming the file and the path,
// and none of them runs.
TEST_F(RunTest, ABadScenarioAmongSeveralStopsThemAllBeforeAnyRuns) {
  fs::path good = dir_.write("good.json", udp_scenario());
  std::string broken = udp_scenario();
  broken.replace(broken.find("\"clients\": 8"), 12, "\"clients\": 0");
  fs::path bad = dir_.write("bad.json", broken);
  Finished f = run_drover(
      {"run", good.string(), bad.string(), "--out", run_dir().string(), "--quiet"}, dir_.path());
  EXPECT_EQ(f.exit_code, 2) << f.out << f.err;
  EXPECT_NE(f.err.find(bad.string() + ": /fleets/0/clients"), std::string::npos) << f.err;
  EXPECT_FALSE(fs::exists(run_dir())) << "a run started although a scenario was bad";
}

// abort_on_fail: a threshold that fails on the figures so far stops a 30 s
// load once its delay has passed, and the run fails on it.
TEST_F(RunTest, AThresholdWithAbortOnFailStopsTheLoadEarly) {
  auto began = std::chrono::steady_clock::now();
  Finished f = run(udp_scenario("{}", R"(, "thresholds": {
      "latency.p99": {"threshold": "< 1ns", "abort_on_fail": true, "delay_abort_eval": "2s"},
      "errors.rate": "< 0.5"})"),
                   {"--set", "load.duration=30s"});
  // Far sooner than the load's 30 s, however busy the machine.
  EXPECT_LT(std::chrono::steady_clock::now() - began, seconds(25));
  EXPECT_EQ(f.exit_code, 1) << f.out << f.err;
  json s = read_summary(run_dir());
  EXPECT_TRUE(s["aborted"].get<bool>());
  EXPECT_FALSE(s["interrupted"].get<bool>());
  double took = s["duration_s"].get<double>();
  EXPECT_GE(took, 2.0);
  EXPECT_LT(took, 15.0);
  const json& p99 = s["thresholds"][0];
  EXPECT_FALSE(p99["ok"].get<bool>());
  EXPECT_GE(p99["aborted"]["at_s"].get<double>(), 2.0);
  EXPECT_GT(p99["aborted"]["value"].get<double>(), 0.0);
  EXPECT_FALSE(s["thresholds"][1].contains("aborted"));
  EXPECT_TRUE(s["thresholds"][1]["ok"].get<bool>());
  EXPECT_NE(f.out.find("aborted the run at"), std::string::npos) << f.out;
}

TEST_F(RunTest, AnAbortOnFailThresholdThatHoldsLetsTheLoadRunItsCourse) {
  Finished f = run(udp_scenario(
      "{}", R"(, "thresholds": {"errors.rate": {"threshold": "< 0.5", "abort_on_fail": true}})"));
  EXPECT_EQ(f.exit_code, 0) << f.out << f.err;
  json s = read_summary(run_dir());
  EXPECT_FALSE(s["aborted"].get<bool>());
  EXPECT_GE(s["duration_s"].get<double>(), 1.4);
  EXPECT_TRUE(s["thresholds"][0]["ok"].get<bool>());
}

TEST_F(RunTest, ABadScenarioExitsTwoNamingThePathAndLeavesNothing) {
  std::string text = udp_scenario();
  text.replace(text.find("\"clients\": 8"), 12, "\"clients\": -3");
  Finished f = run(text);
  EXPECT_EQ(f.exit_code, 2);
  EXPECT_NE(f.err.find("/fleets/0/clients: must be a positive integer"), std::string::npos)
      << f.err;
  EXPECT_FALSE(fs::exists(run_dir()));
}

TEST_F(RunTest, ATargetCommandThatDoesNotExistExitsThree) {
  Finished f = run(R"({ "name": "missing",
    "targets": { "srv": { "command": ["/nonexistent/drover-test-server"],
                          "ready": { "udp": "127.0.0.1:{port}" } } },
    "fleets": [ { "name": "c", "target": "srv", "clients": 1, "op": { "send": "x" } } ],
    "load": { "duration": "1s" } })");
  EXPECT_EQ(f.exit_code, 3) << f.out << f.err;
  EXPECT_NE(f.out.find("drover-test-server"), std::string::npos) << f.out;
  EXPECT_EQ(read_summary(run_dir())["result"], "error");
}

TEST_F(RunTest, ATargetThatNeverBecomesReadyExitsThreeAfterItsTimeout) {
  Finished f = run(R"({ "name": "never-ready",
    "targets": { "srv": { "command": ["sleep", "30"],
                          "ready": { "tcp": "127.0.0.1:{port}", "timeout": "1s" } } },
    "fleets": [ { "name": "c", "target": "srv", "clients": 1, "op": { "send": "x" } } ],
    "load": { "duration": "1s" } })");
  EXPECT_EQ(f.exit_code, 3) << f.out << f.err;
  EXPECT_LT(f.seconds, 8.0);
  EXPECT_NE(f.out.find("not ready after 1s"), std::string::npos) << f.out;
}

// A command target's "files" are written into its folder of the run folder
// before it starts, "{port}" and "{dir}" substituted in them and "{dir}" in
// its command: here the server itself, and the file it reads its port from.
TEST_F(RunTest, ACommandTargetStartsFromFilesDroverWritesIntoTheRunFolder) {
  Finished f = run(R"json({ "name": "files",
    "targets": { "srv": {
      "command": ["python3", "{dir}/server.py", "{dir}/port.conf"],
      "ready": { "tcp": "127.0.0.1:{port}" },
      "files": {
        "port.conf": "port={port}\n",
        "server.py": [
          "import socket, sys",
          "port = int(open(sys.argv[1]).read().split('=')[1])",
          "s = socket.socket()",
          "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
          "s.bind(('127.0.0.1', port))",
          "s.listen(16)",
          "while True:",
          "    c, _ = s.accept()",
          "    f = c.makefile('rwb')",
          "    for line in f:",
          "        f.write(line.upper())",
          "        f.flush()",
          "    c.close()"
        ] } } },
    "fleets": [ { "name": "c", "target": "srv", "clients": 1,
                  "op": { "send": "hi {seq}", "expect": "upper" } } ],
    "load": { "duration": "500ms" } })json");
  EXPECT_EQ(f.exit_code, 0) << f.out << f.err;
  const fs::path folder = run_dir() / "work" / "srv";
  std::string conf = read_file(folder / "port.conf");
  EXPECT_TRUE(conf.starts_with("port=")) << conf;
  EXPECT_GT(std::stoi(conf.substr(5)), 0) << conf;
  EXPECT_NE(read_file(folder / "server.py").find("    c.close()\n"), std::string::npos);
}

TEST_F(RunTest, ATargetKilledMidRunEndsTheRunWithAFailureReport) {
  std::string text = udp_scenario();
  text.replace(text.find("1500ms"), 6, "20s");
  DroverProcess drover(
      {"run", scenario(text).string(), "--out", run_dir().string(), "--progress", "json"},
      dir_.path());
  int target = wait_for_run_target(run_dir(), "udp_echo", seconds(10));
  ASSERT_GT(target, 0) << "udp_echo never started";
  ASSERT_TRUE(drover.wait_for_load(seconds(10))) << "the load never started\n" << drover.err();
  kill(target, SIGKILL);
  Finished f = drover.wait(seconds(30));
  EXPECT_EQ(f.exit_code, 1) << f.out << f.err;
  EXPECT_LT(f.seconds, 15.0) << "the run went on after its target died (its load: 20 s)";
  json s = read_summary(run_dir());
  const json* alive = find_invariant(s, "target_alive");
  ASSERT_NE(alive, nullptr);
  EXPECT_FALSE((*alive)["ok"].get<bool>());
  EXPECT_NE((*alive)["detail"].get<std::string>().find("signal 9"), std::string::npos);
}

TEST_F(RunTest, WrongRepliesAreCaughtAndAnExpectedViolationPasses) {
  Finished f = run(udp_scenario(R"({"corrupt_every": 5})"));
  EXPECT_EQ(f.exit_code, 1) << f.out << f.err;
  json summary = read_summary(run_dir());
  const json* replies = find_invariant(summary, "replies_correct");
  ASSERT_NE(replies, nullptr);
  EXPECT_FALSE((*replies)["ok"].get<bool>());

  fs::remove_all(run_dir());
  std::string expecting = udp_scenario(R"({"corrupt_every": 5})");
  expecting.insert(1, R"("expect": "violation",)");
  Finished caught = run(expecting);
  EXPECT_EQ(caught.exit_code, 0) << caught.out << caught.err;
}

// A fleet pointed at a port where nothing listens, with no thresholds: every
// operation is a connect_error, and the run must fail saying so, never pass.
TEST_F(RunTest, AFleetThatNeverGotACorrectAnswerFailsTheRun) {
  int port = test::free_loopback_port(SOCK_STREAM);
  ASSERT_GT(port, 0);
  std::string nobody = R"({
    "name": "e2e-nobody",
    "targets": { "echo": { "address": "127.0.0.1:)" +
                       std::to_string(port) + R"(", "protocol": "tcp" } },
    "fleets": [ { "name": "clients", "target": "echo", "clients": 4,
                  "op": { "send": "hello {seq}", "expect": "upper", "timeout": "200ms" } } ],
    "load": { "model": "closed", "duration": "1s" })";
  Finished f = run(nobody + "}");
  EXPECT_EQ(f.exit_code, 1) << f.out << f.err;
  json s = read_summary(run_dir());
  EXPECT_EQ(s["result"], "fail");
  const json* answered = find_invariant(s, "fleet_answered");
  ASSERT_NE(answered, nullptr) << s;
  EXPECT_FALSE((*answered)["ok"].get<bool>());
  EXPECT_NE(
      (*answered)["detail"].get<std::string>().find("fleet \"clients\" never got a correct answer"),
      std::string::npos)
      << *answered;
  EXPECT_NE(f.out.find("never got a correct answer"), std::string::npos) << f.out;

  // Turned off explicitly for that fleet, the run is judged on the rest.
  fs::remove_all(run_dir());
  std::string optional = nobody;
  optional.insert(optional.find("\"op\":"), R"("require_answer": false, )");
  Finished off = run(optional + "}");
  EXPECT_EQ(off.exit_code, 0) << off.out << off.err;
  EXPECT_EQ(find_invariant(read_summary(run_dir()), "fleet_answered"), nullptr);

  // Nor is it the violation a scenario expects from a broken target.
  fs::remove_all(run_dir());
  std::string expecting = nobody + "}";
  expecting.insert(1, R"("expect": "violation",)");
  Finished expected = run(expecting);
  EXPECT_EQ(expected.exit_code, 1) << expected.out << expected.err;
}

TEST_F(RunTest, ZombiesOfABrokenForkingServerAreCaught) {
  Finished f = run(tcp_scenario(R"({"no_reap": true})"));
  EXPECT_EQ(f.exit_code, 1) << f.out << f.err;
  json summary = read_summary(run_dir());
  const json* zombies = find_invariant(summary, "no_zombies");
  ASSERT_NE(zombies, nullptr);
  EXPECT_FALSE((*zombies)["ok"].get<bool>());
  EXPECT_NE((*zombies)["detail"].get<std::string>().find("zombie"), std::string::npos);
}

TEST_F(RunTest, SetOverridesAScenarioValue) {
  Finished f = run(udp_scenario(), {"--set", "load.duration=500ms", "--set", "fleets.0.clients=2"});
  ASSERT_EQ(f.exit_code, 0) << f.out << f.err;
  json s = read_summary(run_dir());
  EXPECT_EQ(s["fleets"][0]["clients"], 2);
  EXPECT_LT(s["duration_s"].get<double>(), 1.45);  // the scenario's own: 1.5 s
}

// The shipped scenarios, shortened: what the README tells users to run.
class ShippedScenarioTest : public RunTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(ShippedScenarioTest, PassesAgainstItsTargets) {
  fs::path file = fs::path(DROVER_SOURCE_DIR) / "scenarios" / GetParam();
  Finished f =
      run_drover({"run", file.string(), "--out", run_dir().string(), "--set", "load.duration=2s"},
                 dir_.path());
  EXPECT_EQ(f.exit_code, 0) << f.out << f.err;
  json s = read_summary(run_dir());
  EXPECT_GT(s["totals"]["ok"].get<int>(), 0);
}

INSTANTIATE_TEST_SUITE_P(Scenarios, ShippedScenarioTest,
                         ::testing::Values("quickstart.json", "python-udp.json", "python-tcp.json",
                                           "python-tcp-zombies.json"),
                         [](const auto& info) {
                           std::string name = info.param;
                           name = name.substr(0, name.find('.'));
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace drover::test::run_test
