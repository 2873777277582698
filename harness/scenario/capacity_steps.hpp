// The rates a capacity search offers, step by step: from, from*factor, ...
// up to `to` until a step misses the objective, then halving the interval
// between the highest rate met and the lowest missed until it is within the
// search's resolution ((missed - met) / met <= resolution).
//
// Pure functions of the search's spec and the steps run so far: the run
// asks for each next rate (harness/run/capacity_search.cpp), and the
// scenario's planned duration counts the most steps a search can take.
#pragma once

#include <optional>
#include <vector>

#include "harness/scenario/scenario.hpp"

namespace drover {

// One step run: its rate per fleet and whether it met the objective.
struct RateTried {
  double rate = 0;
  bool ok = false;
};

// Where the steps so far put the knee: the highest rate met and the lowest
// rate missed above it (0 when there is none).
struct CapacityBracket {
  double met = 0;
  double missed = 0;
  // (missed - met) / met, or 0 unless both are known.
  double width() const { return met > 0 && missed > 0 ? (missed - met) / met : 0; }
};
CapacityBracket capacity_bracket(const std::vector<RateTried>& so_far);

// The next step's rate per fleet, or nothing when the search is over: the
// first step missed (no capacity), `to` was passed without a miss (the last
// rate is a lower bound), or the bracket is within the resolution.
std::optional<double> next_capacity_rate(const LoadSpec& search,
                                         const std::vector<RateTried>& so_far);

// The rising steps from `from` to `to`, counted up to at_most + 1 (a factor
// barely above 1 would make millions).
int rising_capacity_steps(const LoadSpec& search, int at_most);

// The most steps the search can take, bisection included: what its planned
// duration and every timeout must allow for.
int max_capacity_steps(const LoadSpec& search);

}  // namespace drover
