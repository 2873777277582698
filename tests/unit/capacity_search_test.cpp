// The capacity search's steps: the load each step runs, and how a step is
// judged against the objective and the rate it was offered.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/run/capacity_search.hpp"

namespace drover {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

LoadSpec a_search() {
  LoadSpec search;
  search.model = LoadSpec::Model::kCapacity;
  search.from = 100;
  search.to = 800;
  search.factor = 2;
  search.step_duration = 4s;
  search.max_inflight = 16;
  ThresholdSpec p99;
  p99.metric = "latency.p99";
  p99.comparison = Comparison::kLess;
  p99.limit = 20;
  p99.text = "< 20ms";
  search.slo = {p99};
  return search;
}

// A step's figures: ok operations over the step, and the whole run's p99.
RunResult figures(std::uint64_t ok, std::uint64_t failed, double p99_ms) {
  RunResult run;
  run.totals.by_outcome[static_cast<std::size_t>(Outcome::kOk)] = ok;
  run.totals.by_outcome[static_cast<std::size_t>(Outcome::kTimeout)] = failed;
  run.totals.missed_starts = 7;
  run.latency.count = ok;
  run.latency.p99_ms = p99_ms;
  return run;
}

TEST(CapacitySearchTest, AStepIsAnOpenLoadAtItsRateForTheStepDuration) {
  LoadSpec step = capacity_step_load(a_search(), 400);
  EXPECT_EQ(step.model, LoadSpec::Model::kOpen);
  EXPECT_EQ(step.rate, 400);
  EXPECT_EQ(step.duration, 4s);
  EXPECT_EQ(step.max_inflight, 16);
}

TEST(CapacitySearchTest, AStepAnsweredInTimeMeetsTheObjective) {
  // Two fleets at 100/s for 4 s: 800 offered, 800 answered.
  CapacityStep step = judge_capacity_step(a_search(), 2, 100, figures(800, 0, 5));
  EXPECT_TRUE(step.ok) << step.why;
  EXPECT_EQ(step.offered_per_s, 200);
  EXPECT_EQ(step.answered_per_s, 200);
  EXPECT_EQ(step.p99_ms, 5);
  EXPECT_EQ(step.error_rate, 0);
  EXPECT_EQ(step.missed_starts, 7u);
  EXPECT_EQ(step.why, "");
}

TEST(CapacitySearchTest, AStepThatMissesTheSloFailsNamingIt) {
  CapacityStep step = judge_capacity_step(a_search(), 1, 100, figures(400, 0, 35));
  EXPECT_FALSE(step.ok);
  EXPECT_EQ(step.why, "latency.p99 < 20ms");
}

TEST(CapacitySearchTest, AStepWithFewerThan95PercentAnsweredFails) {
  // 100/s offered, 94/s answered: the rate was not served.
  CapacityStep step = judge_capacity_step(a_search(), 1, 100, figures(376, 24, 5));
  EXPECT_FALSE(step.ok);
  EXPECT_EQ(step.answered_per_s, 94);
  EXPECT_DOUBLE_EQ(step.error_rate, 0.06);
  EXPECT_THAT(step.why, HasSubstr("answered 94/s of 100/s offered"));
  // 95/s answered is enough.
  EXPECT_TRUE(judge_capacity_step(a_search(), 1, 100, figures(380, 20, 5)).ok);
}

TEST(CapacitySearchTest, EveryObjectiveMissedIsNamed) {
  CapacityStep step = judge_capacity_step(a_search(), 1, 100, figures(40, 0, 35));
  EXPECT_FALSE(step.ok);
  EXPECT_EQ(step.why, "latency.p99 < 20ms; answered 10/s of 100/s offered");
}

}  // namespace
}  // namespace drover
