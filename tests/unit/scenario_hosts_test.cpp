// "hosts" and "targets.X.host": SSH hosts a scenario places targets on.
#include <cstdlib>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/scenario/parse.hpp"
#include "tests/unit/input_error_lines.hpp"

namespace drover::scenario_hosts_test {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr const char* kFile = "/srv/drover/scenarios/test.json";

// A scenario with the given hosts and a ticket_db target with the given
// extra members (", \"host\": \"db1\"").
std::string scenario(const std::string& hosts, const std::string& target_extra = "") {
  return R"({"name": "t", "hosts": )" + hosts + R"(, "targets": {"tickets": {"kind": "ticket_db")" +
         target_extra +
         R"(}}, "fleets": [{"name": "b", "target": "tickets", "clients": 2,
                            "op": {"workload": "buy"}}], "load": {}})";
}

const std::string kKeyAuth = R"("auth": {"key_file": "keys/id_ed25519"})";
const std::string kDb1 = R"({"db1": {"address": "10.99.0.2", "user": "drover", )" + kKeyAuth + "}}";

Scenario parse_ok(const std::string& text, const std::vector<std::string>& overrides = {}) {
  ParsedScenario parsed = parse_scenario(text, kFile, overrides);
  EXPECT_THAT(lines(parsed), ElementsAre());
  return parsed ? *parsed : Scenario{};
}

std::vector<std::string> errors_of(const std::string& text) {
  ParsedScenario parsed = parse_scenario(text, kFile);
  EXPECT_FALSE(parsed.has_value());
  return lines(parsed);
}

TEST(ScenarioHostsTest, DefaultsAndPathsOfAHost) {
  ::setenv("HOME", "/home/tester", 1);
  Scenario s = parse_ok(scenario(R"({"db1": {"address": "10.99.0.2", "user": "drover",
      "auth": {"key_file": "~/.ssh/id_ed25519", "passphrase_env": "KEY_PASS"}}})",
                                 R"(, "host": "db1")"));
  ASSERT_EQ(s.hosts.size(), 1u);
  const RemoteHostSpec& h = s.hosts[0];
  EXPECT_EQ(h.name, "db1");
  EXPECT_EQ(h.address, "10.99.0.2");
  EXPECT_EQ(h.port, 22);
  EXPECT_EQ(h.user, "drover");
  EXPECT_EQ(h.key_file, "/home/tester/.ssh/id_ed25519");
  EXPECT_EQ(h.passphrase_env, "KEY_PASS");
  EXPECT_EQ(h.known_hosts, "");  // libssh2 side: ~/.ssh/known_hosts
  EXPECT_FALSE(h.accept_new_host_key);
  EXPECT_EQ(h.connect_timeout, 10s);
  EXPECT_EQ(s.targets[0].host, "db1");
  EXPECT_NE(s.find_host("db1"), nullptr);
}

TEST(ScenarioHostsTest, EveryOptionOfAHost) {
  Scenario s = parse_ok(scenario(R"({"h-2": {"address": "::1", "port": 2222, "user": "u",
      "auth": {"password_file": "secrets/pw", "agent": true},
      "known_hosts": "kh", "host_key_policy": "accept-new", "connect_timeout": "1500ms"}})"));
  const RemoteHostSpec& h = s.hosts.at(0);
  EXPECT_EQ(h.address, "::1");
  EXPECT_EQ(h.port, 2222);
  EXPECT_EQ(h.password_file, "/srv/drover/scenarios/secrets/pw");
  EXPECT_TRUE(h.agent);
  EXPECT_EQ(h.known_hosts, "/srv/drover/scenarios/kh");
  EXPECT_TRUE(h.accept_new_host_key);
  EXPECT_EQ(h.connect_timeout, 1500ms);
  EXPECT_EQ(s.targets[0].host, "");  // declared, not used: fine
}

TEST(ScenarioHostsTest, ACommandTargetMayRunOnAHost) {
  Scenario s = parse_ok(R"({"name": "t", "hosts": )" + kDb1 + R"(,
      "targets": {"srv": {"command": ["./server", "--port", "7000"], "host": "db1",
                          "ready": {"tcp": "0.0.0.0:7000"}}},
      "fleets": [{"name": "c", "target": "srv", "clients": 1, "op": {"send": "x"}}],
      "load": {}})");
  EXPECT_EQ(s.targets.at(0).host, "db1");
}

TEST(ScenarioHostsTest, SecretsInTheScenarioAreRefused) {
  EXPECT_THAT(
      errors_of(scenario(R"({"db1": {"address": "10.0.0.2", "user": "u",
          "auth": {"password": "hunter2", "key_file": "k", "passphrase": "x"}}})")),
      ElementsAre("/hosts/db1/auth/password: secrets never go into a scenario: give "
                  "\"password_env\" (an environment variable's name) or \"password_file\" (a "
                  "file's path)",
                  "/hosts/db1/auth/passphrase: secrets never go into a scenario: give "
                  "\"passphrase_env\" (an environment variable's name) or \"passphrase_file\" (a "
                  "file's path)"));
}

TEST(ScenarioHostsTest, WrongValuesNameTheirPath) {
  EXPECT_THAT(
      errors_of(scenario(R"({"db 1": {"address": "db.example.com", "port": 70000,
          "auth": {}, "host_key_policy": "yolo", "connect_timeout": "0s", "colour": "red"}})")),
      ElementsAre("/hosts/db 1: a host name must be 1 to 64 letters, digits, \"_\" or \"-\"",
                  "/hosts/db 1/address: \"db.example.com\" is not an IP address or \"localhost\" "
                  "(names are not resolved, so a scenario means the same everywhere)",
                  "/hosts/db 1/port: must be at most 65535",
                  "/hosts/db 1/auth: needs at least one of \"key_file\", \"password_env\", "
                  "\"password_file\" or \"agent\": true",
                  "/hosts/db 1/host_key_policy: must be \"strict\" or \"accept-new\"",
                  "/hosts/db 1/connect_timeout: must be longer than 0",
                  HasSubstr("/hosts/db 1/colour: "), "/hosts/db 1/user: required"));
}

TEST(ScenarioHostsTest, AuthProblems) {
  EXPECT_THAT(errors_of(scenario(R"({"db1": {"address": "10.0.0.2", "user": "u",
          "auth": {"passphrase_file": "p", "password_env": "A=B", "password_file": "f"}}})")),
              ElementsAre("/hosts/db1/auth/password_env: is not an environment variable name",
                          "/hosts/db1/auth/password_file: give at most one of \"password_env\" "
                          "and \"password_file\"",
                          "/hosts/db1/auth/key_file: required with a passphrase (the key it "
                          "unlocks)"));
  EXPECT_THAT(errors_of(scenario("[]")),
              ElementsAre("/hosts: must be an object (host name -> how to reach it over SSH)"));
}

TEST(ScenarioHostsTest, ATargetNamesADeclaredHost) {
  EXPECT_THAT(errors_of(scenario(kDb1, R"(, "host": "db2")")),
              ElementsAre("/targets/tickets/host: no host named \"db2\" (did you mean \"db1\"?)"));
  EXPECT_THAT(errors_of(scenario(kDb1, R"(, "host": "elsewhere")")),
              ElementsAre("/targets/tickets/host: no host named \"elsewhere\" (hosts: db1)"));
  EXPECT_THAT(errors_of(scenario("{}", R"(, "host": "db1")")),
              ElementsAre("/targets/tickets/host: no host named \"db1\" (declare it under "
                          "\"hosts\")"));
  // A broken "hosts" is reported once, not again by every target.
  EXPECT_THAT(errors_of(scenario("7", R"(, "host": "db1")")),
              ElementsAre(HasSubstr("/hosts: must be an object")));
}

TEST(ScenarioHostsTest, WhatOnlyWorksOnThisMachineIsRefusedOnAHost) {
  EXPECT_THAT(
      errors_of(R"({"name": "t", "hosts": )" + kDb1 + R"(,
      "targets": {"srv": {"command": ["./server", "{port}"], "host": "db1", "cwd": "x",
                          "ready": {"udp": "0.0.0.0:{port}"}, "files": {"a.conf": "x"}},
                  "ext": {"address": "10.0.0.9:80", "protocol": "tcp", "host": "db1"}},
      "fleets": [{"name": "c", "target": "srv", "clients": 1, "op": {"send": "x"}}],
      "load": {}})"),
      ElementsAre("/targets/srv/command: \"{port}\" is picked on this machine, so not with "
                  "\"host\": give the port the command listens on",
                  "/targets/srv/cwd: not with \"host\": a command on a host runs in drover's run "
                  "folder there",
                  "/targets/srv/ready/udp: cannot see a host's sockets: with \"host\", wait for a "
                  "\"stdout\" line",
                  "/targets/srv/files: not with \"host\": files are written into the run folder "
                  "on this machine",
                  "/targets/ext/host: not with \"address\": the address already says where the "
                  "server runs (\"host\" is for targets drover starts)"));
}

TEST(ScenarioHostsTest, SetOverridesAHostLikeAnythingElse) {
  Scenario s = parse_ok(scenario(kDb1, R"(, "host": "db1")"),
                        {"hosts.db1.address=10.99.0.3", "hosts.db1.port=2200"});
  EXPECT_EQ(s.hosts.at(0).address, "10.99.0.3");
  EXPECT_EQ(s.hosts.at(0).port, 2200);
  ParsedScenario bad =
      parse_scenario(scenario(kDb1, R"(, "host": "db1")"), kFile, {"hosts.db1.address=nowhere"});
  EXPECT_THAT(lines(bad), ElementsAre(HasSubstr("/hosts/db1/address: \"nowhere\" is not")));
}

// A scenario with hosts db1 and load1, and one fleet with the given extra
// members (", \"hosts\": [...]") and load.
std::string fleet_scenario(const std::string& fleet_extra, const std::string& load = "{}") {
  return R"({"name": "t", "hosts": {"db1": {"address": "10.99.0.2", "user": "drover", )" +
         kKeyAuth + R"(}, "load1": {"address": "10.99.0.3", "user": "drover", )" + kKeyAuth +
         R"(}}, "targets": {"tickets": {"kind": "ticket_db", "host": "db1"}},
             "fleets": [{"name": "b", "target": "tickets", "clients": 2,
                         "op": {"workload": "buy"})" +
         fleet_extra + R"(}], "load": )" + load + "}";
}

TEST(ScenarioHostsTest, AFleetRunsOnTheHostsItNames) {
  Scenario s = parse_ok(fleet_scenario(R"(, "hosts": ["load1", "db1"])"));
  EXPECT_THAT(s.fleets.at(0).hosts, ElementsAre("load1", "db1"));
  EXPECT_TRUE(parse_ok(fleet_scenario("")).fleets.at(0).hosts.empty());
}

TEST(ScenarioHostsTest, AFleetsHostsAreDeclaredListedOnceAndFewerThanItsClients) {
  EXPECT_THAT(errors_of(fleet_scenario(R"(, "hosts": ["lod1"])")),
              ElementsAre("/fleets/0/hosts/0: no host named \"lod1\" (did you mean \"load1\"?)"));
  EXPECT_THAT(errors_of(fleet_scenario(R"(, "hosts": ["load1", "load1"])")),
              ElementsAre("/fleets/0/hosts/1: host \"load1\" is listed twice"));
  EXPECT_THAT(errors_of(fleet_scenario(R"(, "hosts": [])")),
              ElementsAre("/fleets/0/hosts: must be a non-empty array of host names"));
  EXPECT_THAT(errors_of(fleet_scenario(R"(, "hosts": "load1")")),
              ElementsAre("/fleets/0/hosts: must be a non-empty array of host names"));
  EXPECT_THAT(errors_of(fleet_scenario(R"(, "hosts": [7])")),
              ElementsAre(HasSubstr("/fleets/0/hosts/0: must be a string")));
  std::string three = fleet_scenario(R"(, "hosts": ["load1", "db1", "x"])");
  EXPECT_THAT(errors_of(three), ::testing::Contains("/fleets/0/hosts: 3 hosts for 2 clients: "
                                                    "each host needs a client"));
}

TEST(ScenarioHostsTest, FleetsOnHostsDoNotSearchForCapacity) {
  EXPECT_THAT(
      errors_of(fleet_scenario(R"(, "hosts": ["load1"])",
                               R"({"model": "capacity", "from": 100, "to": 200,
                                   "slo": {"latency.p99": "< 5ms"}})")),
      ElementsAre("/fleets/0/hosts: not with the capacity model: fleets on hosts run one load, "
                  "not a search"));
}

}  // namespace
}  // namespace drover::scenario_hosts_test
