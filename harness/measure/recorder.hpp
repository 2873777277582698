// Where operations are counted and timed. Each io thread owns one Recorder
// and records without locks; the runner merges them into a Recording when the
// load has stopped. Operations are grouped in slots, one per (fleet, op),
// numbered by the runner.
//
// Each slot also keeps examples of its failed operations per error class
// (failure_samples.hpp), written by the driver that failed.
//
// Thread-safety: everything only from the owning thread; others read a
// running recorder through add_totals_to() posted to that thread
// (LoadRun::snapshot).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <vector>

#include "harness/core/clock.hpp"
#include "harness/core/outcome.hpp"
#include "harness/core/run_result.hpp"
#include "harness/measure/failure_samples.hpp"
#include "harness/measure/histogram.hpp"

namespace drover {

struct SlotRecording {
  OpTotals totals;
  LatencyHistogram latency;     // answered operations (ok and wrong replies)
  LatencyHistogram handshakes;  // TLS handshakes that succeeded
  // Live figures only (LoadRun::snapshot): operations begun and not yet
  // finished when the totals were taken. Zero once the load has stopped.
  std::uint64_t inflight = 0;
  // Examples of failed operations, indexed by Outcome (kOk's stays empty).
  // Not in live snapshots.
  std::array<FailureSamples, kOutcomeCount> failures{};
};

// One slot's answered operations in one second, as sparse buckets.
struct SlotSecond {
  std::uint32_t slot = 0;
  std::vector<LatencyHistogram::Bucket> latency;
};

struct SecondRecording {
  std::uint64_t ops = 0;
  std::uint64_t errors = 0;
  std::vector<SlotSecond> latency;  // the slots with answered operations
};

// Adds from's figures to into (its slots' buckets after into's).
void add_second(SecondRecording& into, const SecondRecording& from);

// Everything recorded in a run, merged across threads.
struct Recording {
  std::vector<SlotRecording> slots;
  // By second since the load started; seconds without operations are left
  // out. A run streams its seconds out as it goes (SecondsLog), so this
  // holds only those not yet taken.
  std::map<std::size_t, SecondRecording> seconds;
};

// Adds one recording to another, its seconds shifted by second_offset (the
// capacity search runs its steps one after another).
void append_recording(Recording& into, const Recording& from, std::size_t second_offset);

class Recorder {
 public:
  // load_start is read on every record, not copied: whoever owns it may set
  // it once everything is ready, before the first operation is recorded.
  // sample_seed starts the random state of the failure samples (the run's
  // seed, mixed with something that tells the recorders apart).
  Recorder(std::size_t slot_count, const TimePoint& load_start, std::uint64_t sample_seed = 0);

  // latency is measured from the operation's intended start; finished is
  // when its outcome was known.
  void record(std::size_t slot, Outcome outcome, Duration latency, TimePoint finished) {
    SlotRecording& s = slots_[slot];
    ++s.totals.by_outcome[static_cast<std::size_t>(outcome)];
    bool answered = outcome == Outcome::kOk || outcome == Outcome::kWrongReply;
    auto nanos = static_cast<std::uint64_t>(latency.count() < 0 ? 0 : latency.count());
    if (answered) s.latency.record(nanos);

    auto second = static_cast<std::size_t>((finished - *load_start_) / std::chrono::seconds(1));
    if (second != current_second_) roll_to(second);
    ++current_ops_;
    if (answered) {
      LatencyHistogram& h = current_latency_[slot];
      if (h.count() == 0) current_slots_.push_back(static_cast<std::uint32_t>(slot));
      h.record(nanos);
    }
    if (outcome != Outcome::kOk) ++current_errors_;
  }

  // For a failure just record()ed: where its example goes (to be
  // overwritten whole), or null when the slot's sample of its class passes
  // it by, so the caller builds nothing.
  FailureExample* sample_failure(std::size_t slot, Outcome outcome) {
    FailureSamples& samples = slots_[slot].failures[static_cast<std::size_t>(outcome)];
    samples.outcome = outcome;
    return keep_failure(samples, kFailureSampleSizes, sample_random_);
  }

  // Brackets one client iteration (one operation, or a driver's few in a
  // row), so a snapshot can tell how many are under way.
  void operation_begun(std::size_t slot) { ++slots_[slot].inflight; }
  void operation_ended(std::size_t slot) { --slots_[slot].inflight; }

  void record_late_reply(std::size_t slot) { ++slots_[slot].totals.late_replies; }
  void record_missed_start(std::size_t slot) { ++slots_[slot].totals.missed_starts; }
  // An HTTP response of status class status_class (1 for 1xx ... 5).
  void record_status_class(std::size_t slot, int status_class) {
    if (status_class >= 1 && status_class <= 5)
      ++slots_[slot].totals.status_classes[static_cast<std::size_t>(status_class - 1)];
  }

  // A TLS handshake that succeeded, on a connection opened for an
  // operation of slot.
  void record_handshake(std::size_t slot, Duration took, bool resumed) {
    SlotRecording& s = slots_[slot];
    ++s.totals.tls_handshakes;
    if (resumed) ++s.totals.tls_resumed;
    s.handshakes.record(static_cast<std::uint64_t>(took.count() < 0 ? 0 : took.count()));
  }

  // Adds this recorder's figures to into (which it sizes on first use).
  // Call once the owning thread has stopped recording.
  void merge_into(Recording& into);
  // Moves the seconds before `second` (since the load started) into into,
  // and forgets them, so that a long run's recorder stays small. Call on
  // the owning thread, between records.
  void take_seconds_before(std::size_t second, std::map<std::size_t, SecondRecording>& into);
  // Adds the totals so far, without the per-second series, to slots (which
  // it sizes on first use). Call on the owning thread, between records.
  void add_totals_to(std::vector<SlotRecording>& slots) const;

 private:
  void roll_to(std::size_t second);
  void flush_second();

  std::vector<SlotRecording> slots_;
  const TimePoint* load_start_;
  std::uint64_t sample_random_;
  std::size_t current_second_ = 0;
  std::uint64_t current_ops_ = 0;
  std::uint64_t current_errors_ = 0;
  std::vector<LatencyHistogram> current_latency_;  // per slot
  std::vector<std::uint32_t> current_slots_;       // those with answered operations
  std::map<std::size_t, SecondRecording> seconds_;
};

}  // namespace drover
