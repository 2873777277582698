// "load" in scenarios: the closed, open and stages models, their defaults,
// and each problem with its message.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/scenario/parse.hpp"
#include "tests/unit/input_error_lines.hpp"

namespace drover::scenario_load_test {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;

// A valid scenario but for its "load".
std::string scenario(const std::string& load) {
  return R"({"name": "l", "targets": {"echo": {"kind": "udp_echo"}},
             "fleets": [{"name": "c", "target": "echo", "clients": 4, "op": {"send": "hi"}}],
             "load": )" +
         load + "}";
}

LoadSpec load_of(const std::string& load, const std::vector<std::string>& overrides = {}) {
  ParsedScenario parsed = parse_scenario(scenario(load), "/srv/l.json", overrides);
  EXPECT_THAT(lines(parsed), ElementsAre());
  EXPECT_TRUE(parsed.has_value());
  return parsed ? parsed->load : LoadSpec{};
}

std::vector<std::string> errors_of(const std::string& load,
                                   const std::vector<std::string>& overrides = {}) {
  ParsedScenario parsed = parse_scenario(scenario(load), "/srv/l.json", overrides);
  EXPECT_FALSE(parsed.has_value());
  return lines(parsed);
}

TEST(ScenarioLoad, ClosedDefaults) {
  for (const char* load : {"{}", R"({"model": "closed"})"}) {
    SCOPED_TRACE(load);
    LoadSpec l = load_of(load);
    EXPECT_EQ(l.model, LoadSpec::Model::kClosed);
    EXPECT_EQ(l.duration, 10s);
    EXPECT_EQ(l.think_time, 0ms);
    EXPECT_EQ(l.iterations, std::nullopt);
    EXPECT_EQ(l.rate, 0);
    EXPECT_EQ(l.max_inflight, 0);
    EXPECT_TRUE(l.stages.empty());
  }
}

TEST(ScenarioLoad, Closed) {
  LoadSpec l =
      load_of(R"({"model": "closed", "duration": "2m", "think_time": "5ms", "iterations": 100})");
  EXPECT_EQ(l.model, LoadSpec::Model::kClosed);
  EXPECT_EQ(l.duration, 2min);
  EXPECT_EQ(l.think_time, 5ms);
  EXPECT_EQ(l.iterations, 100u);
}

TEST(ScenarioLoad, ClosedRefusesTheOtherModelsKeys) {
  EXPECT_THAT(errors_of(R"({"rate": 100, "start_rate": 5, "max_inflight": 4})"),
              ElementsAre("/load/rate: unknown key (known keys: model, duration, think_time, "
                          "iterations, stages, start_clients)",
                          "/load/start_rate: unknown key (known keys: model, duration, "
                          "think_time, iterations, stages, start_clients)",
                          "/load/max_inflight: unknown key (known keys: model, duration, "
                          "think_time, iterations, stages, start_clients)"));
}

TEST(ScenarioLoad, Open) {
  LoadSpec l =
      load_of(R"({"model": "open", "rate": 250.5, "duration": "30s", "max_inflight": 64})");
  EXPECT_EQ(l.model, LoadSpec::Model::kOpen);
  EXPECT_EQ(l.rate, 250.5);
  EXPECT_EQ(l.duration, 30s);
  EXPECT_EQ(l.max_inflight, 64);
  EXPECT_TRUE(l.stages.empty());
}

TEST(ScenarioLoad, OpenDefaults) {
  LoadSpec l = load_of(R"({"model": "open", "rate": 10000000})");
  EXPECT_EQ(l.model, LoadSpec::Model::kOpen);
  EXPECT_EQ(l.rate, 10'000'000);
  EXPECT_EQ(l.duration, 10s);
  EXPECT_EQ(l.max_inflight, 0);
  EXPECT_EQ(l.iterations, std::nullopt);
  EXPECT_EQ(l.think_time, 0ms);
}

TEST(ScenarioLoad, OpenRateRequired) {
  EXPECT_THAT(errors_of(R"({"model": "open", "duration": "5s"})"),
              ElementsAre("/load/rate: required for the open model"));
}

TEST(ScenarioLoad, OpenRateOutOfRange) {
  for (const char* rate : {"0", "-1", "10000000.5", "\"100\"", "true", "null"}) {
    SCOPED_TRACE(rate);
    EXPECT_THAT(errors_of(std::string(R"({"model": "open", "rate": )") + rate + "}"),
                ElementsAre("/load/rate: must be a number above 0, at most 10000000"));
  }
}

TEST(ScenarioLoad, OpenErrors) {
  EXPECT_THAT(
      errors_of(
          R"({"model": "open", "rate": 5, "duration": "0s", "max_inflight": 0, "think_time": "1ms"})"),
      ElementsAre(
          "/load/duration: must be longer than 0", "/load/max_inflight: must be a positive integer",
          "/load/think_time: unknown key (known keys: model, rate, duration, max_inflight)"));
  EXPECT_THAT(errors_of(R"({"model": "open", "rate": 5, "max_inflight": 1000001})"),
              ElementsAre("/load/max_inflight: must be at most 1000000"));
  EXPECT_THAT(errors_of(R"({"model": "open", "rate": 5, "max_inflight": 2.5})"),
              ElementsAre("/load/max_inflight: must be a positive integer"));
  EXPECT_THAT(errors_of(R"({"model": "open", "rate": 5, "iterations": 10})"),
              ElementsAre("/load/iterations: unknown key (known keys: model, rate, duration, "
                          "max_inflight)"));
  EXPECT_EQ(load_of(R"({"model": "open", "rate": 5, "max_inflight": 1000000})").max_inflight,
            1'000'000);
}

TEST(ScenarioLoad, Stages) {
  LoadSpec l = load_of(R"({"model": "stages", "start_rate": 10, "max_inflight": 50, "stages": [
      {"duration": "30s", "rate": 100}, {"duration": "1m", "rate": 100.5},
      {"duration": "500ms", "rate": 0}]})");
  EXPECT_EQ(l.model, LoadSpec::Model::kStages);
  EXPECT_EQ(l.start_rate, 10);
  EXPECT_EQ(l.max_inflight, 50);
  ASSERT_EQ(l.stages.size(), 3u);
  EXPECT_EQ(l.stages[0].duration, 30s);
  EXPECT_EQ(l.stages[0].target, 100);
  EXPECT_EQ(l.stages[1].duration, 1min);
  EXPECT_EQ(l.stages[1].target, 100.5);
  EXPECT_EQ(l.stages[2].duration, 500ms);
  EXPECT_EQ(l.stages[2].target, 0);
  EXPECT_EQ(l.duration, 90500ms);  // the sum of the stages, not the 10s default
}

TEST(ScenarioLoad, StagesDefaults) {
  LoadSpec l = load_of(R"({"model": "stages", "stages": [{"duration": "2s", "rate": 10000000}]})");
  EXPECT_EQ(l.model, LoadSpec::Model::kStages);
  EXPECT_EQ(l.start_rate, 0);
  EXPECT_EQ(l.max_inflight, 0);
  ASSERT_EQ(l.stages.size(), 1u);
  EXPECT_EQ(l.stages[0].target, 10'000'000);
  EXPECT_EQ(l.duration, 2s);
  EXPECT_EQ(l.rate, 0);
}

TEST(ScenarioLoad, StagesRequired) {
  EXPECT_THAT(errors_of(R"({"model": "stages", "start_rate": 5})"),
              ElementsAre("/load/stages: required for the stages model"));
  EXPECT_THAT(errors_of(R"({"model": "stages", "stages": []})"),
              ElementsAre("/load/stages: must list at least one stage"));
  EXPECT_THAT(
      errors_of(R"({"model": "stages", "stages": {"duration": "1s", "rate": 1}})"),
      ElementsAre(
          R"(/load/stages: must be an array of stages, e.g. [{"duration": "30s", "rate": 100}])"));
}

TEST(ScenarioLoad, StageErrors) {
  EXPECT_THAT(errors_of(R"({"model": "stages", "stages": [
      {"duration": "1s", "rate": 1},
      {"duration": "1s", "rate": -1},
      {"duration": "0s", "rate": 10000001},
      {"rate": "fast"},
      {"duration": "1s"},
      "1s",
      {"duration": "1s", "rate": 1, "target": 5}]})"),
              ElementsAre("/load/stages/1/rate: must be a number from 0 to 10000000",
                          "/load/stages/2/duration: must be longer than 0",
                          "/load/stages/2/rate: must be a number from 0 to 10000000",
                          "/load/stages/3/rate: must be a number from 0 to 10000000",
                          "/load/stages/3/duration: required", "/load/stages/4/rate: required",
                          "/load/stages/5: must be an object",
                          "/load/stages/6/target: unknown key (known keys: duration, rate)"));
}

TEST(ScenarioLoad, StagesErrors) {
  EXPECT_THAT(
      errors_of(R"({"model": "stages", "start_rate": -5, "duration": "10s", "max_inflight": -1,
                    "stages": [{"duration": "1s", "rate": 1}]})"),
      ElementsAre("/load/start_rate: must be a number from 0 to 10000000",
                  "/load/duration: unknown key (known keys: model, stages, start_rate, "
                  "max_inflight)",
                  "/load/max_inflight: must be a positive integer"));
}

TEST(ScenarioLoad, StagesTooLongInTotal) {
  EXPECT_THAT(errors_of(R"({"model": "stages", "stages": [
      {"duration": "2000000h", "rate": 1}, {"duration": "2000000h", "rate": 1}]})"),
              ElementsAre("/load/stages: the stages add up to more than 2562047h"));
}

// The closed model's stages ramp the number of active clients per fleet.
TEST(ScenarioLoad, ClosedStagesOverClients) {
  LoadSpec l = load_of(R"({"think_time": "10ms", "start_clients": 1,
      "stages": [{"duration": "2s", "clients": 4}, {"duration": "1s", "clients": 0}]})");
  EXPECT_EQ(l.model, LoadSpec::Model::kClosed);
  EXPECT_EQ(l.start_clients, 1);
  ASSERT_EQ(l.stages.size(), 2u);
  EXPECT_EQ(l.stages[0].target, 4);
  EXPECT_EQ(l.stages[1].target, 0);
  EXPECT_EQ(l.duration, 3s);
  EXPECT_EQ(l.think_time, 10ms);
}

TEST(ScenarioLoad, ClosedStagesErrors) {
  EXPECT_THAT(
      errors_of(R"({"model": "closed", "duration": "5s", "start_clients": -1,
                    "stages": [{"duration": "1s", "clients": 2.5}, {"duration": "1s", "rate": 3}]})"),
      ElementsAre("/load/duration: not with \"stages\": the run lasts the sum of the stages' "
                  "durations",
                  "/load/start_clients: must be a whole number from 0 to 100000",
                  "/load/stages/0/clients: must be a whole number from 0 to 100000",
                  "/load/stages/1/rate: unknown key (known keys: duration, clients)",
                  "/load/stages/1/clients: required"));
  EXPECT_THAT(errors_of(R"({"start_clients": 2})"),
              ElementsAre("/load/start_clients: only with \"stages\""));
}

// The fleet has 4 clients: a stage cannot run 5 of them.
TEST(ScenarioLoad, ClosedStagesCannotAskForMoreClientsThanAFleetHas) {
  EXPECT_THAT(errors_of(R"({"stages": [{"duration": "1s", "clients": 4},
                                        {"duration": "1s", "clients": 5}]})"),
              ElementsAre("/load/stages/1/clients: fleet \"c\" has only 4 clients (raise "
                          "/fleets/0/clients)"));
}

TEST(ScenarioLoad, Capacity) {
  LoadSpec l = load_of(R"({"model": "capacity", "from": 100, "to": 800, "step_duration": "2s",
                           "resolution": 0.1, "slo": {"latency.p99": "< 20ms"}})");
  EXPECT_EQ(l.model, LoadSpec::Model::kCapacity);
  EXPECT_EQ(l.factor, 2);
  EXPECT_EQ(l.resolution, 0.1);
  // 100, 200, 400, 800, then at most four bisections (100% to 6.25%): the
  // planned duration bounds the whole search.
  EXPECT_EQ(l.duration, 2s * (4 + 4));
  EXPECT_EQ(load_of(R"({"model": "capacity", "from": 1, "to": 1, "slo": {"errors.count": "< 1"}})")
                .resolution,
            0.05);
}

TEST(ScenarioLoad, CapacityResolutionOutOfRange) {
  for (const char* resolution : {"0", "0.0009", "0.51", "-0.1", "\"5%\"", "null"}) {
    SCOPED_TRACE(resolution);
    EXPECT_THAT(
        errors_of(
            std::string(R"({"model": "capacity", "from": 1, "to": 2, "slo": {"errors.count": "< 1"},
                                  "resolution": )") +
            resolution + "}"),
        ElementsAre("/load/resolution: must be a number from 0.001 to 0.5"));
  }
  EXPECT_THAT(errors_of(R"({"model": "open", "rate": 5, "resolution": 0.1})"),
              ElementsAre("/load/resolution: unknown key (known keys: model, rate, duration, "
                          "max_inflight)"));
}

TEST(ScenarioLoad, UnknownModel) {
  EXPECT_THAT(
      errors_of(R"({"model": "opn", "rate": 5})"),
      ElementsAre(R"(/load/model: unknown model "opn" (known: closed, open, stages, capacity))"));
  EXPECT_THAT(errors_of(R"({"model": 2})"),
              ElementsAre(R"(/load/model: must be "closed", "open", "stages" or "capacity")"));
  // The model is unknown, but a key no model has is still reported.
  EXPECT_THAT(
      errors_of(R"({"model": "ramp", "durtion": "1s"})"),
      ElementsAre(R"(/load/model: unknown model "ramp" (known: closed, open, stages, capacity))",
                  R"(/load/durtion: unknown key (did you mean "duration"?))"));
}

TEST(ScenarioLoad, NotAnObject) {
  EXPECT_THAT(errors_of(R"([])"), ElementsAre("/load: must be an object"));
}

TEST(ScenarioLoad, OverridesSwitchTheModel) {
  LoadSpec l = load_of(R"({"duration": "5s"})", {"load.model=open", "load.rate=1500"});
  EXPECT_EQ(l.model, LoadSpec::Model::kOpen);
  EXPECT_EQ(l.rate, 1500);
  EXPECT_EQ(l.duration, 5s);
  EXPECT_THAT(errors_of(R"({"duration": "5s"})", {"load.model=open"}),
              ElementsAre("/load/rate: required for the open model"));
}

}  // namespace
}  // namespace drover::scenario_load_test
