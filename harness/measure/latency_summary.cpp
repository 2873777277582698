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

}  // namespace drover
