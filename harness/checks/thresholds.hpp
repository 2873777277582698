// Thresholds: limits on the run's figures ("latency.p99 < 20ms") that decide
// the verdict. Pure functions of the finished figures; no clock, no I/O.
#pragma once

#include <optional>
#include <vector>

#include "harness/core/run_result.hpp"
#include "harness/scenario/scenario.hpp"

namespace drover {

// The figure a threshold's metric names, from the whole run or one fleet;
// nullopt for an unknown metric or fleet (validation rules both out).
std::optional<double> metric_value(const RunResult& run, const std::string& metric,
                                   const std::string& fleet);

// The unit a metric is written and reported in: "ms", "ratio", "ops/s", "count".
const char* metric_unit(const std::string& metric);

bool compare(double value, Comparison comparison, double limit);

std::vector<ThresholdResult> evaluate_thresholds(const std::vector<ThresholdSpec>& specs,
                                                 const RunResult& run);

}  // namespace drover
