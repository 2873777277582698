// The cost of asking a load model when the next operation starts: the open
// models' ArrivalSchedule::next() over a constant rate and over a staged
// ramp (RateProfile::time_of walks the stages from the first, so the cost
// grows with the stage the schedule is in), and the closed loop's
// ClientPacer::next() without and with stages of ramping clients. Each is
// paid once per operation (open: by a fleet's dispatcher on one thread).
#include <benchmark/benchmark.h>

#include <chrono>

#include "harness/load/arrivals.hpp"
#include "harness/load/closed_loop.hpp"

namespace {

using drover::Duration;
using std::chrono::hours;
using std::chrono::seconds;

const drover::TimePoint kStart = drover::Clock::now();

void BM_ArrivalsConstantRate(benchmark::State& state) {
  // Long enough never to run out: 50k/s for 10,000 hours.
  auto profile = drover::RateProfile::constant(50'000, hours(10'000));
  drover::ArrivalSchedule schedule(profile, kStart, 0, 1);
  for (auto _ : state) benchmark::DoNotOptimize(schedule.next());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ArrivalsConstantRate);

// range(0) stages in all: range(0) - 1 one-second steps of rising rate, then
// a ramp that never ends, where every measured next() lands, after walking
// all the earlier stages.
void BM_ArrivalsStagedRamp(benchmark::State& state) {
  const auto stages = static_cast<int>(state.range(0));
  std::vector<std::pair<Duration, double>> ramp;
  for (int i = 1; i < stages; ++i) ramp.emplace_back(seconds(1), 100.0 * i);
  ramp.emplace_back(hours(10'000), 50'000);
  auto profile = drover::RateProfile::stages(0, ramp);
  drover::ArrivalSchedule schedule(profile, kStart, 0, 1);
  // Past the short stages before measuring.
  const double before_last = 100.0 * (stages - 1) * (stages - 1) / 2 + 1;
  for (double n = 0; n < before_last; ++n) schedule.next();
  for (auto _ : state) benchmark::DoNotOptimize(schedule.next());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ArrivalsStagedRamp)->Arg(1)->Arg(3)->Arg(16)->Arg(64);

// A client that is never idle: each next() gets the time the previous
// operation ended, 100 µs after the last, from `from` on.
void run_pacer(benchmark::State& state, drover::ClosedLoop& model, std::size_t client,
               Duration from) {
  auto pacer = model.pacer_for(client, kStart);
  drover::TimePoint now = kStart + from;
  for (auto _ : state) {
    now += std::chrono::microseconds(100);
    benchmark::DoNotOptimize(pacer->next(now));
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_ClosedLoopPacer(benchmark::State& state) {
  drover::LoadSpec spec;
  spec.duration = hours(10'000);
  drover::ClosedLoop model(spec);
  run_pacer(state, model, 0, Duration(0));
}
BENCHMARK(BM_ClosedLoopPacer);

// Closed stages: range(0) stages in all, range(0) - 1 one-second steps of
// rising client count, then one that never ends, where every measured next()
// is: client 10 asks the profile from which time on the count is above it,
// walking all the earlier stages.
void BM_ClosedLoopPacerStages(benchmark::State& state) {
  const auto stages = static_cast<int>(state.range(0));
  drover::LoadSpec spec;
  spec.start_clients = 100;
  for (int i = 1; i < stages; ++i) spec.stages.push_back({seconds(1), 100.0 + i});
  spec.stages.push_back({hours(10'000), 1000});
  spec.duration = seconds(stages - 1) + hours(10'000);
  drover::ClosedLoop model(spec);
  run_pacer(state, model, 10, seconds(stages - 1));
}
BENCHMARK(BM_ClosedLoopPacerStages)->Arg(1)->Arg(3)->Arg(16)->Arg(64);

}  // namespace

BENCHMARK_MAIN();
