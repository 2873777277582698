// Turns what the recorders saw into the run result's figures: totals,
// latency percentiles (always from merged histograms, never averaged
// percentiles), per-fleet and per-op figures. The per-second series is the
// SecondsLog's (harness/measure/seconds_log.hpp), made as seconds close.
#pragma once

#include <string>
#include <vector>

#include "harness/core/run_result.hpp"
#include "harness/measure/latency_summary.hpp"
#include "harness/measure/recorder.hpp"

namespace drover {

struct FleetSlots {
  std::string name;
  std::string target;
  int clients = 0;
  std::size_t first_slot = 0;
  std::vector<std::string> op_names;  // one slot each, from first_slot
};

void fill_figures(RunResult& run, const Recording& recording, const std::vector<FleetSlots>& fleets,
                  Duration load_duration);

}  // namespace drover
