// The cost of matching UDP replies to requests on a shared socket: one
// request registered and its reply found, with `range` requests
// outstanding, and a wrong reply found by its resemblance (the rare path).
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "harness/core/payload_template.hpp"
#include "harness/drivers/expectation.hpp"
#include "harness/drivers/reply_matcher.hpp"

namespace {

using drover::ReplyMatcher;

// Replies for every op, rendered as a 64-byte random payload upper-cased.
std::vector<std::string> replies(std::size_t ops) {
  auto t = *drover::PayloadTemplate::compile("{random:64}");
  drover::Expectation expect_upper;
  expect_upper.kind = drover::Expectation::Kind::kUpper;
  drover::ReplyCheck upper(expect_upper);
  std::uint64_t rng = 88172645463325252ULL;
  std::vector<std::string> out(ops);
  std::string request;
  for (std::size_t i = 0; i < ops; ++i) {
    t.render(request, 1, i, rng);
    upper.expected_reply(request, 1, i, 0, out[i]);
  }
  return out;
}

void BM_BeginAndMatch(benchmark::State& state) {
  auto ops = static_cast<std::size_t>(state.range(0));
  ReplyMatcher m(ops);
  std::vector<std::string> r = replies(ops * 2);
  // Every op outstanding; each iteration answers one and starts it again
  // with the other of its two payloads.
  for (std::uint32_t op = 0; op < ops; ++op) {
    m.expected(op) = r[op];
    m.begin(op);
  }
  std::size_t i = 0;
  std::vector<char> turn(ops, 0);
  for (auto _ : state) {
    auto op = static_cast<std::uint32_t>(i);
    benchmark::DoNotOptimize(m.match(r[op + (turn[op] ? ops : 0)]));
    turn[op] ^= 1;
    m.expected(op) = r[op + (turn[op] ? ops : 0)];
    m.begin(op);
    i = i + 1 == ops ? 0 : i + 1;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_BeginAndMatch)->Arg(16)->Arg(128)->Arg(1024);

void BM_MatchCorrupted(benchmark::State& state) {
  auto ops = static_cast<std::size_t>(state.range(0));
  ReplyMatcher m(ops);
  std::vector<std::string> r = replies(ops);
  for (auto _ : state) {
    state.PauseTiming();
    for (std::uint32_t op = 0; op < ops; ++op) {
      m.expected(op) = r[op];
      m.begin(op);
    }
    std::string wrong = r[ops / 2];
    wrong[0] = '#';
    state.ResumeTiming();
    benchmark::DoNotOptimize(m.match(wrong));
  }
}
BENCHMARK(BM_MatchCorrupted)->Arg(128);

}  // namespace

BENCHMARK_MAIN();
