// A run's figures as Prometheus metric families, and the collector that
// serves the latest of them to an Exposer or a Gateway.
//
// Nothing is observed per operation: the runner publishes its cumulative
// figures now and then (RunOptions::on_figures) and every scrape or push
// reads the latest, so what Prometheus sees is exactly drover's figures.
// Latency histograms keep drover's resolution (0.4%): a drover bucket is
// counted under the first Prometheus bucket whose `le` is not below the
// bucket's highest value.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include "harness/core/run_result.hpp"

namespace drover {

// The `le` bounds of drover_operation_duration_seconds, 100us to 10s in
// steps of about x2.5 (+Inf is implied).
const std::vector<double>& latency_bucket_bounds();

// The cumulative count at each bound (one more for +Inf) of a histogram
// given as ascending non-empty buckets.
std::vector<std::uint64_t> cumulative_counts(const std::vector<LatencyBucketCount>& buckets,
                                             const std::vector<double>& bounds_s);

// drover_operations_total, drover_operation_duration_seconds,
// drover_inflight_operations, drover_target_up, drover_invariant_ok,
// drover_invariant_unknown, drover_run_info (docs/metrics.md).
std::vector<prometheus::MetricFamily> run_metric_families(const RunResult& run,
                                                          const std::string& version);

// Thread-safe: publish() from the runner's thread, Collect() from the
// Exposer's or a push's threads.
class RunCollector : public prometheus::Collectable {
 public:
  explicit RunCollector(std::string version) : version_(std::move(version)) {}
  void publish(const RunResult& run);
  // Empty until the first publish().
  std::vector<prometheus::MetricFamily> Collect() const override;

 private:
  std::string version_;
  mutable std::mutex mutex_;
  std::vector<prometheus::MetricFamily> families_;
};

}  // namespace drover
