// The cost of rendering one payload, the per-operation work before a send.
#include <benchmark/benchmark.h>

#include "harness/core/payload_template.hpp"
#include "harness/drivers/expectation.hpp"

namespace {

void BM_RenderPayload(benchmark::State& state) {
  auto t = *drover::PayloadTemplate::compile("hello {client}-{seq} {random:32}");
  std::string out;
  out.reserve(t.max_size());
  std::uint64_t rng = 88172645463325252ULL;
  std::uint64_t seq = 0;
  for (auto _ : state) {
    t.render(out, 17, seq++, rng);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RenderPayload);

void BM_CheckUpperReply(benchmark::State& state) {
  std::string request(64, 'a');
  std::string reply(64, 'A');
  drover::Expectation expect_upper;
  expect_upper.kind = drover::Expectation::Kind::kUpper;
  drover::ReplyCheck check(expect_upper);
  for (auto _ : state) benchmark::DoNotOptimize(check.matches(request, reply, 1, 1, 1));
}
BENCHMARK(BM_CheckUpperReply);

}  // namespace

BENCHMARK_MAIN();
