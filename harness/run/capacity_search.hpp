// The capacity search's steps: open-model loads, each held for the step
// duration, at the rates harness/scenario/capacity_steps.hpp chooses
// (rising, then bisecting the interval between the highest rate met and the
// lowest missed) until that interval is within the resolution, the target
// dies or the user interrupts. The capacity is the highest offered rate
// whose step met the objective (the scenario's slo).
//
// Pure functions of the search's spec and a step's figures; the run drives
// the steps (Run::search_capacity).
#pragma once

#include <cstddef>

#include "harness/core/run_result.hpp"
#include "harness/scenario/scenario.hpp"

namespace drover {

// The load of the step at rate (per fleet, per second).
LoadSpec capacity_step_load(const LoadSpec& search, double rate);

// A step judged on its figures: what the fleets offered and got answered,
// and whether that met the objective. A step also fails when fewer than 95%
// of its offered operations were answered: a rate not served is not
// sustained. fleets: how many fleets offered the rate each.
CapacityStep judge_capacity_step(const LoadSpec& search, std::size_t fleets, double rate,
                                 const RunResult& figures);

}  // namespace drover
