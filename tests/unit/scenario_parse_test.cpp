#include <filesystem>
#include <fstream>
#include <iterator>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/scenario/parse.hpp"
#include "tests/unit/input_error_lines.hpp"

namespace drover::scenario_parse_test {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using Env = std::vector<std::pair<std::string, std::string>>;
using Argv = std::vector<std::string>;

constexpr const char* kFile = "/srv/drover/scenarios/test.json";

Scenario parse_ok(const std::string& text) {
  ParsedScenario parsed = parse_scenario(text, kFile);
  EXPECT_THAT(lines(parsed), ElementsAre());
  EXPECT_TRUE(parsed.has_value());
  return parsed ? *parsed : Scenario{};
}

std::vector<std::string> errors_of(const std::string& text) {
  ParsedScenario parsed = parse_scenario(text, kFile);
  EXPECT_FALSE(parsed.has_value());
  return lines(parsed);
}

// A scenario around the given targets and fleets; `extra` adds top-level
// members (", \"thresholds\": {...}").
std::string scenario(const std::string& targets, const std::string& fleets,
                     const std::string& extra = "", const std::string& load = "{}") {
  return R"({"name": "t", "targets": )" + targets + R"(, "fleets": [)" + fleets + R"(], "load": )" +
         load + extra + "}";
}

const std::string kTargets = R"({"echo": {"kind": "udp_echo"}, "tcp": {"kind": "tcp_fork_echo"}})";

std::string fleet(const std::string& op, const std::string& target = "echo",
                  const std::string& clients = "4") {
  return R"({"name": "c", "target": ")" + target + R"(", "clients": )" + clients + R"(, "op": )" +
         op + "}";
}

const std::string kFleet = fleet(R"({"send": "hi {seq}"})");
const std::string kOpenLoad = R"({"model": "open", "rate": 100, "duration": "1s"})";

// The shipped and the test scenarios, relative to the repository.
std::filesystem::path source(const std::string& relative) {
  return std::filesystem::path(DROVER_SOURCE_DIR) / relative;
}

TEST(ScenarioParse, ReferenceTarget) {
  Scenario s = parse_ok(scenario(
      R"({"echo": {"kind": "udp_echo", "args": {"threads": 2, "model": "thread-per-datagram"},
                   "ready_timeout": "3s", "stop_grace": "500ms"},
          "tcp": {"kind": "tcp_fork_echo", "args": {"no_reap": true, "max_children": 0}},
          "tcp2": {"kind": "tcp_fork_echo", "args": {"no_reap": false}}})",
      kFleet));
  EXPECT_EQ(s.name, "t");
  EXPECT_EQ(s.file, kFile);
  EXPECT_EQ(s.expect, Expect::kPass);
  EXPECT_EQ(s.description, "");
  ASSERT_EQ(s.targets.size(), 3u);
  const TargetSpec& echo = s.targets[0];
  EXPECT_EQ(echo.name, "echo");
  EXPECT_EQ(echo.source, TargetSpec::Source::kReference);
  EXPECT_EQ(echo.kind, "udp_echo");
  EXPECT_EQ(echo.protocol, Protocol::kUdp);
  EXPECT_EQ(echo.argv, (Argv{"--threads", "2", "--model", "thread-per-datagram"}));
  EXPECT_EQ(echo.address, "");
  EXPECT_FALSE(echo.wants_free_port);
  EXPECT_EQ(echo.cwd, "/srv/drover/scenarios");
  EXPECT_EQ(echo.ready.probe, ReadySpec::Probe::kNone);
  EXPECT_EQ(echo.ready.address, "");
  EXPECT_EQ(echo.ready.stdout_regex, R"(^READY (udp|tcp) (\S+)$)");
  EXPECT_EQ(echo.ready.timeout, 3s);
  EXPECT_EQ(echo.stop_grace, 500ms);
  const TargetSpec& tcp = s.targets[1];
  EXPECT_EQ(tcp.protocol, Protocol::kTcp);
  EXPECT_EQ(tcp.argv, (Argv{"--no-reap", "--max-children", "0"}));
  EXPECT_EQ(tcp.ready.timeout, 10s);
  EXPECT_EQ(tcp.stop_grace, 3s);
  EXPECT_EQ(s.targets[2].argv, Argv{});
}

TEST(ScenarioParse, CommandTargetWithTcpProbe) {
  Scenario s = parse_ok(scenario(
      R"({"srv": {"command": ["python3", "server.py", "--port={port}"],
                  "ready": {"tcp": "127.0.0.1:{port}", "stdout": "^serving", "timeout": "5s"},
                  "env": {"B": "2", "A": "1"}, "cwd": "../bin/./", "stop_grace": "1s"}})",
      fleet(R"({"send": "x"})", "srv")));
  ASSERT_EQ(s.targets.size(), 1u);
  const TargetSpec& t = s.targets[0];
  EXPECT_EQ(t.source, TargetSpec::Source::kCommand);
  EXPECT_EQ(t.kind, "command");
  EXPECT_EQ(t.protocol, Protocol::kTcp);
  EXPECT_EQ(t.argv, (Argv{"python3", "server.py", "--port={port}"}));
  EXPECT_EQ(t.address, "127.0.0.1:{port}");
  EXPECT_TRUE(t.wants_free_port);
  EXPECT_EQ(t.ready.probe, ReadySpec::Probe::kTcpConnect);
  EXPECT_EQ(t.ready.address, "127.0.0.1:{port}");
  EXPECT_EQ(t.ready.stdout_regex, "^serving");
  EXPECT_EQ(t.ready.timeout, 5s);
  EXPECT_EQ(t.env, (Env{{"B", "2"}, {"A", "1"}}));
  EXPECT_EQ(t.cwd, "/srv/drover/bin");
  EXPECT_EQ(t.stop_grace, 1s);
}

// "files": text or lines (each ending in a newline); a "{port}" in a file
// alone asks for a free port.
TEST(ScenarioParse, CommandTargetFiles) {
  Scenario s = parse_ok(scenario(
      R"({"srv": {"command": ["nginx", "-c", "{dir}/nginx.conf"], "address": "127.0.0.1:8080",
                  "protocol": "tcp",
                  "files": {"nginx.conf": ["listen {port};", "root {dir};"], "a.txt": "x"}}})",
      fleet(R"({"send": "x"})", "srv")));
  const TargetSpec& t = s.targets.at(0);
  using Files = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(t.files, (Files{{"nginx.conf", "listen {port};\nroot {dir};\n"}, {"a.txt", "x"}}));
  EXPECT_TRUE(t.wants_free_port);
  EXPECT_THAT(
      errors_of(scenario(R"({"srv": {"command": ["x"], "address": "127.0.0.1:1", "protocol": "tcp",
                                     "files": {"../etc/passwd": "x", ".hidden": "x",
                                               "ok": 7, "lines": ["a", 1]}}})",
                         fleet(R"({"send": "x"})", "srv"))),
      ElementsAre(testing::HasSubstr("/targets/srv/files/..~1etc~1passwd: is not a file name"),
                  testing::HasSubstr("/targets/srv/files/.hidden: is not a file name"),
                  testing::HasSubstr("/targets/srv/files/ok: must be a string"),
                  testing::HasSubstr("/targets/srv/files/lines/1: must be a string")));
}

// "tls", or an https:// url, makes an http target HTTPS; the name checked
// defaults to the url's or the address's host.
TEST(ScenarioParse, HttpsTargets) {
  const std::string get = R"({"path": "/"})";
  Scenario s =
      parse_ok(scenario(R"({"web": {"url": "https://localhost:8443/api"}})", fleet(get, "web")));
  ASSERT_TRUE(s.targets.at(0).tls);
  EXPECT_EQ(*s.targets[0].tls, (TlsSpec{"", "", "", false, "localhost"}));
  EXPECT_EQ(s.targets[0].address, "localhost:8443");
  s = parse_ok(scenario(R"({"web": {"address": "[::1]:8443", "protocol": "http",
                                    "tls": {"ca_file": "/dev/null", "insecure": true}}})",
                        fleet(get, "web")));
  EXPECT_EQ(*s.targets.at(0).tls, (TlsSpec{"/dev/null", "", "", true, "::1"}));
  s = parse_ok(scenario(R"({"web": {"command": ["srv"], "protocol": "http",
                                    "address": "127.0.0.1:{port}",
                                    "tls": {"ca_file": "{dir}/ca.pem", "server_name": "web.test"}}})",
                        fleet(get, "web")));
  EXPECT_EQ(*s.targets.at(0).tls, (TlsSpec{"{dir}/ca.pem", "", "", false, "web.test"}));
  EXPECT_FALSE(parse_ok(scenario(R"({"web": {"url": "http://localhost:8080"}})", fleet(get, "web")))
                   .targets.at(0)
                   .tls);
}

TEST(ScenarioParse, CommandTargetWithUdpProbeAndOwnAddress) {
  Scenario s = parse_ok(scenario(
      R"({"srv": {"command": ["./udp-server"], "protocol": "udp", "address": "localhost:9000",
                  "ready": {"udp": "[::1]:9000"}, "cwd": "/opt/server"}})",
      fleet(R"({"send": "x"})", "srv")));
  const TargetSpec& t = s.targets[0];
  EXPECT_EQ(t.protocol, Protocol::kUdp);
  EXPECT_EQ(t.address, "localhost:9000");
  EXPECT_EQ(t.ready.probe, ReadySpec::Probe::kUdpBound);
  EXPECT_EQ(t.ready.address, "[::1]:9000");
  EXPECT_EQ(t.ready.stdout_regex, "");
  EXPECT_EQ(t.ready.timeout, 10s);
  EXPECT_FALSE(t.wants_free_port);
  EXPECT_EQ(t.cwd, "/opt/server");
  EXPECT_EQ(t.stop_grace, 3s);
}

TEST(ScenarioParse, CommandTargetWithoutProbe) {
  Scenario s = parse_ok(
      scenario(R"({"srv": {"command": ["srv"], "protocol": "tcp", "address": "10.0.0.7:80"}})",
               fleet(R"({"send": "x"})", "srv")));
  const TargetSpec& t = s.targets[0];
  EXPECT_EQ(t.protocol, Protocol::kTcp);
  EXPECT_EQ(t.ready.probe, ReadySpec::Probe::kNone);
  EXPECT_EQ(t.ready.address, "");
  EXPECT_EQ(t.cwd, "/srv/drover/scenarios");
  EXPECT_TRUE(t.env.empty());
}

// A NUL would cut an argument or a variable short where the program gets it;
// a name with one is no name. The pointer's token holds the NUL as it is.
TEST(ScenarioParse, ANulCharacterInACommandOrItsEnvironmentIsRefused) {
  EXPECT_THAT(errors_of(scenario(R"({"srv": {"command": ["srv", "a\u0000"], "protocol": "tcp",
                                     "address": "10.0.0.7:80", "env": {"A\u0000B": "1", "C": "\u0000"}}})",
                                 fleet(R"({"send": "x"})", "srv"))),
              ElementsAre("/targets/srv/command/1: must not contain a NUL character",
                          "/targets/srv/env/A" + std::string(1, '\0') +
                              "B: is not an environment variable name",
                          "/targets/srv/env/C: must not contain a NUL character"));
}

// An empty argument is a word of its own ("--save" ""); only the program
// itself must be named.
TEST(ScenarioParse, EmptyCommandArgumentsAreKeptButTheProgramMustBeNamed) {
  Scenario s = parse_ok(scenario(
      R"({"srv": {"command": ["redis-server", "--save", "", "--port", "{port}"],
                  "protocol": "tcp", "address": "127.0.0.1:{port}"}})",
      fleet(R"({"send": "x"})", "srv")));
  EXPECT_EQ(s.targets[0].argv, (Argv{"redis-server", "--save", "", "--port", "{port}"}));
  EXPECT_THAT(errors_of(scenario(R"({"srv": {"command": ["", "x"], "protocol": "tcp",
                                     "address": "10.0.0.7:80"}})",
                                 fleet(R"({"send": "x"})", "srv"))),
              ElementsAre("/targets/srv/command/0: must not be empty (the program to run)"));
}

TEST(ScenarioParse, AddressTarget) {
  Scenario s = parse_ok(scenario(R"({"ext": {"address": "[::1]:8080", "protocol": "tcp"}})",
                                 fleet(R"({"send": "x"})", "ext")));
  const TargetSpec& t = s.targets[0];
  EXPECT_EQ(t.source, TargetSpec::Source::kAddress);
  EXPECT_EQ(t.kind, "address");
  EXPECT_EQ(t.protocol, Protocol::kTcp);
  EXPECT_EQ(t.address, "[::1]:8080");
  EXPECT_TRUE(t.argv.empty());
  EXPECT_FALSE(t.wants_free_port);
  EXPECT_EQ(t.ready.probe, ReadySpec::Probe::kNone);
}

TEST(ScenarioParse, FleetsOpsAndDefaults) {
  Scenario s = parse_ok(
      scenario(kTargets,
               R"({"name": "a", "target": "echo", "clients": 100000, "op": {"send": "{client}"}},
         {"name": "b", "target": "tcp", "clients": 1,
          "op": {"send": "x", "expect": "upper", "framing": "fixed", "timeout": "250ms"}},
         {"name": "c", "target": "tcp", "clients": 2, "op": {"send": "x", "expect": "echo"}},
         {"name": "d", "target": "echo", "clients": 3,
          "op": {"send": "x", "expect": {"equals": "X {seq}"}}},
         {"name": "e", "target": "echo", "clients": 4, "op": {"send": "x", "expect": {"regex": "^X+$"}}})",
               R"(, "description": "what it shows", "expect": "violation")"));
  EXPECT_EQ(s.description, "what it shows");
  EXPECT_EQ(s.expect, Expect::kViolation);
  ASSERT_EQ(s.fleets.size(), 5u);
  const FleetSpec& a = s.fleets[0];
  EXPECT_EQ(a.name, "a");
  EXPECT_EQ(a.target, "echo");
  EXPECT_EQ(a.clients, 100000);
  EXPECT_EQ(a.first_op().send, "{client}");
  EXPECT_EQ(a.first_op().expect.kind, Expectation::Kind::kAny);
  EXPECT_EQ(a.first_op().framing.kind, Framing::kLine);
  EXPECT_EQ(a.first_op().clients_per_connection, 1);
  EXPECT_EQ(a.first_op().timeout, 1s);
  EXPECT_EQ(s.fleets[1].first_op().expect.kind, Expectation::Kind::kUpper);
  EXPECT_EQ(s.fleets[1].first_op().framing.kind, Framing::kFixed);
  EXPECT_EQ(s.fleets[1].first_op().timeout, 250ms);
  EXPECT_EQ(s.fleets[2].first_op().expect.kind, Expectation::Kind::kEcho);
  EXPECT_EQ(s.fleets[3].first_op().expect.kind, Expectation::Kind::kEquals);
  EXPECT_EQ(s.fleets[3].first_op().expect.text, "X {seq}");
  EXPECT_EQ(s.fleets[4].first_op().expect.kind, Expectation::Kind::kRegex);
  EXPECT_EQ(s.fleets[4].first_op().expect.text, "^X+$");
  // "load": {} takes every default.
  EXPECT_EQ(s.load.model, LoadSpec::Model::kClosed);
  EXPECT_EQ(s.load.duration, 10s);
  EXPECT_EQ(s.load.think_time, 0ms);
  EXPECT_EQ(s.load.iterations, std::nullopt);
  EXPECT_TRUE(s.thresholds.empty());
  EXPECT_EQ(s.checks.size(), 1u);  // tcp_fork_echo's own no_zombies
}

TEST(ScenarioParse, AMixOfOpsKeepsItsNamesWeightsAndKeys) {
  Scenario s = parse_ok(scenario(kTargets,
                                 R"({"name": "m", "target": "tcp", "clients": 2, "ops": [
           {"name": "get", "weight": 9, "send": "GET {seq}", "expect": "echo"},
           {"name": "set", "send": "SET {seq}", "timeout": "250ms"}]})"));
  const FleetSpec& m = s.fleets[0];
  ASSERT_EQ(m.ops.size(), 2u);
  EXPECT_TRUE(m.is_mix());
  EXPECT_EQ(m.ops[0].name, "get");
  EXPECT_EQ(m.ops[0].weight, 9);
  EXPECT_EQ(m.ops[0].send, "GET {seq}");
  EXPECT_EQ(m.ops[0].expect.kind, Expectation::Kind::kEcho);
  EXPECT_EQ(m.ops[0].timeout, 1s);
  EXPECT_EQ(m.ops[1].name, "set");
  EXPECT_EQ(m.ops[1].weight, 1);
  EXPECT_EQ(m.ops[1].expect.kind, Expectation::Kind::kAny);
  EXPECT_EQ(m.ops[1].timeout, 250ms);
  EXPECT_EQ(m.longest_timeout(), 1s);
  EXPECT_TRUE(m.checks_replies());
}

TEST(ScenarioParse, ASingleOpIsAOneOpListNamedAsItsFiguresAlwaysWere) {
  Scenario s = parse_ok(scenario(
      R"({"echo": {"kind": "udp_echo"}, "tcp": {"kind": "tcp_fork_echo"},
          "box": {"kind": "ticket_db", "args": {"stock": 5}}})",
      fleet(R"({"send": "x"})") + "," +
          R"({"name": "t", "target": "tcp", "clients": 1, "op": {"send": "x"}},
             {"name": "b", "target": "box", "clients": 1, "op": {}})"));
  ASSERT_EQ(s.fleets.size(), 3u);
  for (const FleetSpec& f : s.fleets) {
    ASSERT_EQ(f.ops.size(), 1u) << f.name;
    EXPECT_FALSE(f.is_mix());
    EXPECT_EQ(f.first_op().weight, 1);
  }
  EXPECT_EQ(s.fleets[0].first_op().name, "datagram");
  EXPECT_EQ(s.fleets[1].first_op().name, "message");
  EXPECT_EQ(s.fleets[2].first_op().name, "buy");
}

TEST(ScenarioParse, Load) {
  Scenario s = parse_ok(scenario(kTargets, kFleet, "",
                                 R"({"model": "closed", "duration": "2m", "think_time": "5ms",
                                     "iterations": 100})"));
  EXPECT_EQ(s.load.duration, 2min);
  EXPECT_EQ(s.load.think_time, 5ms);
  EXPECT_EQ(s.load.iterations, 100u);
}

TEST(ScenarioParse, ThresholdsKeepOrderScopeAndUnits) {
  Scenario s = parse_ok(scenario(kTargets, kFleet, R"(, "thresholds": {
      "latency.p99": "< 20ms", "latency.mean{fleet:c}": "<=1.5ms", "errors.rate": "< 0.1%",
      "errors.rate{fleet:c}": "<0.01", "errors.count": ">= 0", "ops": "> 1000",
      "throughput{fleet:c}": " >= 500/s ", "throughput": "> 2.5", "latency.max": "< 2s"})"));
  ASSERT_EQ(s.thresholds.size(), 9u);
  auto expect = [&](std::size_t i, const char* metric, const char* fleet, Comparison c,
                    double limit, const char* text) {
    SCOPED_TRACE(i);
    const ThresholdSpec& t = s.thresholds[i];
    EXPECT_EQ(t.metric, metric);
    EXPECT_EQ(t.fleet, fleet);
    EXPECT_EQ(t.comparison, c);
    EXPECT_DOUBLE_EQ(t.limit, limit);
    EXPECT_EQ(t.text, text);
  };
  expect(0, "latency.p99", "", Comparison::kLess, 20, "< 20ms");
  expect(1, "latency.mean", "c", Comparison::kLessEqual, 1.5, "<=1.5ms");
  expect(2, "errors.rate", "", Comparison::kLess, 0.001, "< 0.1%");
  expect(3, "errors.rate", "c", Comparison::kLess, 0.01, "<0.01");
  expect(4, "errors.count", "", Comparison::kGreaterEqual, 0, ">= 0");
  expect(5, "ops", "", Comparison::kGreater, 1000, "> 1000");
  expect(6, "throughput", "c", Comparison::kGreaterEqual, 500, " >= 500/s ");
  expect(7, "throughput", "", Comparison::kGreater, 2.5, "> 2.5");
  expect(8, "latency.max", "", Comparison::kLess, 2000, "< 2s");
}

TEST(ScenarioParse, Checks) {
  Scenario s = parse_ok(scenario(
      R"({"tcp": {"kind": "tcp_fork_echo"}, "srv": {"command": ["s"], "ready": {"tcp": "127.0.0.1:1"}}})",
      fleet(R"({"send": "x"})", "tcp"),
      R"(, "checks": [{"invariant": "no_zombies", "target": "tcp"},
                      {"invariant": "no_zombies", "target": "srv"}])"));
  ASSERT_EQ(s.checks.size(), 2u);
  EXPECT_EQ(s.checks[0].invariant, Invariant::kNoZombies);
  EXPECT_EQ(s.checks[0].target, "tcp");
  EXPECT_EQ(s.checks[1].target, "srv");
}

TEST(ScenarioParse, RelativeFilePathBecomesAbsolute) {
  ParsedScenario parsed = parse_scenario(scenario(kTargets, kFleet), "sub/../s.json");
  ASSERT_TRUE(parsed.has_value());
  std::filesystem::path expected = std::filesystem::current_path() / "s.json";
  EXPECT_EQ(parsed->file, expected.string());
  EXPECT_EQ(parsed->targets[0].cwd, std::filesystem::current_path().string());
}

TEST(ScenarioParse, ShippedScenariosAreValid) {
  int seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(source("scenarios"))) {
    const auto& path = entry.path();
    if (path.extension() != ".json" || path.filename() == "schema.json") continue;
    ++seen;
    ParsedScenario parsed = load_scenario(path.string());
    EXPECT_THAT(lines(parsed), ElementsAre()) << path;
    if (parsed) {
      EXPECT_EQ(parsed->name, path.stem().string());
    }
  }
  EXPECT_GE(seen, 3);
}

// Errors: each names its JSON pointer and says what is wrong.
TEST(ScenarioErrors, UnknownKeyWithSuggestion) {
  EXPECT_THAT(errors_of(scenario(kTargets, R"({"name": "c", "target": "echo", "clinets": 4,
                                               "op": {"send": "x"}})")),
              ElementsAre(R"(/fleets/0/clinets: unknown key (did you mean "clients"?))",
                          "/fleets/0/clients: required"));
}

TEST(ScenarioErrors, UnknownKeyListsTheKnownOnes) {
  EXPECT_THAT(errors_of(scenario(kTargets, kFleet, R"(, "colour": "blue")")),
              ElementsAre("/colour: unknown key (known keys: name, description, expect, targets, "
                          "fleets, load, thresholds, checks, faults, hosts, data, setup)"));
}

TEST(ScenarioErrors, MissingRequiredMembers) {
  EXPECT_THAT(errors_of("{}"), ElementsAre("/name: required", "/targets: required",
                                           "/fleets: required", "/load: required"));
  EXPECT_THAT(errors_of(scenario(kTargets, R"({"clients": 1})")),
              ElementsAre("/fleets/0/name: required", "/fleets/0/target: required",
                          R"(/fleets/0/op: required (or "ops", a mix of ops))"));
}

TEST(ScenarioErrors, WrongTypes) {
  EXPECT_THAT(
      errors_of(R"({"name": 5, "description": [], "expect": true, "targets": [], "fleets": {},
                    "load": "fast", "thresholds": [], "checks": {}})"),
      ElementsAre("/name: must be a string", "/description: must be a string",
                  R"(/expect: must be "pass" or "violation")", "/targets: must be an object",
                  "/fleets: must be an array", "/load: must be an object",
                  "/thresholds: must be an object", "/checks: must be an array"));
  EXPECT_THAT(
      errors_of(scenario(R"({"srv": {"command": "srv --fast", "protocol": "sctp",
                                     "address": 80, "env": {"A": 1}, "cwd": false}})",
                         fleet(R"({"send": 7, "expect": 1, "timeout": 1})", "srv"))),
      ElementsAre(
          "/targets/srv/command: must be an array of strings",
          R"(/targets/srv/protocol: must be "udp", "tcp", "tickets", "queue", "pool" or "http")",
          "/targets/srv/address: must be a string", "/targets/srv/env/A: must be a string",
          "/targets/srv/cwd: must be a string", "/fleets/0/op/send: must be a string",
          R"(/fleets/0/op/expect: must be "any", "echo", "upper", {"equals": TEMPLATE}, {"regex": REGEX} or {"resp": TYPE})",
          R"(/fleets/0/op/timeout: must be a duration string (write e.g. "250ms", "10s", "2m"))"));
}

TEST(ScenarioErrors, NamesMustBeSimple) {
  EXPECT_THAT(
      errors_of(R"({"name": "my run", "targets": {"e cho": {"kind": "udp_echo"}},
                    "fleets": [{"name": "c/1", "target": "e cho", "clients": 1, "op": {"send": "x"}}],
                    "load": {}})"),
      ElementsAre(
          R"(/name: must be 1 to 64 letters, digits, ".", "_" or "-", not dots alone (it names the run folder))",
          R"(/targets/e cho: a target name must be 1 to 64 letters, digits, "_" or "-")",
          R"(/fleets/0/name: must be 1 to 64 letters, digits, "_" or "-")"));
}

TEST(ScenarioErrors, Clients) {
  for (const char* clients : {"-3", "0", "\"ten\"", "1.5", "true", "null"}) {
    EXPECT_THAT(errors_of(scenario(kTargets, fleet(R"({"send": "x"})", "echo", clients))),
                ElementsAre("/fleets/0/clients: must be a positive integer"))
        << clients;
  }
  for (const char* clients : {"100001", "18446744073709551615"}) {
    EXPECT_THAT(errors_of(scenario(kTargets, fleet(R"({"send": "x"})", "echo", clients))),
                ElementsAre("/fleets/0/clients: must be at most 100000"))
        << clients;
  }
}

TEST(ScenarioErrors, Durations) {
  std::string text = scenario(kTargets, fleet(R"({"send": "x", "timeout": "0s"})"), "",
                              R"({"duration": "10x", "think_time": "-1s", "iterations": 0})");
  EXPECT_THAT(
      errors_of(text),
      ElementsAre("/fleets/0/op/timeout: must be longer than 0",
                  R"(/load/duration: "10x" is not a duration (write e.g. "250ms", "10s", "2m"))",
                  R"(/load/think_time: "-1s" is not a duration (write e.g. "250ms", "10s", "2m"))",
                  "/load/iterations: must be a positive integer"));
}

TEST(ScenarioErrors, UnknownLoadModel) {
  std::string text = scenario(kTargets, kFleet, "", R"({"model": "opn"})");
  EXPECT_THAT(
      errors_of(text),
      ElementsAre(R"(/load/model: unknown model "opn" (known: closed, open, stages, capacity))"));
}

TEST(ScenarioErrors, UndefinedTarget) {
  EXPECT_THAT(errors_of(scenario(kTargets, fleet(R"({"send": "x"})", "ech"))),
              ElementsAre(R"(/fleets/0/target: no target named "ech" (targets: echo, tcp))"));
}

TEST(ScenarioErrors, TargetForms) {
  const std::string kForms =
      R"(must have exactly one of "kind" (a reference target), "command" (a server drover )"
      R"(starts) or "address" (a server already running))";
  EXPECT_THAT(
      errors_of(scenario(
          R"({"a": {"protocol": "udp", "adress": "127.0.0.1:1"}, "b": {"kind": "udp_echo", "command": ["x"]},
                             "c": {"kind": "udp_echo", "address": "127.0.0.1:1"}, "d": 1})",
          fleet(R"({"send": "x"})", "a"))),
      ElementsAre(
          "/targets/a: " + kForms, R"(/targets/a/adress: unknown key (did you mean "address"?))",
          "/targets/b: " + kForms, "/targets/c: " + kForms, "/targets/d: must be an object"));
  EXPECT_THAT(errors_of(scenario("{}", kFleet)),
              ElementsAre("/targets: must define at least one target"));
}

TEST(ScenarioErrors, UnknownKind) {
  EXPECT_THAT(
      errors_of(scenario(R"({"echo": {"kind": "udp_ecko", "args": {"threads": 2}}})", kFleet)),
      ElementsAre(
          R"(/targets/echo/kind: unknown kind "udp_ecko" (known: udp_echo, tcp_fork_echo, ticket_db, queue_broker, worker_pool))"));
}

TEST(ScenarioErrors, UnknownArg) {
  EXPECT_THAT(
      errors_of(scenario(R"({"echo": {"kind": "udp_echo", "args": {"thread": 2}}})", kFleet)),
      ElementsAre("/targets/echo/args/thread: unknown arg for udp_echo (known: model, "
                  "threads, batch, corrupt_every)"));
}

TEST(ScenarioErrors, ArgTypesAndRanges) {
  EXPECT_THAT(
      errors_of(scenario(
          R"({"echo": {"kind": "udp_echo", "args": {"threads": 0, "batch": "2", "corrupt_every": 1.5}},
              "tcp": {"kind": "tcp_fork_echo", "args": {"max_children": 100001, "no_reap": "yes"}}})",
          kFleet)),
      ElementsAre("/targets/echo/args/threads: must be an integer from 1 to 256",
                  "/targets/echo/args/batch: must be an integer from 1 to 1024",
                  "/targets/echo/args/corrupt_every: must be an integer from 0 to 1000000000",
                  "/targets/tcp/args/max_children: must be an integer from 0 to 100000",
                  "/targets/tcp/args/no_reap: must be true or false"));
}

TEST(ScenarioErrors, BadChoice) {
  EXPECT_THAT(
      errors_of(scenario(R"({"echo": {"kind": "udp_echo", "args": {"model": "pool"}}})", kFleet)),
      ElementsAre(R"(/targets/echo/args/model: must be "workers" or "thread-per-datagram")"));
}

TEST(ScenarioErrors, CommandTargets) {
  EXPECT_THAT(
      errors_of(scenario(
          R"({"a": {"command": [], "ready": {"udp": "127.0.0.1:1", "tcp": "127.0.0.1:1"}},
              "b": {"command": ["srv", ""], "protocol": "udp", "ready": {"tcp": "localhost:{port}"}},
              "c": {"command": ["srv"], "ready": {"stdout": "(ready", "timeout": "0ms"}},
              "d": {"command": ["srv"], "address": "example.com:80", "ready": {"udp": "127.0.0.1:70000"}}})",
          fleet(R"({"send": "x"})", "b"))),
      ElementsAre(
          "/targets/a/command: must not be empty (the program to run, then its arguments)",
          R"(/targets/a/ready: give at most one of "udp" and "tcp")",
          R"(/targets/b/protocol: "udp" does not match the ready probe ("tcp"))",
          "/targets/c/ready/stdout: is not a valid regex (Unmatched marking parenthesis ( or "
          "\\(, at offset 6)",
          "/targets/c/ready/timeout: must be longer than 0",
          R"(/targets/c/protocol: required when "ready" has neither "udp" nor "tcp")",
          R"(/targets/c/address: required when "ready" has neither "udp" nor "tcp")",
          R"(/targets/d/address: "example.com:80": the host must be an IPv4 address, "localhost" or an IPv6 address in brackets ("[::1]"))",
          R"(/targets/d/ready/udp: "127.0.0.1:70000": the port must be a number from 1 to 65535 or "{port}")"));
}

TEST(ScenarioErrors, AddressTargets) {
  EXPECT_THAT(
      errors_of(scenario(R"({"a": {"address": "127.0.0.1:{port}", "protocol": "udp"},
                             "b": {"address": "127.0.0.1"}, "c": {"address": "[::1:80", "protocol": "tcp"}})",
                         fleet(R"({"send": "x"})", "a"))),
      ElementsAre(
          R"(/targets/a/address: "127.0.0.1:{port}": "{port}" is only for targets drover starts ("command"))",
          R"(/targets/b/address: "127.0.0.1" is not host:port (e.g. "127.0.0.1:9000"))",
          "/targets/b/protocol: required",
          R"(/targets/c/address: "[::1:80" is not host:port (e.g. "[::1]:9000"))"));
}

TEST(ScenarioErrors, InvalidTemplatePlaceholder) {
  EXPECT_THAT(
      errors_of(
          scenario(kTargets, fleet(R"({"send": "hi {sq}", "expect": {"equals": "{random:0}"}})"))),
      ElementsAre(
          "/fleets/0/op/send: unknown placeholder {sq} (known: {client}, {seq}, {random:N}, "
          "{key:uniform:N}, {key:zipf:N:s}, {key:sequential:N}, {data:FILE:COLUMN}, {data:FILE})",
          "/fleets/0/op/expect/equals: {random:0}: the length must be an integer from 1 to "
          "65536"));
}

TEST(ScenarioErrors, InvalidRegex) {
  EXPECT_THAT(errors_of(scenario(kTargets, fleet(R"({"send": "x", "expect": {"regex": "[a"}})"))),
              ElementsAre("/fleets/0/op/expect/regex: is not a valid regex (Unmatched [ or [^ in "
                          "character class declaration, at offset 2)"));
  EXPECT_THAT(
      errors_of(scenario(kTargets, fleet(R"({"send": "x", "expect": {}})"))),
      ElementsAre(R"(/fleets/0/op/expect: give exactly one of "equals", "regex" and "resp")"));
}

TEST(ScenarioParse, RespExpectationsReadTheirTypeAndNestedValue) {
  Scenario s = parse_ok(scenario(kTargets, fleet(R"({"send": "*1\r\n$4\r\nPING\r\n",
      "framing": "resp", "expect": {"resp": "array", "value": ["a", -3, null, true, ["x", 2]]}})",
                                                 "tcp")));
  const Expectation& e = s.fleets[0].first_op().expect;
  EXPECT_EQ(e.kind, Expectation::Kind::kResp);
  EXPECT_EQ(e.resp_type, "array");
  ASSERT_TRUE(e.resp_value.has_value());
  ASSERT_EQ(e.resp_value->items.size(), 5u);
  EXPECT_EQ(e.resp_value->items[0].text, "a");
  EXPECT_EQ(e.resp_value->items[1].integer, -3);
  EXPECT_EQ(e.resp_value->items[2].kind, RespValueSpec::Kind::kNull);
  EXPECT_TRUE(e.resp_value->items[3].boolean);
  EXPECT_EQ(e.resp_value->items[4].items[1].integer, 2);
  Scenario plain = parse_ok(scenario(
      kTargets,
      fleet(R"({"send": "PING\r\n", "framing": "resp", "expect": {"resp": "simple"}})", "tcp")));
  EXPECT_FALSE(plain.fleets[0].first_op().expect.resp_value.has_value());
}

TEST(ScenarioErrors, RespExpectations) {
  auto op = [](const std::string& expect, const std::string& framing = "resp") {
    return scenario(kTargets, fleet(R"({"send": "PING\r\n", "framing": ")" + framing +
                                        R"(", "expect": )" + expect + "}",
                                    "tcp"));
  };
  EXPECT_THAT(
      errors_of(op(R"({"resp": "simple"})", "line")),
      ElementsAre(
          R"(/fleets/0/op/expect/resp: only with "framing": "resp" (a RESP type is read from a whole RESP reply))"));
  EXPECT_THAT(
      errors_of(op(R"({"resp": "string"})")),
      ElementsAre(
          R"(/fleets/0/op/expect/resp: must be "simple", "error", "integer", "bulk", "null", "array", "boolean", "double", "big_number", "verbatim", "map", "set" or "push")"));
  EXPECT_THAT(
      errors_of(op(R"({"resp": "integer", "value": "7"})")),
      ElementsAre(
          R"(/fleets/0/op/expect/value: must be a whole number for a reply of type "integer")"));
  EXPECT_THAT(errors_of(op(R"({"resp": "bulk", "value": 1.5})")),
              ElementsAre("/fleets/0/op/expect/value: must be text, a whole number, true, false, "
                          "null or an array of them"));
  EXPECT_THAT(errors_of(op(R"({"resp": "array", "value": [[["deep"]], {}]})")),
              ElementsAre("/fleets/0/op/expect/value/0/0: arrays nest two deep at most here",
                          "/fleets/0/op/expect/value/1: must be text, a whole number, true, "
                          "false, null or an array of them"));
  EXPECT_THAT(errors_of(op(R"({"equals": "+OK\r\n", "value": "OK"})")),
              ElementsAre(R"(/fleets/0/op/expect/value: only with "resp")"));
  EXPECT_THAT(
      errors_of(op(R"({"equals": "+OK\r\n", "resp": "simple"})")),
      ElementsAre(R"(/fleets/0/op/expect: give exactly one of "equals", "regex" and "resp")"));
}

TEST(ScenarioErrors, PayloadTooLargeForUdp) {
  EXPECT_THAT(errors_of(scenario(kTargets, fleet(R"({"send": "{random:65508}"})"))),
              ElementsAre("/fleets/0/op/send: renders up to 65508 bytes, more than a UDP datagram "
                          "carries (65507)"));
  parse_ok(scenario(kTargets, fleet(R"({"send": "{random:65507}"})")));
  parse_ok(scenario(kTargets, fleet(R"({"send": "{random:65508}"})", "tcp")));
}

TEST(ScenarioErrors, FramingOnUdpTarget) {
  EXPECT_THAT(
      errors_of(scenario(kTargets, fleet(R"({"send": "x", "framing": "line"})"))),
      ElementsAre(R"(/fleets/0/op/framing: only for TCP targets ("echo" is a UDP target))"));
  EXPECT_THAT(errors_of(scenario(kTargets, fleet(R"({"send": "x", "framing": "lines"})", "tcp"))),
              ElementsAre(R"(/fleets/0/op/framing: must be "line", "fixed", "resp", )"
                          R"("memcached" or an object with "type": {"type": "delimiter", )"
                          R"("delimiter": "END\r\n"}, )"
                          R"({"type": "length_prefixed", "bytes": 4})"));
}

FramingSpec framing_of(const std::string& framing) {
  Scenario s =
      parse_ok(scenario(kTargets, fleet(R"({"send": "x", "framing": )" + framing + "}", "tcp")));
  return s.fleets.at(0).first_op().framing;
}

TEST(ScenarioParse, EachFramingWithItsOptions) {
  EXPECT_EQ(framing_of(R"("resp")").kind, Framing::kResp);
  EXPECT_EQ(framing_of(R"("memcached")").kind, Framing::kMemcached);
  EXPECT_EQ(framing_of(R"({"type": "memcached", "max_reply": "4KiB"})").max_reply, 4096u);
  EXPECT_EQ(framing_of(R"({"type": "line", "max_reply": 100})"),
            (FramingSpec{Framing::kLine, "", false, 4, Endian::kBig, false, 100, {}}));
  EXPECT_EQ(framing_of(R"({"type": "delimiter", "delimiter": "END\r\n", "keep": true})"),
            (FramingSpec{
                Framing::kDelimiter, "END\r\n", true, 4, Endian::kBig, false, kMaxReplyBytes, {}}));
  EXPECT_EQ(
      framing_of(R"({"type": "length_prefixed", "bytes": 2, "endian": "little",)"
                 R"( "includes_header": true, "max_reply": "64KiB"})"),
      (FramingSpec{Framing::kLengthPrefixed, "", false, 2, Endian::kLittle, true, 65536, {}}));
  EXPECT_EQ(framing_of(R"({"type": "resp", "max_reply": "2 MiB"})").max_reply, 2u << 20);
  EXPECT_EQ(framing_of(R"({"type": "delimiter", "delimiter": "END\r\n", "request_end": "\r\n"})")
                .request_end,
            "\r\n");
}

TEST(ScenarioErrors, FramingOptionsAreCheckedWhereTheyAre) {
  const auto errors = [](const std::string& framing, const std::string& send = "x") {
    return errors_of(scenario(
        kTargets, fleet(R"({"send": ")" + send + R"(", "framing": )" + framing + "}", "tcp")));
  };
  EXPECT_THAT(errors(R"("delimiter")"),
              ElementsAre(R"(/fleets/0/op/framing: is written as an object: {"type": )"
                          R"("delimiter", ...})"));
  EXPECT_THAT(errors(R"({"type": "delimiter", "delimiter": ""})"),
              ElementsAre("/fleets/0/op/framing/delimiter: must not be empty"));
  EXPECT_THAT(errors(R"({"type": "delimiter"})"),
              ElementsAre("/fleets/0/op/framing/delimiter: required"));
  EXPECT_THAT(errors(R"({"type": "length_prefixed", "bytes": 3, "endian": "middle"})"),
              ElementsAre("/fleets/0/op/framing/bytes: must be 1, 2, 4 or 8",
                          R"(/fleets/0/op/framing/endian: must be "big" or "little")"));
  EXPECT_EQ(errors(R"({"type": "line", "keep": true})").size(), 1u);
  EXPECT_THAT(errors(R"({"type": "line", "max_reply": "2GiB"})"),
              ElementsAre(R"(/fleets/0/op/framing/max_reply: must be a size from 1 byte to )"
                          R"(1GiB: a number, or a number and "B", "KiB", "MiB" or "GiB" )"
                          R"(("64KiB"))"));
  EXPECT_THAT(errors(R"({"type": "length_prefixed", "bytes": 1})", "{random:256}"),
              ElementsAre("/fleets/0/op/send: renders up to 256 bytes, more than a 1-byte "
                          "length header counts (255)"));
  parse_ok(scenario(kTargets, fleet(R"({"send": "{random:255}", "framing": {"type": )"
                                    R"("length_prefixed", "bytes": 1}})",
                                    "tcp")));
  EXPECT_EQ(errors(R"({"type": "frames"})").size(), 1u);
}

TEST(ScenarioErrors, ClientsPerConnectionOnlyForTcpAndPositive) {
  EXPECT_THAT(errors_of(scenario(kTargets, fleet(R"({"send": "x", "clients_per_connection": 4})"))),
              ElementsAre("/fleets/0/op/clients_per_connection: only for TCP targets (\"echo\" is "
                          "a UDP target)"));
  EXPECT_EQ(
      errors_of(scenario(kTargets, fleet(R"({"send": "x", "clients_per_connection": 0})", "tcp")))
          .size(),
      1u);
  parse_ok(
      scenario(kTargets,
               fleet(R"({"send": "x", "expect": "echo", "clients_per_connection": 100000})", "tcp"),
               "", kOpenLoad));
}

// Shared connections exist only in the batched client, which matches
// replies to requests: anywhere else the setting is refused. Every load
// model has it.
TEST(ScenarioErrors, ClientsPerConnectionOnlyWhereConnectionsAreShared) {
  const std::string shared = R"({"send": "x", "expect": "echo", "clients_per_connection": 8})";
  EXPECT_EQ(parse_ok(scenario(kTargets, fleet(shared, "tcp")))
                .fleets[0]
                .first_op()
                .clients_per_connection,
            8);
  EXPECT_THAT(
      errors_of(scenario(
          kTargets,
          fleet(R"({"send": "x", "expect": {"regex": "x"}, "clients_per_connection": 8})", "tcp"),
          "", kOpenLoad)),
      ElementsAre("/fleets/0/op/clients_per_connection: only with \"expect\" echo, upper or "
                  "equals: replies on a shared connection are matched to their requests"));
  EXPECT_EQ(
      errors_of(scenario(kTargets, fleet(R"({"send": "x", "clients_per_connection": 8})", "tcp"),
                         "", kOpenLoad))
          .size(),
      1u);  // "expect" defaults to any
  Scenario staged =
      parse_ok(scenario(kTargets, fleet(shared, "tcp"), "",
                        R"({"model": "stages", "stages": [{"duration": "1s", "rate": 10}]})"));
  EXPECT_EQ(staged.fleets[0].first_op().clients_per_connection, 8);
}

TEST(ScenarioErrors, DuplicateFleetNames) {
  EXPECT_THAT(errors_of(scenario(kTargets, kFleet + "," + kFleet + "," + kFleet)),
              ElementsAre(R"(/fleets/1/name: duplicate fleet name "c" (also at /fleets/0/name))",
                          R"(/fleets/2/name: duplicate fleet name "c" (also at /fleets/0/name))"));
  EXPECT_THAT(errors_of(scenario(kTargets, "")),
              ElementsAre("/fleets: must list at least one fleet"));
}

TEST(ScenarioErrors, Thresholds) {
  EXPECT_THAT(
      errors_of(scenario(kTargets, kFleet, R"(, "thresholds": {
          "latency.p98": "< 1ms", "latency.p99": "= 20ms", "latency.p50": "< 20",
          "errors.rate": "< 2", "errors.count": "< 1.5", "throughput": "> fast",
          "ops{fleet:nope}": "> 1", "ops{flt:c}": "> 1", "latency.max": 20})")),
      ElementsAre(
          "/thresholds/latency.p98: unknown metric \"latency.p98\" (known: latency.min, "
          "latency.mean, latency.p50, latency.p90, latency.p99, latency.p999, latency.max, "
          "errors.rate, errors.count, ops, missed_starts, throughput, http.status)",
          R"(/thresholds/latency.p99: "= 20ms" must start with a comparison: <, <=, > or >= (e.g. "< 50ms"))",
          R"(/thresholds/latency.p50: "< 20": latency limits are durations (e.g. "< 20ms"))",
          R"(/thresholds/errors.rate: "< 2": errors.rate is a ratio from 0 to 1 or a percentage (e.g. "< 0.001" or "< 0.1%"))",
          R"(/thresholds/errors.count: "< 1.5": errors.count is a whole number (e.g. "< 10"))",
          R"(/thresholds/throughput: "> fast": throughput is operations per second (e.g. "> 1000/s"))",
          R"(/thresholds/ops{fleet:nope}: no fleet named "nope" (fleets: c))",
          R"(/thresholds/ops{flt:c}: "{flt:c}" is not a scope (write "ops{fleet:NAME}", "ops{op:NAME}" or "ops{fleet:NAME,op:NAME}"))",
          R"(/thresholds/latency.max: must be a string such as "< 20ms", or an object such as {"threshold": "< 20ms", "abort_on_fail": true})"));
}

// "{op:NAME}" and "{fleet:NAME,op:NAME}": one op's figures.
TEST(ScenarioParse, ThresholdsScopedToAnOp) {
  const std::string mixes =
      R"({"name": "a", "target": "tcp", "clients": 2, "ops": [
           {"name": "get", "weight": 9, "send": "g"}, {"name": "set", "send": "s"}]},
         {"name": "b", "target": "echo", "clients": 2, "ops": [{"name": "get", "send": "g"}]},
         {"name": "c", "target": "echo", "clients": 1, "op": {"send": "x"}})";
  Scenario s = parse_ok(scenario(kTargets, mixes, R"(, "thresholds": {
      "latency.p99{op:set}": "< 20ms", "errors.rate{fleet:b,op:get}": "< 1%",
      "ops{fleet:c,op:datagram}": "> 1"})"));
  ASSERT_EQ(s.thresholds.size(), 3u);
  EXPECT_EQ(s.thresholds[0].fleet, "");
  EXPECT_EQ(s.thresholds[0].op, "set");
  EXPECT_EQ(s.thresholds[1].fleet, "b");
  EXPECT_EQ(s.thresholds[1].op, "get");
  EXPECT_EQ(s.thresholds[2].fleet, "c");
  EXPECT_EQ(s.thresholds[2].op, "datagram");

  EXPECT_THAT(
      errors_of(scenario(kTargets, mixes, R"(, "thresholds": {
          "ops{op:get}": "> 1", "ops{op:put}": "> 1", "ops{fleet:a,op:put}": "> 1",
          "ops{op:get,fleet:a}": "> 1", "ops{fleet:a,}": "> 1", "ops{op:}": "> 1"})")),
      ElementsAre(
          R"(/thresholds/ops{op:get}: ops named "get" are in fleets a, b: name one, as in "ops{fleet:a,op:get}")",
          R"(/thresholds/ops{op:put}: no fleet has an op named "put")",
          R"(/thresholds/ops{fleet:a,op:put}: fleet "a" has no op named "put" (its ops: get, set))",
          R"(/thresholds/ops{op:get,fleet:a}: "{op:get,fleet:a}" is not a scope (write "ops{fleet:NAME}", "ops{op:NAME}" or "ops{fleet:NAME,op:NAME}"))",
          R"(/thresholds/ops{fleet:a,}: "{fleet:a,}" is not a scope (write "ops{fleet:NAME}", "ops{op:NAME}" or "ops{fleet:NAME,op:NAME}"))",
          R"(/thresholds/ops{op:}: "{op:}" is not a scope (write "ops{fleet:NAME}", "ops{op:NAME}" or "ops{fleet:NAME,op:NAME}"))"));
}

// {"threshold": ..., "abort_on_fail": true}: k6's abortOnFail.
TEST(ScenarioParse, ThresholdsThatAbortTheRun) {
  Scenario s = parse_ok(scenario(kTargets, kFleet, R"(, "thresholds": {
      "latency.p99": {"threshold": "< 20ms", "abort_on_fail": true, "delay_abort_eval": "5s"},
      "errors.rate": {"threshold": "< 0.01"}, "ops": "> 10"})"));
  ASSERT_EQ(s.thresholds.size(), 3u);
  EXPECT_TRUE(s.thresholds[0].abort_on_fail);
  EXPECT_EQ(s.thresholds[0].delay_abort_eval, 5s);
  EXPECT_DOUBLE_EQ(s.thresholds[0].limit, 20);
  EXPECT_FALSE(s.thresholds[1].abort_on_fail);
  EXPECT_EQ(s.thresholds[1].text, "< 0.01");
  EXPECT_FALSE(s.thresholds[2].abort_on_fail);
}

TEST(ScenarioErrors, ThresholdsThatAbortTheRun) {
  EXPECT_THAT(
      errors_of(scenario(kTargets, kFleet, R"(, "thresholds": {
          "latency.p99": {"abort_on_fail": "yes"},
          "latency.p90": {"threshold": 5, "abort_on": true},
          "errors.rate": {"threshold": "< 0.01", "delay_abort_eval": "1s"},
          "ops": {"threshold": "> x", "abort_on_fail": true}})")),
      ElementsAre(
          "/thresholds/latency.p99/abort_on_fail: must be true or false",
          "/thresholds/latency.p99/threshold: required",
          R"(/thresholds/latency.p90/threshold: must be a string such as "< 20ms")",
          "/thresholds/latency.p90/abort_on: unknown key (known keys: threshold, abort_on_fail, "
          "delay_abort_eval)",
          R"(/thresholds/errors.rate/delay_abort_eval: only with "abort_on_fail": true)",
          R"(/thresholds/ops/threshold: "> x": ops is a whole number (e.g. "< 10"))"));
  EXPECT_THAT(
      errors_of(scenario(kTargets, kFleet, R"(, "thresholds": {
          "latency.p99": {"threshold": "< 20ms", "abort_on_fail": true}})",
                         R"({"model": "capacity", "from": 10, "to": 20,
                             "slo": {"latency.p99": "< 5ms"}})")),
      ElementsAre(
          R"(/thresholds/latency.p99/abort_on_fail: not with the capacity model: its "slo" already ends the search)"));
}

TEST(ScenarioErrors, Checks) {
  EXPECT_THAT(
      errors_of(scenario(
          R"({"tcp": {"kind": "tcp_fork_echo"}, "ext": {"address": "127.0.0.1:7", "protocol": "tcp"}})",
          fleet(R"({"send": "x"})", "tcp"),
          R"(, "checks": [{"invariant": "no_zombie", "target": "tcp"},
                          {"invariant": "no_zombies", "target": "ext"},
                          {"invariant": "no_zombies", "target": "tpc"}, {"target": "tcp"}])")),
      ElementsAre(
          R"(/checks/0/invariant: unknown invariant "no_zombie" (known: no_zombies, no_oversell, exactly_once, pool_complete))",
          R"(/checks/1/target: "ext" is an address target; no_zombies needs a target drover starts ("kind" or "command"))",
          R"(/checks/2/target: no target named "tpc" (targets: tcp, ext))",
          "/checks/3/invariant: required"));
}

TEST(ScenarioErrors, DuplicateJsonKey) {
  EXPECT_THAT(errors_of(scenario(kTargets, R"({"name": "c", "target": "echo", "clients": 1,
                                               "clients": 2, "op": {"send": "x"}})")),
              ElementsAre("/fleets/0/clients: duplicate key (each key may appear once)"));
}

TEST(ScenarioErrors, InvalidJsonNamesLineAndColumn) {
  auto errors = [](const char* text) { return lines(parse_scenario(text, "dir/s.json")); };
  EXPECT_THAT(errors("{\n  \"name\": \"t\",\n}\n"),
              ElementsAre("dir/s.json: invalid JSON at line 3, column 1: unexpected '}'; "
                          "expected string literal"));
  EXPECT_THAT(errors("{\"name\": tru}"),
              ElementsAre("dir/s.json: invalid JSON at line 1, column 13: invalid literal"));
  EXPECT_THAT(errors("{\"name\": \"t\""),
              ElementsAre("dir/s.json: invalid JSON at line 1, column 13: unexpected end of "
                          "input; expected '}'"));
  EXPECT_THAT(errors("[1]"), ElementsAre("dir/s.json: a scenario must be a JSON object"));
  // Valid JSON, but no double holds it: named by its pointer.
  EXPECT_THAT(errors(R"({"load": {"iterations": 1e400}})"),
              ElementsAre("/load/iterations: the number '1e400' is too large"));
}

TEST(ScenarioErrors, UnreadableFiles) {
  std::string missing = source("tests/data/scenarios/no-such-file.json").string();
  EXPECT_THAT(lines(load_scenario(missing)), ElementsAre(missing + ": No such file or directory"));
  std::string folder = source("tests/data/scenarios").string();
  EXPECT_THAT(lines(load_scenario(folder)), ElementsAre(folder + ": Is a directory"));
}

// Problems come in the order of the file, whatever order validation meets
// them in ("fleets" is written before "targets" here, yet read after).
TEST(ScenarioErrors, AllReportedInFileOrder) {
  EXPECT_THAT(
      errors_of(R"({
        "name": "bad name",
        "fleets": [
          {"name": "c", "target": "nope", "clients": 0, "op": {"send": "{x}", "framing": "line"}},
          {"name": "d", "target": "echo", "clients": 1, "op": {"send": "x", "framing": "line"}}
        ],
        "targets": {"echo": {"kind": "udp_echo", "args": {"threads": 999}}},
        "load": {"duration": "soon"},
        "thresholds": {"latency.p99": "< 1"},
        "checks": [{"invariant": "no_zombies", "target": "echo", "extra": 1}]
      })"),
      ElementsAre(
          R"(/name: must be 1 to 64 letters, digits, ".", "_" or "-", not dots alone (it names the run folder))",
          R"(/fleets/0/target: no target named "nope" (targets: echo))",
          "/fleets/0/clients: must be a positive integer",
          "/fleets/0/op/send: unknown placeholder {x} (known: {client}, {seq}, {random:N}, "
          "{key:uniform:N}, {key:zipf:N:s}, {key:sequential:N}, {data:FILE:COLUMN}, {data:FILE})",
          R"(/fleets/1/op/framing: only for TCP targets ("echo" is a UDP target))",
          "/targets/echo/args/threads: must be an integer from 1 to 256",
          R"(/load/duration: "soon" is not a duration (write e.g. "250ms", "10s", "2m"))",
          R"(/thresholds/latency.p99: "< 1": latency limits are durations (e.g. "< 20ms"))",
          "/checks/0/extra: unknown key (known keys: invariant, target)"));
}

// Each tests/data/scenarios/bad/X.json reports exactly the lines of
// X.expected (parsed under its bare file name, as `drover validate X.json`
// run in that folder prints them).
TEST(ScenarioParse, BadFixturesReportTheirExpectedLines) {
  int seen = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(source("tests/data/scenarios/bad"))) {
    std::filesystem::path path = entry.path();
    if (path.extension() != ".json") continue;
    ++seen;
    std::ifstream json(path), expected_lines(path.replace_extension(".expected"));
    ASSERT_TRUE(expected_lines) << path;
    std::vector<std::string> expected;
    for (std::string line; std::getline(expected_lines, line);) expected.push_back(line);
    std::string text{std::istreambuf_iterator<char>(json), {}};
    EXPECT_EQ(lines(parse_scenario(text, entry.path().filename().string())), expected) << path;
  }
  EXPECT_GE(seen, 5);
}

}  // namespace
}  // namespace drover::scenario_parse_test
