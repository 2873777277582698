#include "harness/load/arrivals.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace drover::arrivals_test {
namespace {

using std::chrono::seconds;

// Counts a schedule's arrivals per second of the load, all shares together.
std::vector<int> per_second(const RateProfile& p, std::size_t shares, int seconds_total) {
  std::vector<int> counts(static_cast<std::size_t>(seconds_total) + 1, 0);
  TimePoint t0{};
  for (std::size_t j = 0; j < shares; ++j) {
    ArrivalSchedule s(p, t0, j, shares);
    while (auto t = s.next()) {
      auto second = static_cast<std::size_t>(to_seconds(*t - t0));
      ++counts.at(second);
    }
  }
  return counts;
}

TEST(Arrivals, AConstantRateGivesExactlyRateTimesDurationEvenlySpread) {
  RateProfile p = RateProfile::constant(2000, seconds(5));
  EXPECT_DOUBLE_EQ(p.total_arrivals(), 10000);
  auto counts = per_second(p, 1, 5);
  for (int s = 0; s < 5; ++s) EXPECT_EQ(counts[s], 2000) << s;
  EXPECT_EQ(counts[5], 0);
  TimePoint t0{};
  ArrivalSchedule s(p, t0, 0, 1);
  auto a = *s.next(), b = *s.next();
  EXPECT_NEAR(to_seconds(a - t0), 0.00025, 1e-9);
  EXPECT_NEAR(to_seconds(b - a), 0.0005, 1e-9);
}

TEST(Arrivals, SharesSplitTheArrivalsWithoutLosingOrDoublingAny) {
  RateProfile p = RateProfile::constant(999, seconds(3));
  auto one = per_second(p, 1, 3);
  auto three = per_second(p, 3, 3);
  EXPECT_EQ(one, three);
}

TEST(Arrivals, StagesRampLinearly) {
  // 0 -> 1000/s over 10 s, then 1000/s for 5 s, then down to 0 over 5 s.
  RateProfile p =
      RateProfile::stages(0, {{seconds(10), 1000}, {seconds(5), 1000}, {seconds(5), 0}});
  EXPECT_DOUBLE_EQ(p.total_arrivals(), 5000 + 5000 + 2500);
  auto counts = per_second(p, 2, 20);
  for (int s = 0; s < 20; ++s) {
    double expected = s < 10 ? 100.0 * s + 50 : s < 15 ? 1000.0 : 1000 - 200.0 * (s - 15) - 100;
    EXPECT_NEAR(counts[s], expected, 1.0) << "second " << s;
  }
  EXPECT_DOUBLE_EQ(p.rate_at(5), 500);
}

TEST(Arrivals, AZeroRateStageHasNoArrivals) {
  RateProfile p = RateProfile::stages(0, {{seconds(2), 0}, {seconds(1), 100}});
  auto counts = per_second(p, 1, 3);
  EXPECT_EQ(counts[0] + counts[1], 0);
  EXPECT_NEAR(counts[2], 50, 1);
}

}  // namespace
}  // namespace drover::arrivals_test
