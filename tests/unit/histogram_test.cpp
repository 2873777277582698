#include "harness/measure/histogram.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace drover::histogram_test {
namespace {

// The exact percentile by the histogram's definition: the smallest value
// with at least p% of the samples at or below it.
std::uint64_t exact_percentile(std::vector<std::uint64_t> sorted, double p) {
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * sorted.size()));
  rank = std::clamp<std::size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

void expect_within_one_percent(const std::vector<std::uint64_t>& samples) {
  LatencyHistogram h;
  for (auto v : samples) h.record(v);
  std::vector<std::uint64_t> sorted = samples;
  std::sort(sorted.begin(), sorted.end());
  for (double p : {1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 99.0, 99.9, 99.99, 100.0}) {
    double exact = static_cast<double>(exact_percentile(sorted, p));
    double got = static_cast<double>(h.percentile(p));
    EXPECT_LE(std::abs(got - exact), exact * 0.01) << "p" << p << " exact " << exact;
  }
  EXPECT_EQ(h.count(), samples.size());
  EXPECT_EQ(h.max(), sorted.back());
  EXPECT_EQ(h.min(), sorted.front());
}

TEST(LatencyHistogram, PercentilesWithinOnePercentForLogUniformSamples) {
  // 1 us to 60 s, the range drover promises.
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> exponent(std::log(1e3), std::log(60e9));
  std::vector<std::uint64_t> samples(200'000);
  for (auto& v : samples) v = static_cast<std::uint64_t>(std::exp(exponent(rng)));
  expect_within_one_percent(samples);
}

TEST(LatencyHistogram, PercentilesWithinOnePercentForTypicalLatencies) {
  // A tight body around 50 us with a long tail, like a loaded server.
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> body(std::log(50e3), 0.3);
  std::exponential_distribution<double> tail(1.0 / 5e6);
  std::vector<std::uint64_t> samples;
  for (int i = 0; i < 100'000; ++i) {
    samples.push_back(static_cast<std::uint64_t>(i % 50 == 0 ? 1e6 + tail(rng) : body(rng)));
  }
  expect_within_one_percent(samples);
}

TEST(LatencyHistogram, SmallValuesAreExact) {
  LatencyHistogram h;
  for (std::uint64_t v = 0; v < 128; ++v) h.record(v);
  EXPECT_EQ(h.percentile(50), 63u);
  EXPECT_EQ(h.percentile(100), 127u);
}

TEST(LatencyHistogram, BucketsTileTheRangeWithoutGaps) {
  for (std::size_t i = 1; i < LatencyHistogram::kBucketCount; ++i) {
    EXPECT_EQ(LatencyHistogram::bucket_low(i),
              LatencyHistogram::bucket_low(i - 1) + LatencyHistogram::bucket_width(i - 1))
        << i;
  }
  for (std::uint64_t v : {128ull, 129ull, 255ull, 256ull, 1'000'000ull, 59'999'999'999ull}) {
    std::size_t i = LatencyHistogram::index_of(v);
    EXPECT_LE(LatencyHistogram::bucket_low(i), v);
    EXPECT_GT(LatencyHistogram::bucket_low(i) + LatencyHistogram::bucket_width(i), v);
  }
}

TEST(LatencyHistogram, ValuesBeyondTheRangeAreClampedButMaxIsExact) {
  LatencyHistogram h;
  h.record(500'000'000'000);  // 500 s
  EXPECT_EQ(h.max(), 500'000'000'000u);
  EXPECT_EQ(h.percentile(100), 500'000'000'000u);
  EXPECT_EQ(h.count(), 1u);
}

TEST(LatencyHistogram, MergeEqualsRecordingEverythingInOne) {
  std::mt19937_64 rng(3);
  std::uniform_int_distribution<std::uint64_t> dist(1'000, 10'000'000);
  LatencyHistogram a, b, all;
  for (int i = 0; i < 10'000; ++i) {
    auto v = dist(rng);
    (i % 2 ? a : b).record(v);
    all.record(v);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.max(), all.max());
  EXPECT_EQ(a.min(), all.min());
  EXPECT_DOUBLE_EQ(a.mean(), all.mean());
  for (double p : {50.0, 99.0, 99.9}) EXPECT_EQ(a.percentile(p), all.percentile(p));
}

TEST(LatencyHistogram, SparseBucketsRoundTrip) {
  LatencyHistogram h;
  for (std::uint64_t v : {1'000ull, 2'000ull, 2'000ull, 3'000'000ull}) h.record(v);
  LatencyHistogram copy;
  copy.add_buckets(h.nonzero_buckets());
  EXPECT_EQ(copy.count(), 4u);
  EXPECT_EQ(copy.percentile(50), h.percentile(50));
  EXPECT_NEAR(static_cast<double>(copy.percentile(100)), 3e6, 3e6 * 0.01);
}

TEST(LatencyHistogram, EmptyHistogramReportsZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.percentile(99), 0u);
  EXPECT_EQ(h.min(), 0u);
  EXPECT_EQ(h.mean(), 0.0);
}

}  // namespace
}  // namespace drover::histogram_test
