// "faults": what the nemesis does, and every mistake named at its place.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/scenario/parse.hpp"

namespace drover {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;

std::vector<std::string> lines(const InputErrors& errors) {
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.to_string());
  return out;
}

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
  EXPECT_FALSE(parsed.scenario.has_value());
  return lines(parsed.errors);
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
  ASSERT_THAT(lines(parsed.errors), ElementsAre());
  const std::vector<FaultSpec>& f = parsed.scenario->faults;
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
                          "\"resume\", \"kill_worker\" or \"network\""));
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

}  // namespace
}  // namespace drover
