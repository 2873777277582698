// The cost of recording one latency, and of merging and reading percentiles.
#include <random>

#include <benchmark/benchmark.h>

#include "harness/measure/histogram.hpp"
#include "harness/measure/recorder.hpp"

namespace {

std::vector<std::uint64_t> sample_latencies(std::size_t n) {
  std::mt19937_64 rng(1);
  std::lognormal_distribution<double> d(std::log(50e3), 1.0);
  std::vector<std::uint64_t> v(n);
  for (auto& x : v) x = static_cast<std::uint64_t>(d(rng));
  return v;
}

void BM_HistogramRecord(benchmark::State& state) {
  drover::LatencyHistogram h;
  auto values = sample_latencies(4096);
  std::size_t i = 0;
  for (auto _ : state) {
    h.record(values[i++ & 4095]);
  }
  benchmark::DoNotOptimize(h.count());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HistogramRecord);

void BM_RecorderRecord(benchmark::State& state) {
  auto start = drover::Clock::now();
  drover::Recorder r(4, start);
  auto values = sample_latencies(4096);
  std::size_t i = 0;
  auto now = start;
  for (auto _ : state) {
    std::uint64_t v = values[i++ & 4095];
    now += std::chrono::nanoseconds(v / 64);
    r.record(i & 3, drover::Outcome::kOk, std::chrono::nanoseconds(v), now);
  }
  benchmark::DoNotOptimize(&r);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RecorderRecord);

void BM_HistogramPercentile(benchmark::State& state) {
  drover::LatencyHistogram h;
  for (auto v : sample_latencies(static_cast<std::size_t>(state.range(0)))) h.record(v);
  for (auto _ : state) benchmark::DoNotOptimize(h.percentile(99.9));
}
BENCHMARK(BM_HistogramPercentile)->Range(1 << 10, 1 << 20);

void BM_HistogramMerge(benchmark::State& state) {
  drover::LatencyHistogram a, b;
  for (auto v : sample_latencies(100000)) b.record(v);
  for (auto _ : state) a.merge(b);
}
BENCHMARK(BM_HistogramMerge);

}  // namespace

BENCHMARK_MAIN();
