// Thresholds: limits on the run's figures ("latency.p99 < 20ms") that decide
// the verdict. Pure functions of the finished figures; no clock, no I/O.
#pragma once

#include <optional>
#include <vector>

#include "harness/core/run_result.hpp"
#include "harness/scenario/scenario.hpp"

namespace drover {

// The figure a threshold's metric names, from the whole run, one fleet, or
// one op (of `fleet`, or of the one fleet that has it when fleet is empty);
// nullopt for an unknown metric, fleet or op (validation rules them out; an
// op that never ran has no figures either).
std::optional<double> metric_value(const RunResult& run, const std::string& metric,
                                   const std::string& fleet, const std::string& op = "");

// A latency metric's figure ("latency.p99") from a histogram's summary;
// nullopt for any other metric.
std::optional<double> latency_figure(const LatencySummary& latency, const std::string& metric);

// The unit a metric is written and reported in: "ms", "ratio", "ops/s", "count".
const char* metric_unit(const std::string& metric);

bool compare(double value, Comparison comparison, double limit);

std::vector<ThresholdResult> evaluate_thresholds(const std::vector<ThresholdSpec>& specs,
                                                 const RunResult& run);

}  // namespace drover
