// Checking a recorded history: reading history.jsonl and running one
// checker over it, for histories of 1 and 10 million operations (each
// operation is an invoke and a completion event). The files are written
// once per size, outside the timed part, into the temp folder.
//
//   build/tests/bench/history_check_bench --benchmark_filter=/10000000
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>

#include <benchmark/benchmark.h>

#include "harness/checks/checker.hpp"
#include "harness/history/history_log.hpp"

namespace {

using drover::Event;
using drover::EventType;
using drover::EventValue;

enum class Kind { kTickets, kQueue, kPool };

// Operations as the drivers record them; every item distinct, so the
// checkers hold one entry per operation at most.
void write_history(const std::string& path, Kind kind, std::int64_t ops) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  std::string line;
  for (std::int64_t i = 0; i < ops; ++i) {
    auto client = static_cast<std::uint32_t>(i % 256);
    std::uint64_t t = static_cast<std::uint64_t>(i) * 1000;
    Event invoke, done;
    switch (kind) {
      case Kind::kTickets:
        invoke = {t, client, EventType::kInvoke, "buyers", "buy", EventValue::of("b7")};
        done = {t + 500, client, EventType::kOk, "buyers", "buy", EventValue::of(ops - i)};
        break;
      case Kind::kQueue: {
        std::string item =
            "producers-" + std::to_string(i / 2 % 256) + "-" + std::to_string(i / 512);
        const char* f = i % 2 == 0 ? "put" : "get";
        invoke = {t,
                  client,
                  EventType::kInvoke,
                  i % 2 == 0 ? "producers" : "consumers",
                  f,
                  i % 2 == 0 ? EventValue::of(item) : EventValue{}};
        done = {t + 500, client, EventType::kOk, invoke.fleet, f, EventValue::of(item)};
        break;
      }
      case Kind::kPool:
        invoke = {t,
                  client,
                  EventType::kInvoke,
                  "submitters",
                  "submit",
                  EventValue::of(std::vector<std::int64_t>{i, 7})};
        done = {t + 500,
                client,
                EventType::kOk,
                "submitters",
                "submit",
                EventValue::of(std::vector<std::int64_t>{i, 7, 49, 100 + i % 4,
                                                         static_cast<std::int64_t>(t) / 1000,
                                                         static_cast<std::int64_t>(t) / 1000 + 1})};
        break;
    }
    line.clear();
    drover::append_event_json(line, invoke);
    line += '\n';
    drover::append_event_json(line, done);
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), f);
  }
  // The target's final state, as drover records it after the load: without
  // it the tickets and queue checkers call their invariant unknown.
  line.clear();
  const auto end = static_cast<std::uint64_t>(ops) * 1000;
  if (kind == Kind::kTickets) {
    drover::append_event_json(
        line, {end, 0, EventType::kOk, "@tickets", "audit", EventValue::of(std::int64_t{0})});
  } else if (kind == Kind::kQueue) {
    drover::append_event_json(line, {end, 0, EventType::kOk, "@queue", "stats",
                                     EventValue::of(std::vector<std::int64_t>{0, 1, 0, 0, 0})});
  }
  if (!line.empty()) line += '\n';
  std::fwrite(line.data(), 1, line.size(), f);
  // Written back before the timing starts: the kernel's write-back of 2 GB
  // would otherwise run during the check and be counted against it.
  std::fflush(f);
  fsync(fileno(f));
  std::fclose(f);
}

const std::string& history_file(Kind kind, std::int64_t ops) {
  static std::map<std::pair<int, std::int64_t>, std::string> files;
  auto key = std::make_pair(static_cast<int>(kind), ops);
  auto it = files.find(key);
  if (it != files.end()) return it->second;
  std::string path = (std::filesystem::temp_directory_path() /
                      ("drover-bench-history-" + std::to_string(getpid()) + "-" +
                       std::to_string(key.first) + "-" + std::to_string(ops) + ".jsonl"))
                         .string();
  write_history(path, kind, ops);
  return files.emplace(key, path).first->second;
}

drover::CheckerPtr make_checker(Kind kind, std::int64_t ops) {
  switch (kind) {
    case Kind::kTickets:
      return drover::make_no_oversell_checker({"tickets", {"buyers"}}, ops);
    case Kind::kQueue:
      return drover::make_exactly_once_checker({"queue", {"producers", "consumers"}}, 16);
    case Kind::kPool:
      return drover::make_pool_complete_checker({"pool", {"submitters"}}, 4);
  }
  return nullptr;
}

void check(benchmark::State& state, Kind kind) {
  std::int64_t ops = state.range(0);
  const std::string& path = history_file(kind, ops);
  double read_s = 0, decide_s = 0;
  for (auto _ : state) {
    auto checker = make_checker(kind, ops);
    auto start = std::chrono::steady_clock::now();
    auto history = drover::read_history(path, [&](const Event& e) { checker->observe(e); });
    auto read = std::chrono::steady_clock::now();
    auto result = checker->result();
    auto decided = std::chrono::steady_clock::now();
    read_s += std::chrono::duration<double>(read - start).count();
    decide_s += std::chrono::duration<double>(decided - read).count();
    if (!history || !result.ok) {
      state.SkipWithError(((history ? "" : history.error()) + result.detail).c_str());
    }
  }
  // Where the time goes: parsing and observing the events, then the
  // checker's verdict (sorting and matching).
  state.counters["read_s"] = read_s / static_cast<double>(state.iterations());
  state.counters["decide_s"] = decide_s / static_cast<double>(state.iterations());
  state.SetItemsProcessed(state.iterations() * ops);
  state.counters["file_MB"] = static_cast<double>(std::filesystem::file_size(path)) / 1e6;
}

void BM_CheckNoOversell(benchmark::State& s) {
  check(s, Kind::kTickets);
}
void BM_CheckExactlyOnce(benchmark::State& s) {
  check(s, Kind::kQueue);
}
void BM_CheckPoolComplete(benchmark::State& s) {
  check(s, Kind::kPool);
}

// Reading the pool history with no checker: the floor the checkers stand on.
void BM_ReadPoolHistory(benchmark::State& state) {
  const std::string& path = history_file(Kind::kPool, state.range(0));
  for (auto _ : state) {
    std::uint64_t events = 0;
    auto read = drover::read_history(path, [&](const Event&) { ++events; });
    if (!read) state.SkipWithError(read.error().c_str());
    benchmark::DoNotOptimize(events);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

BENCHMARK(BM_ReadPoolHistory)->Arg(10'000'000)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_CheckNoOversell)
    ->Arg(100'000)
    ->Arg(10'000'000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->Repetitions(3)
    ->ReportAggregatesOnly(true);
BENCHMARK(BM_CheckExactlyOnce)
    ->Arg(100'000)
    ->Arg(10'000'000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->Repetitions(3)
    ->ReportAggregatesOnly(true);
BENCHMARK(BM_CheckPoolComplete)
    ->Arg(100'000)
    ->Arg(10'000'000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->Repetitions(3)
    ->ReportAggregatesOnly(true);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  for (const auto& entry :
       std::filesystem::directory_iterator(std::filesystem::temp_directory_path())) {
    if (entry.path().filename().string().rfind("drover-bench-history-" + std::to_string(getpid()),
                                               0) == 0) {
      std::filesystem::remove(entry.path());
    }
  }
}
