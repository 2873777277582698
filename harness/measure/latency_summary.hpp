// A histogram's figures as the reports give them, in milliseconds.
#pragma once

#include "harness/core/run_result.hpp"
#include "harness/measure/histogram.hpp"

namespace drover {

LatencySummary summarize(const LatencyHistogram& histogram);

}  // namespace drover
