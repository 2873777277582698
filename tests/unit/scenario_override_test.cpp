// --set overrides: applied to the document before validation.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/scenario/parse.hpp"

namespace drover::scenario_override_test {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;

constexpr const char* kScenario = R"({
  "name": "base",
  "targets": {
    "echo": {"kind": "udp_echo", "args": {"threads": 2}},
    "tcp": {"kind": "tcp_fork_echo", "args": {}}
  },
  "fleets": [
    {"name": "clients", "target": "echo", "clients": 4, "op": {"send": "hello", "timeout": "1s"}}
  ],
  "load": {"duration": "5s"},
  "thresholds": {"latency.p99": "< 50ms"}
})";

ParsedScenario with(std::vector<std::string> overrides) {
  return parse_scenario(kScenario, "/tmp/base.json", overrides);
}

Scenario ok_with(std::vector<std::string> overrides) {
  ParsedScenario parsed = with(std::move(overrides));
  if (!parsed) {
    for (const auto& e : parsed.error()) ADD_FAILURE() << e.to_string();
  }
  return parsed ? *parsed : Scenario{};
}

std::vector<std::string> errors_with(std::vector<std::string> overrides) {
  ParsedScenario parsed = with(std::move(overrides));
  EXPECT_FALSE(parsed.has_value());
  std::vector<std::string> out;
  if (!parsed) {
    for (const auto& e : parsed.error()) out.push_back(e.to_string());
  }
  return out;
}

TEST(ScenarioOverride, NoneLeavesTheFileAsWritten) {
  Scenario s = ok_with({});
  EXPECT_EQ(s.fleets[0].clients, 4);
  EXPECT_EQ(s.load.duration, 5s);
}

TEST(ScenarioOverride, DottedPathWithArrayIndex) {
  EXPECT_EQ(ok_with({"fleets.0.clients=8"}).fleets[0].clients, 8);
}

TEST(ScenarioOverride, JsonPointerPath) {
  EXPECT_EQ(ok_with({"/fleets/0/clients=16"}).fleets[0].clients, 16);
  EXPECT_EQ(ok_with({"/load/duration=2m"}).load.duration, 2min);
}

TEST(ScenarioOverride, LaterOverridesWin) {
  EXPECT_EQ(ok_with({"fleets.0.clients=8", "/fleets/0/clients=9"}).fleets[0].clients, 9);
}

TEST(ScenarioOverride, AStringStaysAString) {
  Scenario s = ok_with({"fleets.0.op.send=42", "name=123", "fleets.0.op.timeout=250ms"});
  EXPECT_EQ(s.fleets[0].first_op().send, "42");
  EXPECT_EQ(s.name, "123");
  EXPECT_EQ(s.fleets[0].first_op().timeout, 250ms);
  // Quotes are part of the text when the old value was a string.
  EXPECT_THAT(
      errors_with({R"(load.duration="5s")"}),
      ElementsAre(R"(/load/duration: ""5s"" is not a duration (write e.g. "250ms", "10s", "2m"))"));
}

TEST(ScenarioOverride, ReachesAnOpOfAMix) {
  std::string mix = kScenario;
  const std::string single = R"("op": {"send": "hello", "timeout": "1s"})";
  mix.replace(
      mix.find(single), single.size(),
      R"("ops": [{"name": "get", "weight": 9, "send": "g"}, {"name": "set", "send": "s"}])");
  ParsedScenario parsed =
      parse_scenario(mix, "/tmp/base.json", {"fleets.0.ops.1.weight=3", "/fleets/0/ops/0/send=G"});
  ASSERT_TRUE(parsed.has_value());
  const std::vector<OpSpec>& ops = parsed->fleets[0].ops;
  ASSERT_EQ(ops.size(), 2u);
  EXPECT_EQ(ops[0].send, "G");
  EXPECT_EQ(ops[0].weight, 9);
  EXPECT_EQ(ops[1].weight, 3);
}

TEST(ScenarioOverride, OtherValuesAreReadAsJsonWhenTheyParse) {
  Scenario s = ok_with({"targets.echo.args.threads=4", "targets.tcp.args.no_reap=true",
                        "targets.tcp.args.max_children=10"});
  EXPECT_EQ(s.targets[0].argv, (std::vector<std::string>{"--threads", "4"}));
  EXPECT_EQ(s.targets[1].argv, (std::vector<std::string>{"--no-reap", "--max-children", "10"}));
  // Text that is not JSON is a string, which a bool arg refuses.
  EXPECT_THAT(errors_with({"targets.tcp.args.no_reap=yes"}),
              ElementsAre("/targets/tcp/args/no_reap: must be true or false"));
  // A quoted number is a string, even where a number was.
  EXPECT_THAT(errors_with({R"(targets.echo.args.threads="4")"}),
              ElementsAre("/targets/echo/args/threads: must be an integer from 1 to 256"));
}

TEST(ScenarioOverride, AddsAKeyToAnExistingObject) {
  Scenario s = ok_with({"load.iterations=100", "load.think_time=5ms",
                        "description=from the command line", "/targets/tcp/stop_grace=1s"});
  EXPECT_EQ(s.load.iterations, 100u);
  EXPECT_EQ(s.load.think_time, 5ms);
  EXPECT_EQ(s.description, "from the command line");
  EXPECT_EQ(s.targets[1].stop_grace, 1s);
}

TEST(ScenarioOverride, DottedPathFindsKeysThatContainDots) {
  Scenario s = ok_with({"thresholds.latency.p99=< 5ms"});
  ASSERT_EQ(s.thresholds.size(), 1u);
  EXPECT_DOUBLE_EQ(s.thresholds[0].limit, 5);
  EXPECT_EQ(s.thresholds[0].text, "< 5ms");
  // A new key with dots needs the pointer form.
  s = ok_with({"/thresholds/errors.rate=< 1%"});
  ASSERT_EQ(s.thresholds.size(), 2u);
  EXPECT_EQ(s.thresholds[1].metric, "errors.rate");
  EXPECT_DOUBLE_EQ(s.thresholds[1].limit, 0.01);
  EXPECT_THAT(errors_with({"thresholds.errors.rate=< 1%"}),
              ElementsAre("--set thresholds.errors.rate=< 1%: no such path \"/thresholds/errors\" "
                          "(keys of /thresholds: latency.p99; a key with dots needs the pointer "
                          "form: /thresholds/errors.rate=...)"));
}

TEST(ScenarioOverride, WrongTypeIsReportedAtItsJsonPath) {
  EXPECT_THAT(errors_with({R"(fleets.0.clients="8")"}),
              ElementsAre("/fleets/0/clients: must be a positive integer"));
  EXPECT_THAT(errors_with({"fleets.0.clients=lots"}),
              ElementsAre("/fleets/0/clients: must be a positive integer"));
  EXPECT_THAT(errors_with({"fleets.0.clients=0"}),
              ElementsAre("/fleets/0/clients: must be a positive integer"));
  EXPECT_THAT(errors_with({"load.duratoin=1s"}),
              ElementsAre(R"(/load/duratoin: unknown key (did you mean "duration"?))"));
}

TEST(ScenarioOverride, MissingEquals) {
  EXPECT_THAT(
      errors_with({"fleets.0.clients"}),
      ElementsAre(
          R"(--set fleets.0.clients: missing "=" (write key.path=value or /json/pointer=value))"));
}

TEST(ScenarioOverride, EmptyPath) {
  EXPECT_THAT(errors_with({"=5"}), ElementsAre(R"(--set =5: the path before "=" is empty)"));
  EXPECT_THAT(errors_with({"/=5"}), ElementsAre(R"(--set /=5: the path before "=" is empty)"));
}

TEST(ScenarioOverride, NoSuchArrayElement) {
  EXPECT_THAT(
      errors_with({"fleets.3.clients=5"}),
      ElementsAre(
          R"(--set fleets.3.clients=5: no such path "/fleets/3" (the scenario has 1 fleet))"));
  EXPECT_THAT(
      errors_with({"/fleets/x/clients=5"}),
      ElementsAre(
          R"(--set /fleets/x/clients=5: no such path "/fleets/x" (the scenario has 1 fleet))"));
  // The index must exist even as the last segment: --set never appends.
  EXPECT_THAT(
      errors_with({"fleets.1=5"}),
      ElementsAre(R"(--set fleets.1=5: no such path "/fleets/1" (the scenario has 1 fleet))"));
}

TEST(ScenarioOverride, NoSuchParent) {
  EXPECT_THAT(
      errors_with({"lod.duration=1s"}),
      ElementsAre(
          R"(--set lod.duration=1s: no such path "/lod" (top-level keys: name, targets, fleets, load, thresholds))"));
  EXPECT_THAT(errors_with({"name.first=x"}),
              ElementsAre(R"(--set name.first=x: no such path "/name/first" (/name is a string))"));
  EXPECT_THAT(
      errors_with({"/targets/echo/args/threads/x=1"}),
      ElementsAre(
          R"(--set /targets/echo/args/threads/x=1: no such path "/targets/echo/args/threads/x" (/targets/echo/args/threads is a number))"));
}

TEST(ScenarioOverride, RefusesToReplaceAnObjectOrAnArray) {
  EXPECT_THAT(
      errors_with({"fleets.0.op=1"}),
      ElementsAre(
          R"(--set fleets.0.op=1: "/fleets/0/op" is an object, not a scalar; --set changes only strings, numbers, booleans and null)"));
  EXPECT_THAT(
      errors_with({"/fleets=[]"}),
      ElementsAre(
          R"(--set /fleets=[]: "/fleets" is an array, not a scalar; --set changes only strings, numbers, booleans and null)"));
}

TEST(ScenarioOverride, RefusesAnObjectOrArrayValue) {
  EXPECT_THAT(errors_with({"fleets.0.clients=[1]"}),
              ElementsAre("--set fleets.0.clients=[1]: the value is an array, not a scalar; --set "
                          "sets only strings, numbers, booleans and null"));
  EXPECT_THAT(
      errors_with({R"(load.iterations={"n": 1})"}),
      ElementsAre(
          R"(--set load.iterations={"n": 1}: the value is an object, not a scalar; --set sets only strings, numbers, booleans and null)"));
}

TEST(ScenarioOverride, AFailedOverrideChangesNothingAndOthersStillApply) {
  // The second override fails; the first and third still apply, and the
  // document is validated as if the failed one had not been given.
  EXPECT_THAT(
      errors_with({"fleets.0.clients=0", "fleets.0.op.x.y=1", "load.duration=never"}),
      ElementsAre(
          R"(--set fleets.0.op.x.y=1: no such path "/fleets/0/op/x" (keys of /fleets/0/op: send, timeout))",
          "/fleets/0/clients: must be a positive integer",
          R"(/load/duration: "never" is not a duration (write e.g. "250ms", "10s", "2m"))"));
}

TEST(ScenarioOverride, InvalidJsonIsReportedBeforeAnyOverride) {
  ParsedScenario parsed = parse_scenario("{", "s.json", {"name"});
  ASSERT_EQ(parsed.error().size(), 1u);
  EXPECT_EQ(parsed.error()[0].where, "s.json");
}

}  // namespace
}  // namespace drover::scenario_override_test
