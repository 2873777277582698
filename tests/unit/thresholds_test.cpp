#include "harness/checks/thresholds.hpp"

#include <gtest/gtest.h>

namespace drover::thresholds_test {
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
  ThresholdSpec t;
  t.metric = std::move(metric);
  t.fleet = std::move(fleet);
  t.comparison = c;
  t.limit = limit;
  t.text = "as written";
  return t;
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

// An op scope reads that op's figures alone: of the named fleet, or of the
// one fleet that has the op.
TEST(Thresholds, AnOpScopeReadsThatOpsFigures) {
  RunResult run = sample_run();
  FleetResult mix;
  mix.name = "cache";
  OpResult get, set;
  get.name = "get";
  get.latency = {90, 1, 2, 2, 3, 4.0, 5, 6};
  get.totals.by_outcome[static_cast<std::size_t>(Outcome::kOk)] = 90;
  set.name = "set";
  set.latency = {0, 0, 0, 0, 0, 0, 0, 0};  // nothing answered
  set.totals.by_outcome[static_cast<std::size_t>(Outcome::kTimeout)] = 10;
  mix.ops = {get, set};
  run.fleets.push_back(mix);
  ThresholdSpec get_p99 = spec("latency.p99", Comparison::kLess, 5);
  get_p99.op = "get";
  ThresholdSpec get_p99_of_cache = spec("latency.p99", Comparison::kLess, 3, "cache");
  get_p99_of_cache.op = "get";
  ThresholdSpec set_errors = spec("errors.rate", Comparison::kLess, 0.5, "cache");
  set_errors.op = "set";
  ThresholdSpec set_p99 = spec("latency.p99", Comparison::kLess, 1000);
  set_p99.op = "set";
  auto results = evaluate_thresholds({get_p99, get_p99_of_cache, set_errors, set_p99}, run);
  ASSERT_EQ(results.size(), 4u);
  EXPECT_TRUE(results[0].ok);
  EXPECT_DOUBLE_EQ(results[0].value, 4.0);
  EXPECT_EQ(results[0].op, "get");
  EXPECT_FALSE(results[1].ok);  // 4ms is not < 3ms
  EXPECT_FALSE(results[2].ok);
  EXPECT_DOUBLE_EQ(results[2].value, 1.0);
  // The run answered plenty, but this op nothing: no evidence of its latency.
  EXPECT_FALSE(results[3].ok);
}

// "http.status{class:5xx}" counts the responses of that class, of the run,
// a fleet or an op; another class or a malformed name reads nothing.
TEST(Thresholds, AStatusClassCountsItsResponses) {
  RunResult run = sample_run();
  run.totals.status_classes = {0, 90, 0, 2, 7};
  FleetResult web;
  web.name = "web";
  OpResult get;
  get.name = "get";
  get.totals.status_classes = {0, 40, 0, 0, 3};
  web.ops = {get};
  web.totals = get.totals;
  run.fleets.push_back(web);
  EXPECT_EQ(metric_value(run, "http.status{class:5xx}", "", ""), 7);
  EXPECT_EQ(metric_value(run, "http.status{class:2xx}", "web", ""), 40);
  EXPECT_EQ(metric_value(run, "http.status{class:5xx}", "web", "get"), 3);
  EXPECT_EQ(metric_value(run, "http.status{class:3xx}", "", ""), 0);
  EXPECT_EQ(metric_value(run, "http.status{class:6xx}", "", ""), std::nullopt);
  EXPECT_EQ(metric_value(run, "http.status", "", ""), std::nullopt);
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
}  // namespace drover::thresholds_test
