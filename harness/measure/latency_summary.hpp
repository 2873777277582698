// A histogram's figures as the reports give them, in milliseconds.
#pragma once

#include "harness/core/run_result.hpp"
#include "harness/measure/histogram.hpp"

namespace drover {

LatencySummary summarize(const LatencyHistogram& histogram);

// The histogram's latency at the percentiles report.html plots (0 is the
// minimum), in ms; empty for an empty histogram.
std::vector<Percentile> percentile_points(const LatencyHistogram& histogram);

}  // namespace drover
