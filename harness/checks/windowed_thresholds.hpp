// Windowed thresholds: "latency.p99[30s]": "< 20ms" holds in every 30 s
// window of the run (sliding by a second), computed from the per-second
// histograms, as well as over the whole run (evaluate_thresholds). A run
// shorter than its window is one window.
//
// Fed one closed second at a time (SecondsLog's listener live, or the
// run folder's latency-seconds.hlog read back by `drover check`); holds
// only the last window's seconds of each threshold.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <optional>
#include <vector>

#include "harness/core/expected.hpp"
#include "harness/core/run_result.hpp"
#include "harness/measure/histogram.hpp"
#include "harness/scenario/scenario.hpp"

namespace drover {

class WindowedThresholds {
 public:
  // specs: the scenario's thresholds (those without a window are left
  // alone); slots_of(spec): the recording slots its scope covers.
  WindowedThresholds(const std::vector<ThresholdSpec>& specs,
                     const std::function<std::vector<std::size_t>(const ThresholdSpec&)>& slots_of);

  // One second, each slot's histogram (indexed by slot).
  void add_second(std::size_t second, const std::vector<LatencyHistogram>& slots);
  // The end of the run: a threshold that never saw a whole window is judged
  // on the seconds it saw.
  void finish();

  // What the windows did to the threshold results (evaluate_thresholds'
  // over the whole run, in the order of specs): a window that failed fails
  // its threshold, whose value becomes the worst window's.
  void apply(std::vector<ThresholdResult>& results) const;
  // The index (in specs) of a threshold with abort_on_fail whose latest
  // window failed, once its delay_abort_eval has passed (elapsed).
  std::optional<std::size_t> failing_abort(Duration elapsed) const;
  // The worst window so far of the threshold at index (in specs).
  std::optional<ThresholdResult> worst(std::size_t index) const;

 private:
  struct Tracker {
    std::size_t index = 0;  // in specs
    const ThresholdSpec* spec = nullptr;
    std::vector<std::size_t> slots;
    std::size_t seconds = 1;  // the window's length
    std::deque<std::vector<LatencyHistogram::Bucket>> window;
    std::size_t answered_seconds = 0;  // seconds of window with answers
    std::size_t window_start = 0;      // the second the deque's front is
    bool judged = false;               // a window was judged
    bool latest_failed = false;
    bool failed = false;
    double worst_value = 0;
    std::size_t worst_start = 0;
  };
  void judge(Tracker& t);

  std::vector<Tracker> trackers_;
  LatencyHistogram merged_;  // reused
};

// The windowed thresholds of specs judged from a run folder's
// latency-seconds.hlog alone (what `drover check` does): a result per
// windowed threshold, in the order of specs, ok unless a window failed
// (the whole run's figure is not in the log). An error names the file and
// line that cannot be read.
Expected<std::vector<ThresholdResult>> judge_windows_from_log(
    const std::vector<ThresholdSpec>& specs, const std::string& log_path);

}  // namespace drover
