#include "harness/core/key_distribution.hpp"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

namespace drover::key_distribution_test {
namespace {

KeyDistribution parse_ok(std::string_view spec) {
  auto d = KeyDistribution::parse(spec);
  EXPECT_TRUE(d) << spec << ": " << d.error();
  return d ? *d : *KeyDistribution::parse("uniform:1");
}

std::vector<double> frequencies(const KeyDistribution& d, int draws, std::uint64_t seed) {
  std::vector<double> counts(d.keys(), 0);
  std::uint64_t state = seed;
  for (int i = 0; i < draws; ++i) {
    std::uint64_t key = d.draw(static_cast<std::uint64_t>(i), state);
    EXPECT_LT(key, d.keys());
    if (key < d.keys()) counts[key] += 1;
  }
  for (double& c : counts) c /= draws;
  return counts;
}

// Each key's share within 5 standard deviations of its probability: a
// sampler off by a few percent on any key fails; a right one fails about
// once in 10^5 runs per key, and the seed is fixed, so never.
void expect_close(const std::vector<double>& seen, const std::vector<double>& p, int draws) {
  ASSERT_EQ(seen.size(), p.size());
  for (std::size_t k = 0; k < p.size(); ++k) {
    double sigma = std::sqrt(p[k] * (1 - p[k]) / draws);
    EXPECT_NEAR(seen[k], p[k], 5 * sigma + 1e-9) << "key " << k;
  }
}

std::vector<double> zipf_probabilities(std::size_t n, double s) {
  std::vector<double> p(n);
  double total = 0;
  for (std::size_t k = 0; k < n; ++k) total += p[k] = std::pow(static_cast<double>(k + 1), -s);
  for (double& x : p) x /= total;
  return p;
}

TEST(KeyDistribution, UniformCoversEveryKeyEqually) {
  constexpr int kDraws = 200000;
  KeyDistribution d = parse_ok("uniform:10");
  EXPECT_EQ(d.kind(), KeyDistribution::Kind::kUniform);
  expect_close(frequencies(d, kDraws, 42), std::vector<double>(10, 0.1), kDraws);
}

TEST(KeyDistribution, ZipfFollowsItsLawForExponentsBelowAtAndAboveOne) {
  constexpr int kDraws = 300000;
  for (double s : {0.5, 0.99, 1.0, 1.5, 3.0}) {
    SCOPED_TRACE(s);
    KeyDistribution d = parse_ok("zipf:20:" + std::to_string(s));
    EXPECT_DOUBLE_EQ(d.exponent(), s);
    expect_close(frequencies(d, kDraws, 7), zipf_probabilities(20, s), kDraws);
  }
}

// Without a table, a million keys cost nothing to set up; the hottest keys
// still come as often as the law says.
TEST(KeyDistribution, ZipfOverManyKeysKeepsItsHead) {
  constexpr int kDraws = 300000;
  constexpr std::size_t kKeys = 1000000;
  KeyDistribution d = parse_ok("zipf:1000000:0.99");
  std::vector<double> p = zipf_probabilities(kKeys, 0.99);
  std::vector<double> seen = frequencies(d, kDraws, 3);
  expect_close(std::vector<double>(seen.begin(), seen.begin() + 5),
               std::vector<double>(p.begin(), p.begin() + 5), kDraws);
}

TEST(KeyDistribution, OneKeyIsAlwaysKeyZero) {
  std::uint64_t state = 5;
  for (const char* spec : {"uniform:1", "zipf:1:1.2", "sequential:1"}) {
    KeyDistribution d = parse_ok(spec);
    for (std::uint64_t i = 0; i < 100; ++i) EXPECT_EQ(d.draw(i, state), 0u) << spec;
  }
}

TEST(KeyDistribution, TheSameSeedDrawsTheSameKeys) {
  for (const char* spec : {"uniform:1000", "zipf:1000:0.9"}) {
    KeyDistribution d = parse_ok(spec);
    std::uint64_t a = 11, b = 11, c = 12;
    std::vector<std::uint64_t> first, again, other;
    for (std::uint64_t i = 0; i < 50; ++i) {
      first.push_back(d.draw(i, a));
      again.push_back(d.draw(i, b));
      other.push_back(d.draw(i, c));
    }
    EXPECT_EQ(first, again) << spec;
    EXPECT_NE(first, other) << spec;
  }
}

TEST(KeyDistribution, SequentialWalksTheKeysAndWrapsWithoutDrawing) {
  KeyDistribution d = parse_ok("sequential:3");
  std::uint64_t state = 9;
  std::vector<std::uint64_t> keys;
  for (std::uint64_t seq = 0; seq < 7; ++seq) keys.push_back(d.draw(seq, state));
  EXPECT_EQ(keys, (std::vector<std::uint64_t>{0, 1, 2, 0, 1, 2, 0}));
  EXPECT_EQ(state, 9u);
}

TEST(KeyDistribution, RefusesWhatItCannotDraw) {
  auto error = [](std::string_view spec) {
    auto d = KeyDistribution::parse(spec);
    EXPECT_FALSE(d) << spec;
    return d ? std::string() : d.error();
  };
  const std::string keys = "the number of keys must be an integer from 1 to 10^15";
  const std::string exponent = "the exponent must be a number above 0 and at most 100 (\"0.99\")";
  EXPECT_EQ(error("gauss:10"),
            "unknown key distribution \"gauss\" (known: uniform:N, zipf:N:s, sequential:N)");
  EXPECT_EQ(error("uniform:0"), keys);
  EXPECT_EQ(error("uniform:"), keys);
  EXPECT_EQ(error("uniform"), keys);
  EXPECT_EQ(error("uniform:-1"), keys);
  EXPECT_EQ(error("sequential:1000000000000001"), keys);
  EXPECT_EQ(error("zipf:10"), "zipf takes the number of keys and an exponent: zipf:N:s");
  EXPECT_EQ(error("zipf:10:0"), exponent);
  EXPECT_EQ(error("zipf:10:-1"), exponent);
  EXPECT_EQ(error("zipf:10:inf"), exponent);
  EXPECT_EQ(error("zipf:10:nan"), exponent);
  EXPECT_EQ(error("zipf:10:101"), exponent);
  EXPECT_EQ(error("zipf:x:1"), keys);
  EXPECT_TRUE(KeyDistribution::parse("sequential:1000000000000000"));
}

}  // namespace
}  // namespace drover::key_distribution_test
