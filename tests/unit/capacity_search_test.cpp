// The capacity search's steps: the load each step runs, and how a step is
// judged against the objective and the rate it was offered.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "harness/run/capacity_search.hpp"
#include "harness/scenario/capacity_steps.hpp"

namespace drover::capacity_search_test {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
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

// The rates a search walks against a target whose steps meet the
// objective up to `knee` (per fleet) and miss it above.
std::vector<RateTried> search_against(const LoadSpec& search, double knee) {
  std::vector<RateTried> tried;
  while (std::optional<double> rate = next_capacity_rate(search, tried)) {
    tried.push_back({*rate, *rate <= knee});
    if (tried.size() > 1000) break;  // a search that never ends fails below
  }
  return tried;
}

std::vector<double> rates_of(const std::vector<RateTried>& tried) {
  std::vector<double> rates;
  for (const RateTried& t : tried) rates.push_back(t.rate);
  return rates;
}

TEST(CapacityStepsTest, RatesRiseByTheFactorThenBisectTheKnee) {
  LoadSpec search = a_search();  // 100 to 800, doubling
  search.resolution = 0.1;
  // 100, 200 met; 400 missed; then 300 met, 350 missed, 325 missed: 300
  // and 325 are within 10%.
  std::vector<RateTried> tried = search_against(search, 310);
  EXPECT_THAT(rates_of(tried), ElementsAre(100, 200, 400, 300, 350, 325));
  CapacityBracket knee = capacity_bracket(tried);
  EXPECT_EQ(knee.met, 300);
  EXPECT_EQ(knee.missed, 325);
  EXPECT_DOUBLE_EQ(knee.width(), 25.0 / 300);
}

TEST(CapacityStepsTest, AFirstStepThatMissesEndsTheSearchWithNoCapacity) {
  std::vector<RateTried> tried = search_against(a_search(), 50);
  EXPECT_THAT(rates_of(tried), ElementsAre(100));
  EXPECT_EQ(capacity_bracket(tried).met, 0);
  EXPECT_EQ(capacity_bracket(tried).width(), 0);
}

TEST(CapacityStepsTest, ReachingToWithoutAMissLeavesALowerBound) {
  std::vector<RateTried> tried = search_against(a_search(), 1e9);
  EXPECT_THAT(rates_of(tried), ElementsAre(100, 200, 400, 800));
  CapacityBracket knee = capacity_bracket(tried);
  EXPECT_EQ(knee.met, 800);
  EXPECT_EQ(knee.missed, 0);
  // Nor beyond `to` when it is not a step of its own.
  LoadSpec search = a_search();
  search.to = 700;
  EXPECT_THAT(rates_of(search_against(search, 1e9)), ElementsAre(100, 200, 400));
}

TEST(CapacityStepsTest, AMissAtTheLastRisingStepIsStillBisected) {
  std::vector<RateTried> tried = search_against(a_search(), 790);
  EXPECT_EQ(tried[3].rate, 800);
  EXPECT_FALSE(tried[3].ok);
  EXPECT_EQ(tried[4].rate, 600);
  CapacityBracket knee = capacity_bracket(tried);
  EXPECT_LE(knee.met, 790);
  EXPECT_GT(knee.missed, 790);
}

// Whatever the knee, factor and resolution: the search ends with the knee
// between the highest rate met and the lowest missed, within the
// resolution, in no more steps than the search plans for.
TEST(CapacityStepsTest, TheKneeIsBracketedWithinTheResolutionInThePlannedSteps) {
  for (double factor : {1.1, 2.0, 3.7, 10.0}) {
    for (double resolution : {0.001, 0.05, 0.125, 0.5}) {
      for (double knee : {100.0, 101.0, 150.0, 333.3, 799.0, 799.99}) {
        LoadSpec search = a_search();
        search.factor = factor;
        search.resolution = resolution;
        SCOPED_TRACE(fmt::format("factor {} resolution {} knee {}", factor, resolution, knee));
        std::vector<RateTried> tried = search_against(search, knee);
        CapacityBracket b = capacity_bracket(tried);
        EXPECT_LE(static_cast<int>(tried.size()), max_capacity_steps(search));
        EXPECT_LE(b.met, knee);
        if (b.missed == 0) {  // only when `to` was met
          EXPECT_GT(b.met * factor, search.to);
          continue;
        }
        EXPECT_GT(b.missed, knee);
        EXPECT_LE(b.width(), resolution * 1.000001);
      }
    }
  }
}

TEST(CapacityStepsTest, ThePlannedStepsCountEveryBisection) {
  LoadSpec search = a_search();  // 100, 200, 400, 800
  search.resolution = 0.05;
  // The interval halves from 100% to 3.125%: five bisections.
  EXPECT_EQ(max_capacity_steps(search), 4 + 5);
  search.resolution = 0.5;
  EXPECT_EQ(max_capacity_steps(search), 4 + 1);
  search.factor = 1.5;
  EXPECT_EQ(rising_capacity_steps(search, 100), 6);  // 100 ... 759.4
  EXPECT_EQ(max_capacity_steps(search), 6);          // 50% apart already: no bisection
  search.from = 900;
  EXPECT_EQ(max_capacity_steps(search), 0);
}

}  // namespace
}  // namespace drover::capacity_search_test
