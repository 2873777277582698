#include "harness/drivers/op_mix.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "harness/drivers/client_log.hpp"

namespace drover::op_mix_test {
namespace {

std::vector<std::size_t> counts(const OpMix& mix, std::uint64_t seed, int draws) {
  std::vector<std::size_t> out(mix.size());
  OpDraws d(mix, seed);
  for (int i = 0; i < draws; ++i) ++out.at(d.next());
  return out;
}

TEST(OpMix, DrawsFollowTheWeights) {
  OpMix mix({9, 1});
  std::vector<std::size_t> n = counts(mix, 42, 100'000);
  // 90 % and 10 % within a few percent of the draws: a binomial's standard
  // deviation here is under 100 draws, so a 1,000-draw margin is 10 sigma.
  EXPECT_NEAR(static_cast<double>(n[0]), 90'000, 1'000);
  EXPECT_NEAR(static_cast<double>(n[1]), 10'000, 1'000);
}

TEST(OpMix, EveryOpGetsItsShareInAMixOfThree) {
  OpMix mix({1, 2, 5});
  std::vector<std::size_t> n = counts(mix, 7, 80'000);
  EXPECT_NEAR(static_cast<double>(n[0]), 10'000, 800);
  EXPECT_NEAR(static_cast<double>(n[1]), 20'000, 800);
  EXPECT_NEAR(static_cast<double>(n[2]), 50'000, 800);
}

TEST(OpMix, TheSameSeedDrawsTheSameOpsAndAnotherSeedOthers) {
  OpMix mix({1, 1});
  OpDraws a(mix, 1234), b(mix, 1234), c(mix, 4321);
  std::vector<std::size_t> from_a, from_b, from_c;
  for (int i = 0; i < 200; ++i) {
    from_a.push_back(a.next());
    from_b.push_back(b.next());
    from_c.push_back(c.next());
  }
  EXPECT_EQ(from_a, from_b);
  EXPECT_NE(from_a, from_c);
}

TEST(OpMix, PickMapsTheRangeOfNumbersByWeight) {
  OpMix mix({3, 1});
  EXPECT_EQ(mix.pick(0), 0u);
  EXPECT_EQ(mix.pick(2), 0u);
  EXPECT_EQ(mix.pick(3), 1u);
  EXPECT_EQ(mix.pick(4), 0u);  // 4 % 4 == 0
}

TEST(OpMix, ASingleOpIsAlwaysTheFirst) {
  OpMix mix({5});
  OpDraws d(mix, 99);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(d.next(), 0u);
}

TEST(OpMix, ClientsDrawFromTheirOwnStreamApartFromThePayloads) {
  TimePoint start = Clock::now();
  ClientLog first(nullptr, nullptr, 0, 0, 0, "f", start, 17);
  ClientLog again(nullptr, nullptr, 0, 0, 0, "f", start, 17);
  ClientLog second(nullptr, nullptr, 0, 1, 1, "f", start, 17);
  EXPECT_EQ(first.op_draw_seed(), again.op_draw_seed());
  EXPECT_NE(first.op_draw_seed(), second.op_draw_seed());
  EXPECT_NE(first.op_draw_seed(), first.random_seed());
}

}  // namespace
}  // namespace drover::op_mix_test
