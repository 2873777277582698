// The run's seconds as they close: each (second, op)'s latency histogram
// streamed to an HdrHistogram interval log, the run's per-second series,
// and whoever watches closed seconds (windowed thresholds). What a run
// holds in memory stays the same size however long it runs: a second is
// forgotten once closed, apart from its few figures in the series.
//
// The run's thread adds the seconds the recorders give up (Recorder::
// take_seconds_before) and closes those no recorder can still add to. A
// second added after it closed (a recorder that fell behind) still reaches
// the log, as one more line for that interval, and the series' counts;
// late_adds() says how often.
//
// Not thread-safe: one thread adds and closes.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/core/expected.hpp"
#include "harness/core/run_result.hpp"
#include "harness/measure/hdr_log.hpp"
#include "harness/measure/recorder.hpp"

namespace drover {

// The run folder's latency logs: each second's histogram of each op, and
// the whole run's of each fleet and op.
inline constexpr std::string_view kSecondsLogFile = "latency-seconds.hlog";
inline constexpr std::string_view kRunLogFile = "latency-run.hlog";

class SecondsLog {
 public:
  // tags: each slot's tag in the log, "fleet/op".
  explicit SecondsLog(std::vector<std::string> tags);

  // From now on closed seconds go to path too; start_unix_s is when the
  // load started, which the log's intervals count from.
  Expected<void> write_to(const std::string& path, double start_unix_s);

  // Called with each second as it closes, its slots' histograms (one per
  // slot, empty where the slot answered nothing).
  using Listener = std::function<void(std::size_t second, const std::vector<LatencyHistogram>&)>;
  void on_closed(Listener listener) { listener_ = std::move(listener); }

  void add(std::size_t second, const SecondRecording& recorded);
  void add_all(const std::map<std::size_t, SecondRecording>& seconds, std::size_t offset = 0);
  // Closes every second before `second`, in order; seconds without
  // operations in between get an empty sample in the series.
  void close_before(std::size_t second);
  void close_all();

  const std::vector<SecondSample>& series() const { return series_; }
  std::size_t late_adds() const { return late_adds_; }

 private:
  void close(std::size_t second, const SecondRecording* recorded);
  void write_late(std::size_t second, const SecondRecording& recorded);

  std::vector<std::string> tags_;
  std::optional<IntervalLogWriter> writer_;
  Listener listener_;
  std::map<std::size_t, SecondRecording> open_;
  std::size_t closed_before_ = 0;  // every second below this is closed
  std::vector<SecondSample> series_;
  std::vector<LatencyHistogram> slot_histograms_;  // reused for each second
  std::size_t late_adds_ = 0;
};

}  // namespace drover
