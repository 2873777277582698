// Where one client records what it did: each operation's outcome and latency
// into its thread's Recorder, and for correctness workloads each operation's
// invoke / ok / fail / info events into the run's history.
//
// Not thread-safe: one per client, used on the client's io thread.
#pragma once

#include <cstdint>
#include <string>

#include "harness/history/history_log.hpp"
#include "harness/measure/recorder.hpp"

namespace drover {

class ClientLog {
 public:
  ClientLog(Recorder* recorder, HistoryLog::Buffer* history, std::size_t first_slot,
            std::uint32_t client, std::uint64_t index_in_fleet, std::string fleet,
            const TimePoint& load_start, std::uint64_t seed = 0)
      : recorder_(recorder),
        history_(history),
        first_slot_(first_slot),
        client_(client),
        index_in_fleet_(index_in_fleet),
        fleet_(std::move(fleet)),
        load_start_(&load_start),
        random_seed_(mix(seed ^ (std::uint64_t{client} + 1) * 0x9E3779B97F4A7C15ULL)) {}

  // The op_index-th operation of the driver ended with outcome.
  void op(std::size_t op_index, Outcome outcome, TimePoint started, TimePoint ended) {
    if (recorder_) recorder_->record(first_slot_ + op_index, outcome, ended - started, ended);
  }
  // A failed operation: recorded as op() records it, and when this thread's
  // sample of its class keeps it (failure_samples.hpp), described by
  // describe(FailureExample&), which fills request, expected, received and
  // rule; time, fleet and client are filled here. Drivers call this only
  // when an operation failed, so the success path copies nothing.
  template <typename Describe>
  void failed(std::size_t op_index, Outcome outcome, TimePoint started, TimePoint ended,
              Describe&& describe) {
    op(op_index, outcome, started, ended);
    if (!recorder_) return;
    FailureExample* example = recorder_->sample_failure(first_slot_ + op_index, outcome);
    if (!example) return;
    *example = FailureExample{};
    example->t_ms = std::chrono::duration<double, std::milli>(ended - *load_start_).count();
    example->fleet = fleet_;
    example->client = index_in_fleet_;
    describe(*example);
  }

  // An HTTP response of the op_index-th operation, by its status class.
  void status_class(std::size_t op_index, int status_class) {
    if (recorder_) recorder_->record_status_class(first_slot_ + op_index, status_class);
  }

  // A TLS handshake that succeeded, on a connection opened for the
  // op_index-th operation.
  void handshake(std::size_t op_index, Duration took, bool resumed) {
    if (recorder_) recorder_->record_handshake(first_slot_ + op_index, took, resumed);
  }

  void late_reply(std::size_t op_index) {
    if (recorder_) recorder_->record_late_reply(first_slot_ + op_index);
  }

  void event(EventType type, const char* f, EventValue value) {
    if (!history_) return;
    auto t = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - *load_start_);
    history_->record({static_cast<std::uint64_t>(t.count() < 0 ? 0 : t.count()), client_, type,
                      fleet_, f, std::move(value)});
  }

  std::uint32_t client() const { return client_; }
  std::uint64_t index_in_fleet() const { return index_in_fleet_; }
  const std::string& fleet() const { return fleet_; }
  // Where this client's randomness (payload filler, task sizes) starts: from
  // the run's seed and the client's id, never 0, so a run can be repeated.
  std::uint64_t random_seed() const { return random_seed_; }
  // Where this client's draws from its fleet's mix of ops start: a stream of
  // its own, so drawing ops leaves the payload filler as it was.
  std::uint64_t op_draw_seed() const { return mix(random_seed_ ^ 0xD1B54A32D192ED03ULL); }

 private:
  Recorder* recorder_;
  HistoryLog::Buffer* history_;
  std::size_t first_slot_;
  std::uint32_t client_;
  std::uint64_t index_in_fleet_;
  std::string fleet_;
  const TimePoint* load_start_;  // read when recording, as Recorder does
  std::uint64_t random_seed_;

  static std::uint64_t mix(std::uint64_t z) {  // splitmix64's finaliser
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return z ? z : 1;
  }
};

}  // namespace drover
