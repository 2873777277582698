#include "harness/metrics/run_metrics.hpp"

#include <algorithm>
#include <limits>

#include <fmt/format.h>

namespace drover {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily family(std::string name, std::string help, MetricType type) {
  MetricFamily f;
  f.name = std::move(name);
  f.help = std::move(help);
  f.type = type;
  return f;
}

ClientMetric labelled(std::vector<ClientMetric::Label> labels) {
  ClientMetric m;
  m.label = std::move(labels);
  return m;
}

ClientMetric gauge(std::vector<ClientMetric::Label> labels, double value) {
  ClientMetric m = labelled(std::move(labels));
  m.gauge.value = value;
  return m;
}

}  // namespace

const std::vector<double>& latency_bucket_bounds() {
  static const std::vector<double> bounds{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                          0.01,   0.025,   0.05,   0.1,   0.25,   0.5,
                                          1,      2.5,     5,      10};
  return bounds;
}

std::vector<std::uint64_t> cumulative_counts(const std::vector<LatencyBucketCount>& buckets,
                                             const std::vector<double>& bounds_s) {
  std::vector<std::uint64_t> counts(bounds_s.size() + 1, 0);
  for (const LatencyBucketCount& b : buckets) {
    double max_s = static_cast<double>(b.max_ns) / 1e9;
    auto first = std::lower_bound(bounds_s.begin(), bounds_s.end(), max_s);
    for (auto i = static_cast<std::size_t>(first - bounds_s.begin()); i < counts.size(); ++i) {
      counts[i] += b.count;
    }
  }
  return counts;
}

// HTTP responses by status class, for the ops that had any: an op that
// has answered one class has a series for every class, so rates divide.
MetricFamily http_responses(const RunResult& run) {
  MetricFamily responses =
      family("drover_http_responses_total", "HTTP responses read whole, by status class",
             MetricType::Counter);
  for (const FleetResult& fleet : run.fleets) {
    for (const OpResult& op : fleet.ops) {
      if (!op.totals.has_status_classes()) continue;
      for (std::size_t c = 0; c < op.totals.status_classes.size(); ++c) {
        ClientMetric m = labelled({{"scenario", run.scenario},
                                   {"fleet", fleet.name},
                                   {"op", op.name},
                                   {"status_class", fmt::format("{}xx", c + 1)}});
        m.counter.value = static_cast<double>(op.totals.status_classes[c]);
        responses.metric.push_back(std::move(m));
      }
    }
  }
  return responses;
}

// HTTPS: each op's TLS handshakes that succeeded, full and resumed.
MetricFamily tls_handshakes(const RunResult& run) {
  MetricFamily handshakes = family(
      "drover_tls_handshakes_total",
      "TLS handshakes that succeeded, full or resumed (resumed=\"true\")", MetricType::Counter);
  for (const FleetResult& fleet : run.fleets) {
    for (const OpResult& op : fleet.ops) {
      if (op.totals.tls_handshakes == 0) continue;
      const std::uint64_t resumed = op.totals.tls_resumed;
      for (bool r : {false, true}) {
        ClientMetric m = labelled({{"scenario", run.scenario},
                                   {"fleet", fleet.name},
                                   {"op", op.name},
                                   {"resumed", r ? "true" : "false"}});
        m.counter.value = static_cast<double>(r ? resumed : op.totals.tls_handshakes - resumed);
        handshakes.metric.push_back(std::move(m));
      }
    }
  }
  return handshakes;
}

std::vector<MetricFamily> run_metric_families(const RunResult& run, const std::string& version) {
  MetricFamily ops =
      family("drover_operations_total", "Operations finished, by outcome", MetricType::Counter);
  MetricFamily latency = family("drover_operation_duration_seconds",
                                "Latency of answered operations (ok and wrong replies) from "
                                "their intended start",
                                MetricType::Histogram);
  MetricFamily inflight =
      family("drover_inflight_operations",
             "Operations begun and not yet finished (a client's iteration counts once)",
             MetricType::Gauge);
  const std::vector<double>& bounds = latency_bucket_bounds();
  for (const FleetResult& fleet : run.fleets) {
    inflight.metric.push_back(gauge({{"scenario", run.scenario}, {"fleet", fleet.name}},
                                    static_cast<double>(fleet.inflight)));
    for (const OpResult& op : fleet.ops) {
      for (std::size_t o = 0; o < kOutcomeCount; ++o) {
        ClientMetric m = labelled({{"scenario", run.scenario},
                                   {"fleet", fleet.name},
                                   {"op", op.name},
                                   {"outcome", std::string(kOutcomeNames[o])}});
        m.counter.value = static_cast<double>(op.totals.by_outcome[o]);
        ops.metric.push_back(std::move(m));
      }
      ClientMetric h =
          labelled({{"scenario", run.scenario}, {"fleet", fleet.name}, {"op", op.name}});
      std::vector<std::uint64_t> counts = cumulative_counts(op.latency_buckets, bounds);
      for (std::size_t i = 0; i < bounds.size(); ++i) {
        h.histogram.bucket.push_back({counts[i], bounds[i]});
      }
      h.histogram.bucket.push_back({counts.back(), std::numeric_limits<double>::infinity()});
      h.histogram.sample_count = counts.back();
      h.histogram.sample_sum = op.latency_sum_s;
      latency.metric.push_back(std::move(h));
    }
  }

  MetricFamily up =
      family("drover_target_up", "1 while the target runs; 0 once it exited during the run",
             MetricType::Gauge);
  for (const TargetResult& t : run.targets) {
    up.metric.push_back(
        gauge({{"scenario", run.scenario}, {"target", t.name}}, t.exited_during_run ? 0 : 1));
  }

  // Undecided is not held: drover_invariant_ok is 0 for it too, so an alert
  // on 0 catches every run that did not prove its invariants, and
  // drover_invariant_unknown tells the undecided from the violated.
  MetricFamily invariants = family(
      "drover_invariant_ok",
      "1 if the invariant held, 0 if it was violated or could not be decided; set when the run "
      "ends",
      MetricType::Gauge);
  MetricFamily undecided =
      family("drover_invariant_unknown",
             "1 if the invariant could not be decided (its evidence is missing), else 0; set when "
             "the run ends",
             MetricType::Gauge);
  for (const InvariantResult& i : run.invariants) {
    std::vector<ClientMetric::Label> labels{{"scenario", run.scenario},
                                            {"invariant", std::string(invariant_name(i.invariant))},
                                            {"subject", i.subject}};
    invariants.metric.push_back(gauge(labels, i.ok ? 1 : 0));
    undecided.metric.push_back(gauge(std::move(labels), !i.ok && i.unknown ? 1 : 0));
  }

  MetricFamily info =
      family("drover_run_info", "The run: scenario, drover version and seed", MetricType::Gauge);
  info.metric.push_back(gauge(
      {{"scenario", run.scenario}, {"version", version}, {"seed", std::to_string(run.seed)}}, 1));

  MetricFamily http = http_responses(run);
  MetricFamily tls = tls_handshakes(run);
  std::vector<MetricFamily> out;
  for (MetricFamily* f :
       {&ops, &latency, &inflight, &http, &tls, &up, &invariants, &undecided, &info}) {
    if (!f->metric.empty()) out.push_back(std::move(*f));
  }
  return out;
}

void RunCollector::publish(const RunResult& run) {
  std::vector<MetricFamily> families = run_metric_families(run, version_);
  std::lock_guard<std::mutex> lock(mutex_);
  families_ = std::move(families);
}

std::vector<MetricFamily> RunCollector::Collect() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return families_;
}

}  // namespace drover
