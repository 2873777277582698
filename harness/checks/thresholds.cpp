#include "harness/checks/thresholds.hpp"

namespace drover {
namespace {

struct Figures {
  const OpTotals& totals;
  const LatencySummary& latency;
  double rate;
};

std::optional<double> latency_value(const LatencySummary& l, const std::string& which) {
  if (which == "min") return l.min_ms;
  if (which == "mean") return l.mean_ms;
  if (which == "p50") return l.p50_ms;
  if (which == "p90") return l.p90_ms;
  if (which == "p99") return l.p99_ms;
  if (which == "p999") return l.p999_ms;
  if (which == "max") return l.max_ms;
  return std::nullopt;
}

// "http.status{class:5xx}": the responses of that class.
std::optional<double> status_class_count(const OpTotals& totals, const std::string& metric) {
  const std::string prefix = std::string(kHttpStatusMetric) + "{class:";
  if (metric.size() != prefix.size() + 4 || metric.compare(0, prefix.size(), prefix) != 0)
    return std::nullopt;
  int cls = metric[prefix.size()] - '0';
  if (cls < 1 || cls > 5) return std::nullopt;
  return static_cast<double>(totals.status_classes[static_cast<std::size_t>(cls - 1)]);
}

std::optional<double> figure(const Figures& f, const std::string& metric) {
  if (metric.rfind("latency.", 0) == 0) return latency_value(f.latency, metric.substr(8));
  if (metric == "errors.rate") return f.totals.error_rate();
  if (metric == "errors.count") return static_cast<double>(f.totals.errors());
  if (metric == "throughput") return f.rate;
  if (metric == "ops") return static_cast<double>(f.totals.ops());
  if (metric == "missed_starts") return static_cast<double>(f.totals.missed_starts);
  return status_class_count(f.totals, metric);
}

// The op's figures: of `fleet`, or of the one fleet with an op of that
// name (validation made it one) when fleet is empty.
const OpResult* find_op(const RunResult& run, const std::string& fleet, const std::string& op) {
  for (const FleetResult& f : run.fleets) {
    if (!fleet.empty() && f.name != fleet) continue;
    for (const OpResult& o : f.ops)
      if (o.name == op) return &o;
  }
  return nullptr;
}

// How many latencies the threshold's scope holds: the run's, or its op's.
std::uint64_t answered(const RunResult& run, const std::string& fleet, const std::string& op) {
  if (op.empty()) return run.latency.count;
  const OpResult* o = find_op(run, fleet, op);
  return o == nullptr ? 0 : o->latency.count;
}

}  // namespace

std::optional<double> latency_figure(const LatencySummary& latency, const std::string& metric) {
  if (metric.rfind("latency.", 0) != 0) return std::nullopt;
  return latency_value(latency, metric.substr(8));
}

std::optional<double> metric_value(const RunResult& run, const std::string& metric,
                                   const std::string& fleet, const std::string& op) {
  if (!op.empty()) {
    const OpResult* o = find_op(run, fleet, op);
    if (o == nullptr) return std::nullopt;
    return figure({o->totals, o->latency, o->rate_per_s}, metric);
  }
  if (fleet.empty()) return figure({run.totals, run.latency, run.rate_per_s}, metric);
  for (const FleetResult& f : run.fleets) {
    if (f.name == fleet) return figure({f.totals, f.latency, f.rate_per_s}, metric);
  }
  return std::nullopt;
}

const char* metric_unit(const std::string& metric) {
  if (metric.rfind("latency.", 0) == 0) return "ms";
  if (metric == "errors.rate") return "ratio";
  if (metric == "throughput") return "ops/s";
  return "count";
}

bool compare(double value, Comparison comparison, double limit) {
  switch (comparison) {
    case Comparison::kLess:
      return value < limit;
    case Comparison::kLessEqual:
      return value <= limit;
    case Comparison::kGreater:
      return value > limit;
    case Comparison::kGreaterEqual:
      return value >= limit;
  }
  return false;
}

std::vector<ThresholdResult> evaluate_thresholds(const std::vector<ThresholdSpec>& specs,
                                                 const RunResult& run) {
  std::vector<ThresholdResult> results;
  for (const ThresholdSpec& spec : specs) {
    ThresholdResult r;
    r.metric = spec.metric;
    r.fleet = spec.fleet;
    r.op = spec.op;
    r.comparison = comparison_text(spec.comparison);
    r.limit = spec.text;
    r.limit_value = spec.limit;
    r.unit = metric_unit(spec.metric);
    auto value = metric_value(run, spec.metric, spec.fleet, spec.op);
    r.value = value.value_or(0);
    // A latency limit over a run (or an op) that answered nothing cannot be
    // met: there is no evidence the latency was within it.
    bool no_answers =
        spec.metric.rfind("latency.", 0) == 0 && answered(run, spec.fleet, spec.op) == 0;
    r.ok = value.has_value() && !no_answers && compare(*value, spec.comparison, spec.limit);
    results.push_back(std::move(r));
  }
  return results;
}

}  // namespace drover
