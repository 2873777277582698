// One run of a validated scenario, from starting its targets to the checked
// result: start and watch targets, drive the fleets, check invariants and
// thresholds, stop everything. The result always comes back, also when a
// target would not start (verdict kError, exit code 3) or died mid-run.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "harness/core/run_result.hpp"
#include "harness/scenario/scenario.hpp"

namespace drover {

// One fleet's figures so far, for the progress display.
struct LiveFleet {
  std::string name;
  std::uint64_t ops = 0;
  std::uint64_t errors = 0;
  double rate_per_s = 0;       // over the last progress interval
  double p99_ms = 0;           // over the run so far
  std::uint64_t inflight = 0;  // operations under way now
};

struct LiveStatus {
  Duration elapsed{};
  Duration planned{};
  std::uint64_t ops = 0;
  std::uint64_t errors = 0;
  double rate_per_s = 0;  // over the last progress interval
  std::vector<LiveFleet> fleets;
};

struct RunOptions {
  std::string run_dir;      // created by the caller; logs/ goes inside
  std::string targets_dir;  // reference target executables
  std::string agent_path;   // drover-agent, uploaded to hosts that run fleets
  std::size_t threads = 0;  // io threads; 0: default_load_threads (load_threads.hpp)
  bool busy_poll = false;   // LoadThreads::busy_poll, for the threads on this machine
  Duration progress_interval = std::chrono::milliseconds(500);
  std::function<void(const LiveStatus&)> on_progress;
  // The figures so far (totals, per-op histograms, targets), every
  // figures_interval while the load runs, then once more with the final
  // figures, invariants and thresholds before the targets are stopped. For
  // metrics exporters: nothing is observed per operation. Called on the
  // runner's thread; keep it short. In a capacity search each step starts
  // from zero again.
  Duration figures_interval = std::chrono::seconds(1);
  std::function<void(const RunResult& so_far)> on_figures;
  // Set (from a signal watcher) to stop the load early; the run then ends
  // normally with interrupted = true.
  const std::atomic<bool>* interrupt = nullptr;
  // Set by a watchdog once the run has passed its bound: the load stops as
  // for an interrupt, and the run ends as an infrastructure failure.
  const std::atomic<bool>* overrun = nullptr;
  // Off only to measure what recording costs: history invariants are then
  // not checked at all.
  bool record_history = true;
  // Where all of the run's randomness (payload filler, task sizes) starts.
  std::uint64_t seed = 1;
  // Added to every started target's environment; by default
  // DROVER_RUN_DIR=<run_dir>, so every process of a run can be found.
  std::vector<std::pair<std::string, std::string>> env;
  // Each warning as it comes (a partition table a killed drover left
  // behind, removed; a log that stays behind), also kept in the result's
  // warnings. From whichever thread noticed it; keep it short.
  std::function<void(const Warning&)> on_warning;
};

RunResult run_scenario(const Scenario& scenario, const RunOptions& options);

}  // namespace drover
