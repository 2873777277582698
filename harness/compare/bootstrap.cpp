#include "harness/compare/bootstrap.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace drover {
namespace {

using Bucket = LatencyHistogram::Bucket;
using Figures = std::array<double, kMetrics.size()>;

// Consecutive seconds of one run merged.
struct Block {
  std::vector<Bucket> buckets;
  std::uint64_t answered = 0;
  double seconds = 0, ops = 0, errors = 0;
};
using RunBlocks = std::vector<Block>;

std::size_t block_length(std::size_t seconds) {
  auto by_root = static_cast<std::size_t>(std::floor(std::cbrt(static_cast<double>(seconds))));
  std::size_t by_count = (seconds + 99) / 100;
  return std::max<std::size_t>({1, by_root, by_count});
}

// Sums the merged histograms of blocks and computes their figures; reused
// across replicates so a draw allocates nothing.
class Accumulator {
 public:
  Accumulator() : counts_(LatencyHistogram::kBucketCount, 0) {}

  void add(const Block& b) {
    for (const Bucket& bucket : b.buckets) {
      if (counts_[bucket.index] == 0) touched_.push_back(bucket.index);
      counts_[bucket.index] += bucket.count;
    }
    answered_ += b.answered;
    seconds_ += b.seconds;
    ops_ += b.ops;
    errors_ += b.errors;
  }

  // The figures of what was added, in kMetrics' order; then starts afresh.
  Figures take() {
    Figures f{};
    std::sort(touched_.begin(), touched_.end());
    const std::array<double, 4> ps = {50, 90, 99, 99.9};
    std::size_t next = 0;
    std::uint64_t seen = 0;
    for (std::uint32_t index : touched_) {
      seen += counts_[index];
      while (next < ps.size() && seen >= rank(ps[next])) {
        f[next++] = midpoint_ms(index);
      }
      counts_[index] = 0;
    }
    f[4] = seconds_ > 0 ? static_cast<double>(answered_) / seconds_ : 0;
    f[5] = ops_ > 0 ? errors_ / ops_ : 0;
    touched_.clear();
    answered_ = 0;
    seconds_ = ops_ = errors_ = 0;
    return f;
  }

 private:
  std::uint64_t rank(double p) const {
    auto r = static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(answered_)));
    return std::max<std::uint64_t>(r, 1);
  }
  static double midpoint_ms(std::uint32_t index) {
    std::uint64_t mid =
        LatencyHistogram::bucket_low(index) + LatencyHistogram::bucket_width(index) / 2;
    return static_cast<double>(mid) / 1e6;
  }

  std::vector<std::uint64_t> counts_;
  std::vector<std::uint32_t> touched_;
  std::uint64_t answered_ = 0;
  double seconds_ = 0, ops_ = 0, errors_ = 0;
};

RunBlocks make_blocks(const OpSeries& series) {
  RunBlocks blocks;
  std::size_t length = block_length(series.seconds.size());
  std::vector<std::uint64_t> dense(LatencyHistogram::kBucketCount, 0);
  for (std::size_t start = 0; start < series.seconds.size(); start += length) {
    Block b;
    std::size_t end = std::min(series.seconds.size(), start + length);
    for (std::size_t s = start; s < end; ++s) {
      const SampleSecond& sec = series.seconds[s];
      for (const Bucket& bucket : sec.buckets) dense[bucket.index] += bucket.count;
      b.answered += sec.answered;
      b.ops += sec.ops;
      b.errors += sec.errors;
    }
    b.seconds = static_cast<double>(end - start);
    for (std::uint32_t i = 0; i < dense.size(); ++i) {
      if (dense[i] != 0) b.buckets.push_back({i, dense[i]});
      dense[i] = 0;
    }
    blocks.push_back(std::move(b));
  }
  return blocks;
}

// splitmix64: small, fast, and the same sequence on every platform.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t n) { return static_cast<std::size_t>((next() >> 32) * n >> 32); }

 private:
  std::uint64_t state_;
};

Figures observed(const std::vector<RunBlocks>& runs, Accumulator& acc) {
  for (const RunBlocks& run : runs) {
    for (const Block& b : run) acc.add(b);
  }
  return acc.take();
}

// Runs first (with repeats), then blocks within each drawn run.
Figures draw(const std::vector<RunBlocks>& runs, Rng& rng, Accumulator& acc) {
  for (std::size_t r = 0; r < runs.size(); ++r) {
    const RunBlocks& run = runs.size() == 1 ? runs[0] : runs[rng.below(runs.size())];
    for (std::size_t b = 0; b < run.size(); ++b) acc.add(run[rng.below(run.size())]);
  }
  return acc.take();
}

double change_of(Metric m, double base, double now) {
  if (change_in_points(m)) return (now - base) * 100.0;
  if (base == 0) return now == 0 ? 0 : std::numeric_limits<double>::infinity();
  return now / base - 1;
}

// Student's t, 97.5th percentile, for df >= 1: exact to three decimals up
// to 30, then the Cornish-Fisher expansion around the normal's 1.95996.
double t975(std::size_t df) {
  static constexpr std::array<double, 30> table = {
      12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
      2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
      2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
  if (df <= table.size()) return table[df - 1];
  const double z = 1.959964, n = static_cast<double>(df);
  return z + (z * z * z + z) / (4 * n) +
         (5 * std::pow(z, 5) + 16 * z * z * z + 3 * z) / (96 * n * n);
}

}  // namespace

double expanded_tail(std::size_t units) {
  if (units < 2) return 0;
  const double n = static_cast<double>(units);
  return 0.5 * std::erfc(std::sqrt(n / (n - 1)) * t975(units - 1) / std::sqrt(2.0));
}

namespace {

double quantile(std::vector<double>& sorted, double q) {
  double pos = q * static_cast<double>(sorted.size() - 1);
  auto lo = static_cast<std::size_t>(std::floor(pos));
  std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  if (!std::isfinite(sorted[lo]) || !std::isfinite(sorted[hi])) return sorted[hi];
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - static_cast<double>(lo));
}

MetricComparison judge_metric(Metric m, double base, double now, std::vector<double>& changes,
                              std::size_t units, const CompareOptions& options) {
  MetricComparison out;
  out.metric = m;
  out.base = base;
  out.now = now;
  out.change = change_of(m, base, now);
  out.limit = options.max_regression.limit(m);
  if (units < kMinUnits) {
    // Too few units for any resampled interval to reach 95 %: no interval.
    out.ci_low = -std::numeric_limits<double>::infinity();
    out.ci_high = std::numeric_limits<double>::infinity();
    return out;
  }
  out.judged = out.limit.has_value();
  std::sort(changes.begin(), changes.end());
  const double tail = expanded_tail(units);
  out.ci_low = quantile(changes, tail);
  out.ci_high = quantile(changes, 1 - tail);
  out.significant = out.ci_low > 0 || out.ci_high < 0;
  if (out.limit) {
    // The whole interval past the limit: worse beyond it with 97.5 %
    // confidence, not only a point estimate past it.
    out.regression = higher_is_worse(m) ? out.ci_low > *out.limit : out.ci_high < -*out.limit;
  }
  return out;
}

std::vector<RunBlocks> blocks_of(const Sample& side, std::size_t op) {
  std::vector<RunBlocks> runs;
  for (const RunSample& run : side.runs) runs.push_back(make_blocks(run.ops[op]));
  return runs;
}

// What a side's replicates draw at their top level: its runs, or the blocks
// of its one run.
std::size_t units_of(const std::vector<RunBlocks>& runs) {
  return runs.size() > 1 ? runs.size() : runs.front().size();
}

OpComparison compare_op(const Sample& base, const Sample& now, std::size_t op,
                        const CompareOptions& options) {
  const OpSeries& series = base.runs.front().ops[op];
  std::vector<RunBlocks> base_runs = blocks_of(base, op);
  std::vector<RunBlocks> now_runs = blocks_of(now, op);
  OpComparison out{series.fleet, series.op, std::min(units_of(base_runs), units_of(now_runs)), {}};
  Accumulator acc;
  Figures base_fig = observed(base_runs, acc);
  Figures now_fig = observed(now_runs, acc);
  Rng rng(options.seed ^ (0x9e3779b97f4a7c15ULL * (op + 1)));
  // Too few units: no interval is given, so nothing is drawn.
  int resamples = out.units < kMinUnits ? 0 : std::max(options.resamples, 1);
  std::array<std::vector<double>, kMetrics.size()> changes;
  for (int r = 0; r < resamples; ++r) {
    Figures b = draw(base_runs, rng, acc);
    Figures n = draw(now_runs, rng, acc);
    for (std::size_t i = 0; i < kMetrics.size(); ++i) {
      changes[i].push_back(change_of(kMetrics[i], b[i], n[i]));
    }
  }
  for (std::size_t i = 0; i < kMetrics.size(); ++i) {
    out.metrics.push_back(
        judge_metric(kMetrics[i], base_fig[i], now_fig[i], changes[i], out.units, options));
  }
  return out;
}

}  // namespace

CompareResult compare_samples(const Sample& base, const Sample& now,
                              const CompareOptions& options) {
  CompareResult out;
  for (std::size_t op = 0; op < base.runs.front().ops.size(); ++op) {
    out.ops.push_back(compare_op(base, now, op, options));
  }
  return out;
}

}  // namespace drover
