#include "harness/measure/recorder.hpp"

namespace drover {

Recorder::Recorder(std::size_t slot_count, const TimePoint& load_start, std::uint64_t sample_seed)
    : slots_(slot_count),
      load_start_(&load_start),
      sample_random_(sample_seed),
      current_latency_(slot_count) {}

namespace {

void merge_failures(SlotRecording& into, const SlotRecording& from, std::uint64_t& random) {
  for (std::size_t o = 0; o < kOutcomeCount; ++o) {
    into.failures[o].outcome = static_cast<Outcome>(o);
    merge_failure_samples(into.failures[o], from.failures[o], kFailureSampleSizes, random);
  }
}

}  // namespace

void Recorder::flush_second() {
  SecondRecording& s = seconds_[current_second_];
  s.ops += current_ops_;
  s.errors += current_errors_;
  for (std::uint32_t slot : current_slots_) {
    s.latency.push_back({slot, current_latency_[slot].nonzero_buckets()});
    current_latency_[slot].clear();
  }
  current_slots_.clear();
  current_ops_ = 0;
  current_errors_ = 0;
}

void add_second(SecondRecording& into, const SecondRecording& from) {
  into.ops += from.ops;
  into.errors += from.errors;
  into.latency.insert(into.latency.end(), from.latency.begin(), from.latency.end());
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
  for (const auto& [second, s] : from.seconds) add_second(into.seconds[second_offset + second], s);
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
  for (const auto& [second, s] : seconds_) add_second(into.seconds[second], s);
  seconds_.clear();
}

void Recorder::take_seconds_before(std::size_t second,
                                   std::map<std::size_t, SecondRecording>& into) {
  if (current_second_ < second && current_ops_ > 0) flush_second();
  auto end = seconds_.lower_bound(second);
  for (auto it = seconds_.begin(); it != end; ++it) add_second(into[it->first], it->second);
  seconds_.erase(seconds_.begin(), end);
}

}  // namespace drover
