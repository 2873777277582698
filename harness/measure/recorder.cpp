#include "harness/measure/recorder.hpp"

namespace drover {

Recorder::Recorder(std::size_t slot_count, const TimePoint& load_start, std::uint64_t sample_seed)
    : slots_(slot_count), load_start_(&load_start), sample_random_(sample_seed) {}

namespace {

void merge_failures(SlotRecording& into, const SlotRecording& from, std::uint64_t& random) {
  for (std::size_t o = 0; o < kOutcomeCount; ++o) {
    into.failures[o].outcome = static_cast<Outcome>(o);
    merge_failure_samples(into.failures[o], from.failures[o], kFailureSampleSizes, random);
  }
}

}  // namespace

void Recorder::flush_second() {
  if (seconds_.size() <= current_second_) seconds_.resize(current_second_ + 1);
  SecondRecording& s = seconds_[current_second_];
  s.ops += current_ops_;
  s.errors += current_errors_;
  if (current_latency_.count() > 0) {
    auto buckets = current_latency_.nonzero_buckets();
    s.latency.insert(s.latency.end(), buckets.begin(), buckets.end());
    current_latency_.clear();
  }
  current_ops_ = 0;
  current_errors_ = 0;
}

void Recorder::roll_to(std::size_t second) {
  if (current_ops_ > 0) flush_second();
  current_second_ = second;
}

void append_recording(Recording& into, const Recording& from, std::size_t second_offset) {
  if (into.slots.size() < from.slots.size()) into.slots.resize(from.slots.size());
  for (std::size_t i = 0; i < from.slots.size(); ++i) {
    into.slots[i].totals += from.slots[i].totals;
    into.slots[i].latency.merge(from.slots[i].latency);
    into.slots[i].handshakes.merge(from.slots[i].handshakes);
    // The steps follow each other: one fixed state per step keeps a
    // repeated search's examples the same.
    std::uint64_t random = second_offset;
    merge_failures(into.slots[i], from.slots[i], random);
  }
  if (into.seconds.size() < second_offset + from.seconds.size()) {
    into.seconds.resize(second_offset + from.seconds.size());
  }
  for (std::size_t i = 0; i < from.seconds.size(); ++i) {
    SecondRecording& s = into.seconds[second_offset + i];
    s.ops += from.seconds[i].ops;
    s.errors += from.seconds[i].errors;
    s.latency.insert(s.latency.end(), from.seconds[i].latency.begin(),
                     from.seconds[i].latency.end());
  }
}

void Recorder::add_totals_to(std::vector<SlotRecording>& slots) const {
  if (slots.size() < slots_.size()) slots.resize(slots_.size());
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    slots[i].totals += slots_[i].totals;
    slots[i].latency.merge(slots_[i].latency);
    slots[i].handshakes.merge(slots_[i].handshakes);
    slots[i].inflight += slots_[i].inflight;
  }
}

void Recorder::merge_into(Recording& into) {
  if (current_ops_ > 0) flush_second();
  if (into.slots.size() < slots_.size()) into.slots.resize(slots_.size());
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    into.slots[i].totals += slots_[i].totals;
    into.slots[i].latency.merge(slots_[i].latency);
    into.slots[i].handshakes.merge(slots_[i].handshakes);
    merge_failures(into.slots[i], slots_[i], sample_random_);
  }
  if (into.seconds.size() < seconds_.size()) into.seconds.resize(seconds_.size());
  for (std::size_t i = 0; i < seconds_.size(); ++i) {
    into.seconds[i].ops += seconds_[i].ops;
    into.seconds[i].errors += seconds_[i].errors;
    into.seconds[i].latency.insert(into.seconds[i].latency.end(), seconds_[i].latency.begin(),
                                   seconds_[i].latency.end());
  }
}

}  // namespace drover
