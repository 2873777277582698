#include "harness/checks/thresholds.hpp"

#include <gtest/gtest.h>

namespace drover {
namespace {

RunResult sample_run() {
  RunResult run;
  run.totals.by_outcome[static_cast<std::size_t>(Outcome::kOk)] = 990;
  run.totals.by_outcome[static_cast<std::size_t>(Outcome::kTimeout)] = 10;
  run.latency = {990, 0.1, 1.0, 0.8, 2.0, 12.0, 30.0, 45.0};
  run.rate_per_s = 200;
  FleetResult f;
  f.name = "slow";
  f.totals.by_outcome[static_cast<std::size_t>(Outcome::kOk)] = 100;
  f.latency = {100, 1, 5, 4, 9, 50.0, 60, 70};
  f.rate_per_s = 20;
  run.fleets.push_back(f);
  return run;
}

ThresholdSpec spec(std::string metric, Comparison c, double limit, std::string fleet = "") {
  return {std::move(metric), std::move(fleet), c, limit, "as written"};
}

TEST(Thresholds, ComparesEachMetricInItsUnit) {
  RunResult run = sample_run();
  auto results = evaluate_thresholds(
      {spec("latency.p99", Comparison::kLess, 20), spec("errors.rate", Comparison::kLess, 0.001),
       spec("throughput", Comparison::kGreaterEqual, 200),
       spec("errors.count", Comparison::kLessEqual, 10), spec("ops", Comparison::kGreater, 1000)},
      run);
  ASSERT_EQ(results.size(), 5u);
  EXPECT_TRUE(results[0].ok);
  EXPECT_DOUBLE_EQ(results[0].value, 12.0);
  EXPECT_EQ(results[0].unit, "ms");
  EXPECT_FALSE(results[1].ok);
  EXPECT_DOUBLE_EQ(results[1].value, 0.01);
  EXPECT_TRUE(results[2].ok);
  EXPECT_TRUE(results[3].ok);
  EXPECT_FALSE(results[4].ok);  // exactly 1000 is not > 1000
  EXPECT_EQ(results[4].comparison, ">");
}

TEST(Thresholds, AFleetScopeReadsThatFleetsFigures) {
  RunResult run = sample_run();
  auto results = evaluate_thresholds({spec("latency.p99", Comparison::kLess, 20, "slow")}, run);
  EXPECT_FALSE(results[0].ok);
  EXPECT_DOUBLE_EQ(results[0].value, 50.0);
  EXPECT_EQ(results[0].fleet, "slow");
}

TEST(Thresholds, ALatencyLimitFailsWhenNothingWasAnswered) {
  RunResult run;  // no operations at all
  auto results = evaluate_thresholds({spec("latency.p99", Comparison::kLess, 20)}, run);
  EXPECT_FALSE(results[0].ok);
}

TEST(Thresholds, BoundariesFollowTheOperator) {
  EXPECT_TRUE(compare(1.0, Comparison::kLessEqual, 1.0));
  EXPECT_FALSE(compare(1.0, Comparison::kLess, 1.0));
  EXPECT_TRUE(compare(1.0, Comparison::kGreaterEqual, 1.0));
  EXPECT_FALSE(compare(1.0, Comparison::kGreater, 1.0));
}

}  // namespace
}  // namespace drover
