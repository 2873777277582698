// "faults": what the nemesis does, and every mistake named at its place.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/scenario/parse.hpp"
#include "tests/unit/input_error_lines.hpp"

namespace drover::scenario_faults_test {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;

std::string with_faults(const std::string& faults,
                        const std::string& load = R"({"duration": "5s"})") {
  return R"({"name": "t",
    "targets": {"db": {"kind": "ticket_db"}, "ext": {"address": "127.0.0.1:9", "protocol": "udp"},
                "echo": {"kind": "udp_echo"}},
    "fleets": [{"name": "b", "target": "db", "clients": 2, "op": {"workload": "buy"}}],
    "load": )" +
         load + R"(, "faults": )" + faults + "}";
}

std::vector<std::string> errors_of(const std::string& text) {
  ParsedScenario parsed = parse_scenario(text, "/srv/t.json");
  EXPECT_FALSE(parsed.has_value());
  return lines(parsed);
}

TEST(ScenarioFaults, ReadsEachAction) {
  ParsedScenario parsed = parse_scenario(with_faults(R"([
      {"at": "5s", "target": "db", "action": "kill", "restart_after": "1s"},
      {"every": "3s", "target": "db", "action": "pause", "for": "500ms"},
      {"at": "2s", "every": "2s", "target": "db", "action": "kill_worker"},
      {"at": "8s", "target": "echo", "action": "network", "mode": "drop", "rate": 0.05, "for": "2s"},
      {"at": "1s", "target": "ext", "action": "network", "mode": "latency", "latency": "20ms",
       "jitter": "5ms"}])"),
                                         "/srv/t.json");
  ASSERT_THAT(lines(parsed), ElementsAre());
  const std::vector<FaultSpec>& f = parsed->faults;
  ASSERT_EQ(f.size(), 5u);
  EXPECT_EQ(f[0].action, FaultSpec::Action::kKill);
  EXPECT_EQ(f[0].at, 5s);
  EXPECT_EQ(f[0].every, Duration::zero());
  EXPECT_EQ(f[0].restart_after, Duration(1s));
  EXPECT_EQ(f[1].action, FaultSpec::Action::kPause);
  EXPECT_EQ(f[1].at, 3s);  // every alone: first after one period
  EXPECT_EQ(f[1].every, 3s);
  EXPECT_EQ(f[1].length, 500ms);
  EXPECT_EQ(f[2].at, 2s);
  EXPECT_EQ(f[3].action, FaultSpec::Action::kNetwork);
  EXPECT_EQ(f[3].network.mode, NetworkFaultSpec::Mode::kDrop);
  EXPECT_DOUBLE_EQ(f[3].network.rate, 0.05);
  EXPECT_EQ(f[4].network.mode, NetworkFaultSpec::Mode::kLatency);
  EXPECT_EQ(f[4].network.latency, 20ms);
  EXPECT_EQ(f[4].network.jitter, 5ms);
}

TEST(ScenarioFaults, NamesEachMistakeWhereItIs) {
  EXPECT_THAT(errors_of(with_faults(R"([{"at": "1s", "target": "dc", "action": "kill"}])")),
              ElementsAre("/faults/0/target: no target named \"dc\" (did you mean \"db\"?)"));
  EXPECT_THAT(
      errors_of(with_faults(R"([{"at": "1s", "target": "ext", "action": "pause"}])")),
      ElementsAre("/faults/0/target: \"pause\" needs a target drover starts; \"ext\" is only an "
                  "address"));
  EXPECT_THAT(errors_of(with_faults(R"([{"target": "db", "action": "kill"}])")),
              ElementsAre("/faults/0: needs \"at\" (once, that long into the load) or \"every\" "
                          "(repeatedly)"));
  EXPECT_THAT(errors_of(with_faults(R"([{"at": "1s", "target": "db", "action": "explode"}])")),
              ElementsAre("/faults/0/action: must be \"kill\", \"terminate\", \"pause\", "
                          "\"resume\", \"kill_worker\", \"network\" or \"partition\""));
  EXPECT_THAT(
      errors_of(
          with_faults(R"([{"every": "1s", "target": "db", "action": "pause", "for": "2s"}])")),
      ElementsAre("/faults/0/for: must be shorter than \"every\", or the faults would overlap"));
  EXPECT_THAT(
      errors_of(with_faults(R"([{"at": "1s", "target": "db", "action": "kill", "for": "2s"}])")),
      ElementsAre("/faults/0/for: unknown key (known keys: action, target, at, every, "
                  "restart_after)"));
  EXPECT_THAT(
      errors_of(with_faults(
          R"([{"at": "1s", "target": "echo", "action": "network", "mode": "drop", "rate": 5}])")),
      ElementsAre("/faults/0/rate: must be a number above 0 and at most 1 (0.05: 5 %)"));
  EXPECT_THAT(errors_of(with_faults(R"([{"at": "1s", "target": "echo", "action": "network",
                                          "mode": "latency", "latency": "5ms", "rate": 0.1}])")),
              ElementsAre("/faults/0/rate: only for mode \"drop\""));
  EXPECT_THAT(errors_of(with_faults(R"({"at": "1s"})")),
              ElementsAre("/faults: must be an array of faults"));
  EXPECT_THAT(
      errors_of(with_faults(
          R"([{"at": "1s", "target": "db", "action": "kill"}])",
          R"({"model": "capacity", "slo": {"latency.p99": "< 5ms"}, "from": 100, "to": 1000})")),
      ElementsAre("/faults: not with the capacity model: each step measures a healthy target"));
}

// Two namespace hosts; "db" on h1, "queue" on h2, "echo" on this machine.
std::string with_partition(const std::string& faults) {
  return R"({"name": "t",
    "hosts": {"h1": {"address": "10.99.0.2", "user": "u", "auth": {"key_file": "/k"}},
              "h2": {"address": "10.99.0.3", "port": 2222, "user": "u",
                     "auth": {"key_file": "/k"}}},
    "targets": {"db": {"kind": "ticket_db", "host": "h1"}, "queue": {"kind": "queue_broker",
                "host": "h2"}, "echo": {"kind": "udp_echo"},
                "ext": {"address": "127.0.0.1:9", "protocol": "udp"}},
    "fleets": [{"name": "b", "target": "db", "clients": 2, "op": {"workload": "buy"}}],
    "load": {"duration": "5s"}, "faults": )" +
         faults + "}";
}

TEST(ScenarioFaults, ReadsAPartition) {
  ParsedScenario parsed = parse_scenario(with_partition(R"([
      {"at": "1s", "target": "db", "action": "partition", "for": "2s"},
      {"every": "2s", "target": "db", "action": "partition", "for": "500ms",
       "from": ["h2"]},
      {"at": "3s", "target": "queue", "action": "partition", "from": ["db"]}])"),
                                         "/srv/t.json");
  ASSERT_THAT(lines(parsed), ElementsAre());
  const std::vector<FaultSpec>& f = parsed->faults;
  ASSERT_EQ(f.size(), 3u);
  EXPECT_EQ(f[0].action, FaultSpec::Action::kPartition);
  EXPECT_STREQ(fault_action_name(f[0].action), "partition");
  EXPECT_EQ(f[0].at, 1s);
  EXPECT_EQ(f[0].length, 2s);
  EXPECT_THAT(f[0].partition_from, ElementsAre());  // everything but the control path
  EXPECT_EQ(f[1].every, 2s);
  EXPECT_THAT(f[1].partition_from, ElementsAre("h2"));
  EXPECT_EQ(f[2].length, Duration::zero());  // until the load ends
  // A target in "from" stands for its host.
  EXPECT_THAT(f[2].partition_from, ElementsAre("h1"));
}

TEST(ScenarioFaults, NamesEachPartitionMistakeWhereItIs) {
  EXPECT_THAT(
      errors_of(with_partition(R"([{"at": "1s", "target": "echo", "action": "partition"}])")),
      ElementsAre("/faults/0/target: \"partition\" cuts off the network namespace of a declared "
                  "host: \"echo\" needs \"host\" (it runs on this machine)"));
  EXPECT_THAT(
      errors_of(with_partition(R"([{"at": "1s", "target": "ext", "action": "partition"}])")),
      ElementsAre("/faults/0/target: \"partition\" needs a target drover starts; \"ext\" is only "
                  "an address"));
  EXPECT_THAT(
      errors_of(with_partition(R"([{"every": "1s", "target": "db", "action": "partition"}])")),
      ElementsAre("/faults/0: a partition with \"every\" needs \"for\" (how long each one lasts)"));
  EXPECT_THAT(errors_of(with_partition(
                  R"([{"every": "1s", "target": "db", "action": "partition", "for": "1s"}])")),
              ElementsAre("/faults/0/for: must be shorter than \"every\", or the faults would "
                          "overlap"));
  EXPECT_THAT(errors_of(with_partition(
                  R"([{"at": "1s", "target": "db", "action": "partition", "for": "0s"}])")),
              ElementsAre(::testing::StartsWith("/faults/0/for: ")));
  EXPECT_THAT(
      errors_of(with_partition(R"([{"at": "1s", "target": "db", "action": "partition",
                                    "from": ["queu", "h1", "echo", 7, "queue", "h2"]}])")),
      ElementsAre("/faults/0/from/0: no host or target named \"queu\" (did you mean \"queue\"?)",
                  "/faults/0/from/1: \"h1\" is on host \"h1\", the one being cut off",
                  "/faults/0/from/2: target \"echo\" runs on no declared host: a partition only "
                  "cuts namespace hosts off from each other",
                  "/faults/0/from/3: must be a host or target name",
                  "/faults/0/from/5: host \"h2\" is named twice"));
  EXPECT_THAT(errors_of(with_partition(
                  R"([{"at": "1s", "target": "db", "action": "partition", "from": []}])")),
              ElementsAre("/faults/0/from: must be a non-empty array of host or target names"));
  EXPECT_THAT(errors_of(with_partition(
                  R"([{"at": "1s", "target": "db", "action": "partition", "mode": "drop"}])")),
              ElementsAre("/faults/0/mode: unknown key (known keys: action, target, at, every, "
                          "for, from)"));
  // "from" belongs to partitions only.
  EXPECT_THAT(errors_of(with_partition(
                  R"([{"at": "1s", "target": "db", "action": "kill", "from": ["h2"]}])")),
              ElementsAre(::testing::StartsWith("/faults/0/from: unknown key")));
}

}  // namespace
}  // namespace drover::scenario_faults_test
