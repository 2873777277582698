// The statistics of `drover compare`: for each (fleet, op) and metric, the
// figure of each side, the relative change, and its 95 % confidence
// interval from a seeded, two-level block bootstrap:
//
// - the seconds of each run are merged into consecutive blocks (length
//   max(1, floor(cbrt(n)), ceil(n/100)) seconds), so autocorrelated seconds stay together
//   and a long run still has at most ~100 blocks to draw;
// - one replicate of a side draws its runs with replacement (when it has
//   repeats), then, within each drawn run, as many blocks as it has with
//   replacement; the histograms and counts of the drawn blocks are merged
//   and the metrics computed on the merge (never averaged percentiles);
// - each replicate pairs one draw of each side; the interval is the
//   expanded percentile interval of the replicates' changes: instead of
//   their 2.5th and 97.5th percentiles, the percentiles at
//   Phi(-sqrt(n/(n-1)) * t(n-1, 0.975)) and its complement, n being the
//   fewer top-level units of the two sides (runs when a side has repeats,
//   else the blocks of its run). A plain percentile interval from n units is
//   too narrow by about sqrt((n-1)/n) * t/z, which for a 4 s run's 4 blocks
//   is nearly half; this widens it as Student's t widens a mean's interval.
//   With fewer than kMinUnits units there is no interval and no verdict.
//
// A judged metric is a regression when its whole interval lies past the
// limit in the worse direction: the change is significant and larger than
// the minimum effect with 97.5 % confidence, so neither a long run (every
// tiny change significant) nor a noisy one (a point estimate far off) turns
// noise into a failure.
//
// Pure functions of their inputs and the seed: the same inputs and seed give
// the same intervals on any machine.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/compare/run_sample.hpp"
#include "harness/core/expected.hpp"

namespace drover {

enum class Metric { kP50, kP90, kP99, kP999, kThroughput, kErrorRate };
inline constexpr std::array<Metric, 6> kMetrics = {Metric::kP50,        Metric::kP90,
                                                   Metric::kP99,        Metric::kP999,
                                                   Metric::kThroughput, Metric::kErrorRate};

// "p50", "p90", "p99", "p99.9", "throughput", "error_rate".
const char* metric_name(Metric m);
std::optional<Metric> metric_from_name(const std::string& name);
// Latencies and error rates are worse higher, throughput lower.
bool higher_is_worse(Metric m);
// Error rate changes are in percentage points, the others relative.
bool change_in_points(Metric m);

// The largest change in the worse direction tolerated per metric: a
// fraction (0.10 = 10 %), or for error_rate percentage points (0.5 = 0.5 pp).
struct MaxRegression {
  std::vector<std::pair<Metric, double>> limits;
  std::optional<double> limit(Metric m) const;
};

// "p99=10%,throughput=5%,error_rate=0.5" (error_rate in percentage points,
// with or without "pp"); an error names the item that is wrong.
Expected<MaxRegression> parse_max_regression(const std::string& text);
// p50=10%, p99=10%, throughput=5%: the median is the steadiest sign that
// the typical request got slower, the tail the noisiest.
MaxRegression default_max_regression();

struct CompareOptions {
  std::uint64_t seed = 1;
  int resamples = 1000;
  MaxRegression max_regression = default_max_regression();
};

struct MetricComparison {
  Metric metric;
  double base = 0, now = 0;  // ms, ops/s, or a ratio (error rate)
  double change = 0;         // relative (0.1 = +10 %), or percentage points
  double ci_low = 0, ci_high = 0;
  std::optional<double> limit;  // judged only with a limit
  bool judged = false;          // a limit, and enough units for an interval
  bool significant = false;     // the interval excludes no change
  bool regression = false;      // the whole interval worse than the limit
};

struct OpComparison {
  std::string fleet, op;
  // The fewer of the two sides' top-level units (runs, or one run's blocks);
  // under kMinUnits, no interval and no verdict.
  std::size_t units = 0;
  std::vector<MetricComparison> metrics;  // in kMetrics' order
};

// The fewest top-level units a side may have for an interval. Resampling
// n units, no interval is wider than the replicates' range, and two sides
// of n unchanged units still fall wholly apart, making even that range
// exclude no change, with probability 2 / C(2n, n): 33 % for 2, 10 % for 3,
// 2.9 % for 4. From 4 on, a 95 % interval is within reach.
inline constexpr std::size_t kMinUnits = 4;

// The lower tail of the expanded percentile interval for `units`
// independent units: Phi(-sqrt(n/(n-1)) * t(n-1, 0.975)). 0.025 for many
// units, 0.0086 for 10, 0.00012 for 4; 0 under 2.
double expanded_tail(std::size_t units);

struct CompareResult {
  std::vector<OpComparison> ops;
  bool regression() const;
};

// Checks that base and now can be compared (same scenario, load model,
// fleets and ops); the error names both sources and what differs.
Expected<void> check_comparable(const Sample& base, const Sample& now);

// base and now must be comparable (check_comparable).
CompareResult compare_samples(const Sample& base, const Sample& now, const CompareOptions& options);

}  // namespace drover
