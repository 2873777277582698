// The statistics of drover compare on runs made here: seconds of latencies
// drawn from a seeded distribution, shifted or not.
#include <cmath>
#include <random>

#include <gtest/gtest.h>

#include "harness/compare/bootstrap.hpp"

namespace drover::compare_stats_test {
namespace {

// seconds x per_second latencies around 1 ms (lognormal), plus shift_ms.
// With second_spread, each second's latencies are scaled by a factor of its
// own (lognormal, that sigma), as a machine's state moves from second to
// second.
RunSample make_run(std::uint64_t seed, double shift_ms, int seconds = 30, int per_second = 400,
                   double second_spread = 0) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> latency_ms(0.0, 0.35);
  std::normal_distribution<double> level(0.0, 1.0);
  RunSample run{"run-" + std::to_string(seed), "s", "{\"model\":\"closed\"}", double(seconds), {}};
  OpSeries series{"f", "op", {}};
  for (int s = 0; s < seconds; ++s) {
    LatencyHistogram h;
    const double factor = std::exp(second_spread * level(rng));
    for (int i = 0; i < per_second; ++i) {
      h.record(static_cast<std::uint64_t>((latency_ms(rng) * factor + shift_ms) * 1e6));
    }
    SampleSecond second{h.nonzero_buckets(), h.count(), double(per_second), 0};
    series.seconds.push_back(std::move(second));
  }
  run.ops.push_back(std::move(series));
  return run;
}

Sample sample_of(std::vector<RunSample> runs) {
  return Sample{"sample", std::move(runs)};
}

const MetricComparison& metric(const CompareResult& c, Metric m) {
  return c.ops.at(0).metrics.at(static_cast<std::size_t>(m));
}

TEST(CompareStatsTest, IdenticalRunsAreNoRegressionAndNoChange) {
  Sample a = sample_of({make_run(1, 0)});
  CompareResult c = compare_samples(a, a, {});
  EXPECT_FALSE(c.regression());
  for (const MetricComparison& m : c.ops.at(0).metrics) {
    EXPECT_EQ(m.change, 0) << metric_name(m.metric);
    EXPECT_LE(m.ci_low, 0) << metric_name(m.metric);
    EXPECT_GE(m.ci_high, 0) << metric_name(m.metric);
  }
}

TEST(CompareStatsTest, TwoRunsOfOneDistributionAreNoRegression) {
  CompareResult c = compare_samples(sample_of({make_run(1, 0)}), sample_of({make_run(2, 0)}), {});
  EXPECT_FALSE(c.regression());
  EXPECT_FALSE(metric(c, Metric::kP99).regression);
}

TEST(CompareStatsTest, ATwoMillisecondShiftIsARegressionWithItsIntervalAroundIt) {
  Sample base = sample_of({make_run(1, 0)});
  Sample now = sample_of({make_run(2, 2.0)});
  CompareResult c = compare_samples(base, now, {});
  EXPECT_TRUE(c.regression());
  const MetricComparison& p99 = metric(c, Metric::kP99);
  EXPECT_TRUE(p99.regression);
  EXPECT_TRUE(p99.significant);
  const MetricComparison& p50 = metric(c, Metric::kP50);
  double expected = 2.0 / p50.base;  // the median moves by exactly the shift
  EXPECT_LT(p50.ci_low, expected);
  EXPECT_GT(p50.ci_high, expected);
  EXPECT_NEAR(p50.now - p50.base, 2.0, 0.1);
  EXPECT_FALSE(metric(c, Metric::kThroughput).regression);  // same operations per second
}

TEST(CompareStatsTest, ASignificantShiftBelowTheMinimumEffectIsNoRegression) {
  // 0.057 ms slower: 6 % at the median, 2.5 % at p99. With this many
  // operations the interval excludes zero, but p99's minimum effect is 10 %.
  Sample base = sample_of({make_run(1, 0, 60, 2000)});
  Sample now = sample_of({make_run(2, 0.03 * 1.9, 60, 2000)});
  CompareResult c = compare_samples(base, now, {});
  const MetricComparison& p50 = metric(c, Metric::kP50);
  EXPECT_TRUE(p50.significant);
  EXPECT_FALSE(metric(c, Metric::kP99).regression);
  EXPECT_FALSE(c.regression());
  // A stricter limit makes the same change a regression.
  CompareOptions strict;
  strict.max_regression = *parse_max_regression("p50=1%");
  EXPECT_TRUE(compare_samples(base, now, strict).regression());
}

TEST(CompareStatsTest, AChangePastTheLimitWhoseIntervalReachesBelowItIsNoRegression) {
  // A few seconds of few operations: p99 moves past 10 %, significantly, but the interval
  // also holds changes under 10 %, so it is not shown to be worse than that.
  Sample base = sample_of({make_run(1, 0, 5, 60)});
  Sample now = sample_of({make_run(2, 0.8, 5, 60)});
  const CompareResult result = compare_samples(base, now, {});
  const MetricComparison& p99 = metric(result, Metric::kP99);
  EXPECT_GT(p99.change, 0.10);
  EXPECT_LT(p99.ci_low, 0.10);
  EXPECT_GT(p99.ci_low, 0) << "significant: the interval excludes no change";
  EXPECT_FALSE(p99.regression);
}

TEST(CompareStatsTest, FewerOperationsPerSecondIsAThroughputRegression) {
  Sample base = sample_of({make_run(1, 0, 30, 400)});
  Sample now = sample_of({make_run(2, 0, 30, 300)});
  const CompareResult result = compare_samples(base, now, {});
  const MetricComparison& t = metric(result, Metric::kThroughput);
  EXPECT_NEAR(t.change, -0.25, 1e-9);
  EXPECT_TRUE(t.regression);
}

TEST(CompareStatsTest, TheSameSeedGivesTheSameIntervals) {
  Sample base = sample_of({make_run(1, 0)});
  Sample now = sample_of({make_run(2, 0.2)});
  CompareOptions one, other;
  other.seed = 99;
  const MetricComparison a = metric(compare_samples(base, now, one), Metric::kP99);
  const MetricComparison b = metric(compare_samples(base, now, one), Metric::kP99);
  const MetricComparison c = metric(compare_samples(base, now, other), Metric::kP99);
  EXPECT_EQ(a.ci_low, b.ci_low);
  EXPECT_EQ(a.ci_high, b.ci_high);
  EXPECT_TRUE(a.ci_low != c.ci_low || a.ci_high != c.ci_high);
}

TEST(CompareStatsTest, RepeatsWidenTheIntervalByTheirOwnSpread) {
  // Base runs that differ by 0.5 ms: resampling runs first sees it.
  Sample one = sample_of({make_run(1, 0)});
  Sample spread = sample_of({make_run(1, 0), make_run(3, 0.5), make_run(5, 0), make_run(7, 0.5)});
  Sample now = sample_of({make_run(2, 0.25)});
  const MetricComparison narrow = metric(compare_samples(one, one, {}), Metric::kP50);
  const MetricComparison wide = metric(compare_samples(spread, now, {}), Metric::kP50);
  ASSERT_TRUE(std::isfinite(wide.ci_low) && std::isfinite(wide.ci_high));
  EXPECT_GT(wide.ci_high - wide.ci_low, 2 * (narrow.ci_high - narrow.ci_low));
  EXPECT_FALSE(wide.significant);
}

// Four-second runs whose seconds differ by more than their operations
// explain: resampling their 4 blocks, a plain percentile interval (2.5th and
// 97.5th) is too narrow and calls twice as many unchanged pairs significant
// as the expanded interval, which keeps to its 5 %.
TEST(CompareStatsTest, FewBlocksGetAnIntervalWideEnoughForTheirNoise) {
  int significant = 0;
  const int pairs = 200;
  for (int i = 0; i < pairs; ++i) {
    Sample a = sample_of({make_run(2 * i + 1, 0, 4, 200, 0.15)});
    Sample b = sample_of({make_run(2 * i + 2, 0, 4, 200, 0.15)});
    const CompareResult c = compare_samples(a, b, {});
    EXPECT_EQ(c.ops.at(0).units, 4u);
    significant += metric(c, Metric::kP50).significant;
  }
  // Here 10 of 200; the plain interval, 24.
  EXPECT_LE(significant, 15) << "of " << pairs << " unchanged pairs";
}

TEST(CompareStatsTest, TheExpandedTailFollowsStudentsT) {
  EXPECT_EQ(expanded_tail(0), 0);
  EXPECT_EQ(expanded_tail(1), 0);
  EXPECT_NEAR(expanded_tail(4), 1.19e-4, 1e-6);
  EXPECT_NEAR(expanded_tail(10), 8.55e-3, 1e-4);
  EXPECT_NEAR(expanded_tail(31), 0.0190, 2e-4);  // past the table: the expansion
  EXPECT_NEAR(expanded_tail(100000), 0.025, 1e-4);
}

// A three-second run has three blocks, too few for an interval: none, and
// no verdict, however far the point estimate moved. Three repeats a side
// are too few as well.
TEST(CompareStatsTest, FewerThanFourUnitsASideJudgeNothing) {
  Sample base = sample_of({make_run(1, 0, 3)});
  Sample now = sample_of({make_run(2, 2.0, 3)});
  const CompareResult c = compare_samples(base, now, {});
  EXPECT_EQ(c.ops.at(0).units, 3u);
  EXPECT_FALSE(c.regression());
  const MetricComparison& p99 = metric(c, Metric::kP99);
  EXPECT_GT(p99.change, 0.5);
  EXPECT_TRUE(std::isinf(p99.ci_low) && std::isinf(p99.ci_high));
  EXPECT_FALSE(p99.significant);
  const CompareResult repeats =
      compare_samples(sample_of({make_run(1, 0), make_run(3, 0), make_run(5, 0)}),
                      sample_of({make_run(2, 2.0), make_run(4, 2.0), make_run(6, 2.0)}), {});
  EXPECT_EQ(repeats.ops.at(0).units, 3u);
  EXPECT_FALSE(repeats.regression());
  // A fourth repeat on each side makes it judged, and a regression.
  const CompareResult four = compare_samples(
      sample_of({make_run(1, 0), make_run(3, 0), make_run(5, 0), make_run(7, 0)}),
      sample_of({make_run(2, 2.0), make_run(4, 2.0), make_run(6, 2.0), make_run(8, 2.0)}), {});
  EXPECT_EQ(four.ops.at(0).units, 4u);
  EXPECT_TRUE(four.regression());
}

TEST(CompareStatsTest, MaxRegressionParsesAndNamesWhatIsWrong) {
  auto ok = parse_max_regression("p99.9=20%,throughput=5%,error_rate=0.5pp");
  ASSERT_TRUE(ok) << ok.error();
  EXPECT_DOUBLE_EQ(*ok->limit(Metric::kP999), 0.20);
  EXPECT_DOUBLE_EQ(*ok->limit(Metric::kErrorRate), 0.5);
  EXPECT_FALSE(ok->limit(Metric::kP99));
  auto unknown = parse_max_regression("p95=10%");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().find("unknown metric \"p95\""), std::string::npos) << unknown.error();
  auto no_percent = parse_max_regression("p99=10");
  ASSERT_FALSE(no_percent);
  EXPECT_NE(no_percent.error().find("p99: \"10\""), std::string::npos) << no_percent.error();
}

TEST(CompareStatsTest, DifferentScenariosOrOpsCannotBeCompared) {
  Sample base = sample_of({make_run(1, 0)});
  Sample other = base;
  other.runs[0].scenario = "other";
  auto c = check_comparable(base, other);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().find("\"other\""), std::string::npos) << c.error();
  Sample renamed = base;
  renamed.runs[0].ops[0].op = "get";
  ASSERT_FALSE(check_comparable(base, renamed));
  Sample model = base;
  model.runs[0].load_model = "{\"model\":\"open\"}";
  ASSERT_FALSE(check_comparable(base, model));
  EXPECT_TRUE(check_comparable(base, base));
}

}  // namespace
}  // namespace drover::compare_stats_test
