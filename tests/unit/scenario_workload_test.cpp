// The correctness workloads in scenarios: protocols of targets, each fleet's
// workload and its keys, and the resolved list of checks.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/scenario/parse.hpp"
#include "tests/unit/input_error_lines.hpp"

namespace drover::scenario_workload_test {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using Argv = std::vector<std::string>;

Scenario parse_ok(const std::string& text, const std::vector<std::string>& overrides = {}) {
  ParsedScenario parsed = parse_scenario(text, "/srv/s.json", overrides);
  EXPECT_THAT(lines(parsed), ElementsAre());
  return parsed ? *parsed : Scenario{};
}

std::vector<std::string> errors_of(const std::string& text) {
  ParsedScenario parsed = parse_scenario(text, "/srv/s.json");
  EXPECT_FALSE(parsed.has_value());
  return lines(parsed);
}

// One reference target of each correctness kind, a command target that
// speaks tickets, and an address target that speaks pool.
const std::string kTargets = R"({
  "t": {"kind": "ticket_db", "args": {"stock": 7, "lock": "none"}},
  "q": {"kind": "queue_broker"},
  "p": {"kind": "worker_pool", "args": {"workers": 8}},
  "echo": {"kind": "udp_echo"},
  "tcp": {"kind": "tcp_fork_echo"},
  "cmd": {"command": ["./tickets", "{port}"], "protocol": "tickets", "ready": {"tcp": "127.0.0.1:{port}"}},
  "ext": {"address": "127.0.0.1:9000", "protocol": "pool"}})";

std::string fleet(const std::string& target, const std::string& op, const std::string& name = "f") {
  return R"({"name": ")" + name + R"(", "target": ")" + target + R"(", "clients": 2, "op": )" + op +
         "}";
}

std::string scenario(const std::string& fleets, const std::string& checks = "",
                     const std::string& targets = kTargets) {
  return R"({"name": "w", "targets": )" + targets + R"(, "fleets": [)" + fleets +
         R"(], "load": {})" + (checks.empty() ? "" : R"(, "checks": [)" + checks + "]") + "}";
}

// A valid fleet, for scenarios about something else.
const std::string kFleet = fleet("t", "{}");

TEST(ScenarioWorkload, TargetProtocols) {
  Scenario s = parse_ok(scenario(kFleet));
  ASSERT_EQ(s.targets.size(), 7u);
  EXPECT_EQ(s.targets[0].protocol, Protocol::kTickets);
  EXPECT_EQ(s.targets[0].argv, (Argv{"--stock", "7", "--lock", "none"}));
  EXPECT_EQ(s.targets[1].protocol, Protocol::kQueue);
  EXPECT_EQ(s.targets[2].protocol, Protocol::kPool);
  EXPECT_EQ(s.targets[3].protocol, Protocol::kUdp);
  EXPECT_EQ(s.targets[4].protocol, Protocol::kTcp);
  const TargetSpec& cmd = s.targets[5];
  EXPECT_EQ(cmd.protocol, Protocol::kTickets);
  EXPECT_EQ(cmd.ready.probe, ReadySpec::Probe::kTcpConnect);
  EXPECT_EQ(cmd.address, "127.0.0.1:{port}");
  EXPECT_EQ(s.targets[6].source, TargetSpec::Source::kAddress);
  EXPECT_EQ(s.targets[6].protocol, Protocol::kPool);
  // ready.tcp alone means plain tcp.
  s = parse_ok(scenario(fleet("c", R"({"send": "x"})"), "",
                        R"({"c": {"command": ["srv"], "ready": {"tcp": "127.0.0.1:1"}}})"));
  EXPECT_EQ(s.targets[0].protocol, Protocol::kTcp);
}

TEST(ScenarioWorkload, ProtocolAgainstReadyProbe) {
  EXPECT_THAT(
      errors_of(scenario(
          fleet("a", "{}"), "",
          R"({"a": {"command": ["a"], "protocol": "queue", "ready": {"udp": "127.0.0.1:1"}},
              "b": {"command": ["b"], "protocol": "tcp", "ready": {"udp": "127.0.0.1:1"}},
              "c": {"command": ["c"], "protocol": "udp", "ready": {"tcp": "127.0.0.1:1"}},
              "d": {"command": ["d"], "protocol": "tickets"}})")),
      ElementsAre(
          R"(/targets/a/protocol: "queue" runs over TCP, which does not match the ready probe ("udp"))",
          R"(/targets/b/protocol: "tcp" does not match the ready probe ("udp"))",
          R"(/targets/c/protocol: "udp" does not match the ready probe ("tcp"))",
          R"(/targets/d/address: required when "ready" has neither "udp" nor "tcp")"));
}

TEST(ScenarioWorkload, EachWorkloadIntoItsOp) {
  Scenario s = parse_ok(scenario(
      fleet("tcp", R"({"workload": "echo", "send": "x", "framing": "fixed", "timeout": "2s"})",
            "echo") +
      "," + fleet("t", R"({"workload": "buy", "search": false, "timeout": "100ms"})", "buy") + "," +
      fleet("q", R"({"workload": "produce", "timeout": "1s"})", "produce") + "," +
      fleet("q", R"({"workload": "consume"})", "consume") + "," +
      fleet("ext", R"({"workload": "submit", "n_max": 3037000499, "work": "60s",
                        "inflight": 1024, "timeout": "2m"})",
            "submit")));
  ASSERT_EQ(s.fleets.size(), 5u);
  const OpSpec& echo = s.fleets[0].first_op();
  EXPECT_EQ(echo.workload, Workload::kEcho);
  EXPECT_EQ(echo.send, "x");
  EXPECT_EQ(echo.framing.kind, Framing::kFixed);
  EXPECT_EQ(echo.timeout, 2s);
  const OpSpec& buy = s.fleets[1].first_op();
  EXPECT_EQ(buy.workload, Workload::kBuy);
  EXPECT_FALSE(buy.search_first);
  EXPECT_EQ(buy.timeout, 100ms);
  EXPECT_EQ(s.fleets[2].first_op().workload, Workload::kProduce);
  EXPECT_EQ(s.fleets[2].first_op().timeout, 1s);
  EXPECT_EQ(s.fleets[3].first_op().workload, Workload::kConsume);
  const OpSpec& submit = s.fleets[4].first_op();
  EXPECT_EQ(submit.workload, Workload::kSubmit);
  EXPECT_EQ(submit.n_max, 3037000499);
  EXPECT_EQ(submit.work, 60s);
  EXPECT_EQ(submit.inflight, 1024);
  EXPECT_EQ(submit.timeout, 2min);
}

TEST(ScenarioWorkload, DefaultsFollowTheTargetsProtocol) {
  Scenario s = parse_ok(scenario(
      fleet("t", "{}", "a") + "," + fleet("cmd", "{}", "b") + "," + fleet("p", "{}", "c") + "," +
      fleet("q", R"({"workload": "produce"})", "d") + "," + fleet("echo", R"({"send": "x"})", "e") +
      "," + fleet("tcp", R"({"send": "x"})", "f")));
  ASSERT_EQ(s.fleets.size(), 6u);
  for (int i : {0, 1}) {
    const OpSpec& buy = s.fleets[static_cast<std::size_t>(i)].first_op();
    EXPECT_EQ(buy.workload, Workload::kBuy) << i;
    EXPECT_TRUE(buy.search_first) << i;
    EXPECT_EQ(buy.timeout, 5s) << i;
  }
  const OpSpec& submit = s.fleets[2].first_op();
  EXPECT_EQ(submit.workload, Workload::kSubmit);
  EXPECT_EQ(submit.n_max, 1000);
  EXPECT_EQ(submit.work, 1ms);
  EXPECT_EQ(submit.inflight, 1);
  EXPECT_EQ(submit.timeout, 5s);
  EXPECT_EQ(s.fleets[3].first_op().timeout, 5s);
  for (int i : {4, 5}) {
    const OpSpec& echo = s.fleets[static_cast<std::size_t>(i)].first_op();
    EXPECT_EQ(echo.workload, Workload::kEcho) << i;
    EXPECT_EQ(echo.timeout, 1s) << i;
    EXPECT_EQ(echo.framing.kind, Framing::kLine) << i;
  }
  // A submit of no work at all is allowed: it measures the pool itself.
  EXPECT_EQ(parse_ok(scenario(fleet("p", R"({"work": "0ms"})"))).fleets[0].first_op().work, 0ms);
}

TEST(ScenarioWorkload, QueueTargetNeedsAWorkload) {
  EXPECT_THAT(
      errors_of(scenario(fleet("q", "{}"))),
      ElementsAre(R"(/fleets/0/op/workload: required for a queue target: "produce" or "consume")"));
  // Keys of no queue workload are unknown even while the workload is.
  EXPECT_THAT(
      errors_of(scenario(fleet("q", R"({"send": "x"})"))),
      ElementsAre("/fleets/0/op/send: unknown key (known keys: workload, timeout)",
                  R"(/fleets/0/op/workload: required for a queue target: "produce" or "consume")"));
}

TEST(ScenarioWorkload, WorkloadMustFitTheTarget) {
  EXPECT_THAT(
      errors_of(scenario(fleet("q", R"({"workload": "buy"})") + "," +
                         fleet("t", R"({"workload": "echo", "send": "x"})", "g") + "," +
                         fleet("echo", R"({"workload": "consume"})", "h") + "," +
                         fleet("cmd", R"({"workload": "submit"})", "i") + "," +
                         fleet("p", R"({"workload": "buy"})", "j"))),
      ElementsAre(
          R"(/fleets/0/op/workload: "buy" needs a tickets target; "q" speaks queue)",
          R"(/fleets/1/op/workload: "echo" needs a udp, tcp or http target; "t" speaks tickets)",
          R"(/fleets/2/op/workload: "consume" needs a queue target; "echo" speaks udp)",
          R"(/fleets/3/op/workload: "submit" needs a pool target; "cmd" speaks tickets)",
          R"(/fleets/4/op/workload: "buy" needs a tickets target; "p" speaks pool)"));
  EXPECT_THAT(errors_of(scenario(fleet("t", R"({"workload": "sell"})"))),
              ElementsAre(R"(/fleets/0/op/workload: must be "echo", "buy", "produce", "consume" )"
                          R"(or "submit")"));
}

TEST(ScenarioWorkload, EachWorkloadHasItsOwnKeys) {
  EXPECT_THAT(
      errors_of(
          scenario(fleet("t", R"({"send": "x", "search": true})") + "," +
                   fleet("p", R"({"framing": "line", "expect": "any"})", "g") + "," +
                   fleet("q", R"({"workload": "consume", "search": false, "inflight": 2})", "h") +
                   "," + fleet("tcp", R"({"search": true, "n_max": 5})", "i"))),
      ElementsAre("/fleets/0/op/send: unknown key (known keys: workload, search, timeout)",
                  "/fleets/1/op/framing: unknown key (known keys: workload, n_max, work, inflight, "
                  "timeout)",
                  "/fleets/1/op/expect: unknown key (known keys: workload, n_max, work, inflight, "
                  "timeout)",
                  "/fleets/2/op/search: unknown key (known keys: workload, timeout)",
                  "/fleets/2/op/inflight: unknown key (known keys: workload, timeout)",
                  "/fleets/3/op/search: unknown key (known keys: workload, send, expect, framing, "
                  "clients_per_connection, timeout, method, path, headers, body, body_file, "
                  "connect_timeout, keep_alive, connections, pipeline, max_body)",
                  "/fleets/3/op/n_max: unknown key (known keys: workload, send, expect, framing, "
                  "clients_per_connection, timeout, method, path, headers, body, body_file, "
                  "connect_timeout, keep_alive, connections, pipeline, max_body)",
                  "/fleets/3/op/send: required"));
}

TEST(ScenarioWorkload, ValuesOutOfRange) {
  EXPECT_THAT(
      errors_of(
          scenario(fleet("t", R"({"search": "yes", "timeout": "0s"})") + "," +
                   fleet("p", R"({"n_max": 0, "work": "61s", "inflight": 1025})", "g") + "," +
                   fleet("p", R"({"n_max": 3037000500, "work": "-1ms", "inflight": 1.5})", "h"))),
      ElementsAre(
          "/fleets/0/op/search: must be true or false",
          "/fleets/0/op/timeout: must be longer than 0",
          "/fleets/1/op/n_max: must be a positive integer",
          "/fleets/1/op/work: must be at most 60s", "/fleets/1/op/inflight: must be at most 1024",
          "/fleets/2/op/n_max: must be at most 3037000499",
          R"(/fleets/2/op/work: "-1ms" is not a duration (write e.g. "250ms", "10s", "2m"))",
          "/fleets/2/op/inflight: must be a positive integer"));
}

// A check as "invariant target parameter", for readable expectations.
std::vector<std::string> checks_of(const Scenario& s) {
  std::vector<std::string> out;
  for (const CheckSpec& c : s.checks)
    out.push_back(std::string(invariant_name(c.invariant)) + " " + c.target + " " +
                  std::to_string(c.parameter));
  return out;
}

TEST(ScenarioChecks, ReferenceTargetsBringTheirOwn) {
  // In target order; the parameter from the args, else the kind's default.
  EXPECT_THAT(
      checks_of(parse_ok(scenario(kFleet))),
      ElementsAre("no_oversell t 7", "exactly_once q 16", "pool_complete p 8", "no_zombies tcp 0"));
  EXPECT_THAT(checks_of(parse_ok(scenario(kFleet, "", R"({"t": {"kind": "ticket_db"}})"))),
              ElementsAre("no_oversell t 100"));
  EXPECT_THAT(checks_of(parse_ok(scenario(fleet("tcp", R"({"send": "x"})"), "",
                                          R"({"tcp": {"kind": "tcp_fork_echo"}})"))),
              ElementsAre("no_zombies tcp 0"));
  EXPECT_THAT(checks_of(parse_ok(
                  scenario(fleet("e", R"({"send": "x"})"), "", R"({"e": {"kind": "udp_echo"}})"))),
              ElementsAre());
  // --set changes the target and its check together.
  EXPECT_THAT(
      checks_of(parse_ok(scenario(kFleet, "", R"({"t": {"kind": "ticket_db", "args": {}}})"),
                         {"targets.t.args.stock=9"})),
      ElementsAre("no_oversell t 9"));
}

TEST(ScenarioChecks, ExplicitChecksOnTargetsDroverDidNotBuild) {
  std::string checks = R"({"invariant": "no_oversell", "target": "cmd", "stock": 50},
      {"invariant": "no_zombies", "target": "cmd"},
      {"invariant": "pool_complete", "target": "ext", "workers": 3},
      {"invariant": "exactly_once", "target": "qc", "maxsize": 4})";
  std::string targets = R"({"tcp": {"kind": "tcp_fork_echo"},
      "cmd": {"command": ["./tickets"], "protocol": "tickets", "address": "127.0.0.1:7000"},
      "ext": {"address": "127.0.0.1:9000", "protocol": "pool"},
      "qc": {"address": "127.0.0.1:9001", "protocol": "queue"}})";
  EXPECT_THAT(checks_of(parse_ok(scenario(fleet("cmd", "{}"), checks, targets))),
              ElementsAre("no_zombies tcp 0", "no_oversell cmd 50", "no_zombies cmd 0",
                          "pool_complete ext 3", "exactly_once qc 4"));
}

TEST(ScenarioChecks, DuplicatesAreCheckedOnce) {
  std::string checks = R"({"invariant": "no_oversell", "target": "t"},
      {"invariant": "no_oversell", "target": "t", "stock": 7},
      {"invariant": "no_zombies", "target": "tcp"},
      {"invariant": "no_oversell", "target": "cmd", "stock": 5},
      {"invariant": "no_zombies", "target": "cmd"},
      {"invariant": "no_oversell", "target": "cmd", "stock": 5},
      {"invariant": "no_zombies", "target": "cmd"})";
  EXPECT_THAT(checks_of(parse_ok(scenario(kFleet, checks))),
              ElementsAre("no_oversell t 7", "exactly_once q 16", "pool_complete p 8",
                          "no_zombies tcp 0", "no_oversell cmd 5", "no_zombies cmd 0"));
}

TEST(ScenarioChecks, Parameters) {
  EXPECT_THAT(
      errors_of(scenario(kFleet, R"({"invariant": "no_oversell", "target": "cmd"},
          {"invariant": "pool_complete", "target": "ext"},
          {"invariant": "no_oversell", "target": "t", "stock": 8},
          {"invariant": "exactly_once", "target": "q", "maxsize": 10},
          {"invariant": "pool_complete", "target": "p", "workers": 0},
          {"invariant": "no_oversell", "target": "t", "maxsize": 7},
          {"invariant": "no_zombies", "target": "tcp", "stock": 1})")),
      ElementsAre(
          R"(/checks/0/stock: required for a target drover did not build ("cmd" is a command target))",
          R"(/checks/1/workers: required for a target drover did not build ("ext" is an address target))",
          R"(/checks/2/stock: 8 disagrees with the stock of "t" (7, from its args); leave it out to use the target's own)",
          R"(/checks/3/maxsize: 10 disagrees with the maxsize of "q" (16, the default of queue_broker); set "maxsize" in its args instead)",
          "/checks/4/workers: must be a positive integer",
          "/checks/5/maxsize: unknown key (known keys: invariant, target, stock)",
          "/checks/6/stock: unknown key (known keys: invariant, target)"));
  EXPECT_THAT(
      errors_of(scenario(kFleet, R"({"invariant": "no_oversell", "target": "cmd", "stock": 5},
          {"invariant": "no_oversell", "target": "cmd", "stock": 6})")),
      ElementsAre("/checks/1/stock: repeats the check at /checks/0 with another stock (5 there)"));
}

TEST(ScenarioChecks, InvariantMustFitTheTarget) {
  EXPECT_THAT(
      errors_of(scenario(kFleet, R"({"invariant": "no_oversell", "target": "q", "stock": 1},
          {"invariant": "exactly_once", "target": "echo", "maxsize": 1},
          {"invariant": "pool_complete", "target": "cmd", "workers": 1},
          {"invariant": "no_zombies", "target": "ext"},
          {"invariant": "no_oversel", "target": "t"})")),
      ElementsAre(
          R"(/checks/0/target: no_oversell needs a tickets target; "q" speaks queue)",
          R"(/checks/1/target: exactly_once needs a queue target; "echo" speaks udp)",
          R"(/checks/2/target: pool_complete needs a pool target; "cmd" speaks tickets)",
          R"(/checks/3/target: "ext" is an address target; no_zombies needs a target drover starts ("kind" or "command"))",
          R"(/checks/4/invariant: unknown invariant "no_oversel" (known: no_zombies, no_oversell, exactly_once, pool_complete))"));
}

}  // namespace
}  // namespace drover::scenario_workload_test
