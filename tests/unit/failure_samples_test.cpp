#include "harness/measure/failure_samples.hpp"

#include <gtest/gtest.h>

#include <map>
#include <vector>

namespace drover::failure_samples_test {
namespace {

constexpr SampleSizes kSizes{3, 5};

// Offers failures numbered from..to-1 (their t_ms) to samples.
void offer(FailureSamples& samples, int from, int to, std::uint64_t& random) {
  for (int t = from; t < to; ++t) {
    if (FailureExample* e = keep_failure(samples, kSizes, random)) {
      *e = FailureExample{};
      e->t_ms = t;
    }
  }
}

std::vector<double> times(const std::vector<FailureExample>& examples) {
  std::vector<double> out;
  for (const FailureExample& e : examples) out.push_back(e.t_ms);
  return out;
}

TEST(FailureSamples, KeepsTheFirstFewInOrderThenFillsTheSample) {
  FailureSamples s;
  std::uint64_t random = 1;
  offer(s, 0, 8, random);
  EXPECT_EQ(s.count, 8u);
  EXPECT_EQ(times(s.first), (std::vector<double>{0, 1, 2}));
  EXPECT_EQ(times(s.sampled), (std::vector<double>{3, 4, 5, 6, 7}));
}

TEST(FailureSamples, PassesMostFailuresByOnceTheSampleIsFull) {
  FailureSamples s;
  std::uint64_t random = 1;
  int described = 0;
  for (int t = 0; t < 100000; ++t) {
    if (keep_failure(s, kSizes, random)) ++described;
  }
  EXPECT_EQ(s.count, 100000u);
  EXPECT_EQ(s.first.size(), 3u);
  EXPECT_EQ(s.sampled.size(), 5u);
  // Algorithm R keeps the n-th with probability 5/n: about 5 ln(100000/5),
  // some 50 descriptions, not one per failure.
  EXPECT_LT(described, 200);
}

TEST(FailureSamples, TheSameSeedGivesTheSameSampleAndAnotherSeedAnother) {
  auto sample = [](std::uint64_t seed) {
    FailureSamples s;
    offer(s, 0, 1000, seed);
    return times(s.sampled);
  };
  EXPECT_EQ(sample(42), sample(42));
  EXPECT_NE(sample(42), sample(43));
}

// Every failure after the first few ends in the sample equally often.
TEST(FailureSamples, TheSampleIsUniformOverTheRest) {
  constexpr int kFailures = 23;  // 20 after the first 3
  constexpr int kTrials = 20000;
  std::map<double, int> kept;
  for (std::uint64_t trial = 0; trial < kTrials; ++trial) {
    FailureSamples s;
    std::uint64_t random = trial * 7919 + 1;
    offer(s, 0, kFailures, random);
    for (double t : times(s.sampled)) ++kept[t];
  }
  ASSERT_EQ(kept.size(), 20u);
  for (auto [t, n] : kept) {
    EXPECT_NEAR(static_cast<double>(n) / kTrials, 5.0 / 20, 0.02) << "failure " << t;
  }
}

TEST(FailureSamples, MergingKeepsTheEarliestFirstsAndCountsBoth) {
  FailureSamples a, b;
  std::uint64_t ra = 1, rb = 2, merge = 3;
  offer(a, 10, 20, ra);  // a thread whose failures came later
  offer(b, 0, 2, rb);
  merge_failure_samples(a, b, kSizes, merge);
  EXPECT_EQ(a.count, 12u);
  EXPECT_EQ(times(a.first), (std::vector<double>{0, 1, 10}));
  EXPECT_EQ(a.sampled.size(), 5u);
  for (double t : times(a.sampled)) {
    EXPECT_GT(t, 10) << "a first cannot also be sampled";
  }
}

TEST(FailureSamples, MergingWithNothingChangesNothing) {
  FailureSamples a, empty;
  std::uint64_t ra = 1, merge = 3;
  offer(a, 0, 30, ra);
  FailureSamples before = a;
  merge_failure_samples(a, empty, kSizes, merge);
  EXPECT_EQ(a, before);
  FailureSamples into;
  merge_failure_samples(into, a, kSizes, merge);
  EXPECT_EQ(into.count, 30u);
  EXPECT_EQ(times(into.first), times(a.first));
  EXPECT_EQ(into.sampled.size(), 5u);
}

// Merged samples weigh each thread by the failures it saw, not by the
// examples it kept: every failure after the global first few is equally
// likely to be in the merged sample, the other threads' firsts included.
TEST(FailureSamples, MergingIsUniformOverAllThreadsFailures) {
  constexpr int kTrials = 20000;
  std::map<double, int> kept;
  for (std::uint64_t trial = 0; trial < kTrials; ++trial) {
    FailureSamples busy, quiet;
    std::uint64_t r1 = trial * 2 + 1, r2 = trial * 2 + 2, merge = trial + 99;
    offer(busy, 100, 133, r1);  // 33 failures, later
    offer(quiet, 0, 6, r2);     // 6 failures, the first 3 of the run among them
    merge_failure_samples(busy, quiet, kSizes, merge);
    ASSERT_EQ(times(busy.first), (std::vector<double>{0, 1, 2}));
    for (double t : times(busy.sampled)) ++kept[t];
  }
  // 39 failures, 3 first: 36 equally likely, quiet's 3..5 and busy's firsts
  // among them.
  ASSERT_EQ(kept.size(), 36u);
  for (auto [t, n] : kept) {
    EXPECT_NEAR(static_cast<double>(n) / kTrials, 5.0 / 36, 0.02) << "failure " << t;
  }
}

}  // namespace
}  // namespace drover::failure_samples_test
