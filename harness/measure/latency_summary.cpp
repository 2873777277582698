#include "harness/measure/latency_summary.hpp"

namespace drover {

namespace {

double ms(std::uint64_t nanos) {
  return static_cast<double>(nanos) / 1e6;
}

}  // namespace

LatencySummary summarize(const LatencyHistogram& h) {
  LatencySummary s;
  s.count = h.count();
  if (s.count == 0) return s;
  s.min_ms = ms(h.min());
  s.mean_ms = h.mean() / 1e6;
  s.p50_ms = ms(h.percentile(50));
  s.p90_ms = ms(h.percentile(90));
  s.p99_ms = ms(h.percentile(99));
  s.p999_ms = ms(h.percentile(99.9));
  s.max_ms = ms(h.max());
  return s;
}

std::vector<Percentile> percentile_points(const LatencyHistogram& h) {
  std::vector<Percentile> out;
  if (h.count() == 0) return out;
  for (double p : {0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 75.0, 80.0, 90.0, 95.0, 99.0,
                   99.9, 99.99, 99.999, 100.0}) {
    out.push_back({p, ms(p == 0.0 ? h.min() : h.percentile(p))});
  }
  return out;
}

}  // namespace drover
