#include "harness/scenario/capacity_steps.hpp"

namespace drover {
namespace {

// Rates grow by multiplying, so `to` itself is reached despite rounding.
constexpr double kRoundingRoom = 1.000001;

// Most steps a search plans for: parsing refuses more than 100 rising
// steps, and bisection adds at most log2(9 / 0.001), about 14.
constexpr int kStepsCap = 1000;

}  // namespace

int rising_capacity_steps(const LoadSpec& search, int at_most) {
  int steps = 0;
  if (search.from <= 0 || search.to < search.from || search.factor <= 1) return 0;
  for (double rate = search.from; rate <= search.to * kRoundingRoom && steps <= at_most;
       rate *= search.factor) {
    ++steps;
  }
  return steps;
}

CapacityBracket capacity_bracket(const std::vector<RateTried>& so_far) {
  CapacityBracket b;
  for (const RateTried& t : so_far) {
    if (t.ok && t.rate > b.met) b.met = t.rate;
  }
  for (const RateTried& t : so_far) {
    if (!t.ok && t.rate > b.met && (b.missed == 0 || t.rate < b.missed)) b.missed = t.rate;
  }
  return b;
}

std::optional<double> next_capacity_rate(const LoadSpec& search,
                                         const std::vector<RateTried>& so_far) {
  if (so_far.empty()) return search.from;
  CapacityBracket b = capacity_bracket(so_far);
  if (b.met == 0) return std::nullopt;  // the first step missed: no capacity
  if (b.missed == 0) {
    double next = so_far.back().rate * search.factor;
    if (next > search.to * kRoundingRoom) return std::nullopt;  // a lower bound
    return next;
  }
  if (b.width() <= search.resolution * kRoundingRoom) return std::nullopt;
  return (b.met + b.missed) / 2;
}

int max_capacity_steps(const LoadSpec& search) {
  int rising = rising_capacity_steps(search, kStepsCap);
  if (rising == 0) return 0;
  // Each bisection halves the interval while its low end only rises, so
  // after k of them the width is at most (factor - 1) / 2^k.
  int halvings = 0;
  for (double width = search.factor - 1;
       width > search.resolution * kRoundingRoom && halvings < kStepsCap; width /= 2) {
    ++halvings;
  }
  return rising + halvings;
}

}  // namespace drover
