#include "harness/measure/seconds_log.hpp"

#include "harness/measure/latency_summary.hpp"

namespace drover {

SecondsLog::SecondsLog(std::vector<std::string> tags)
    : tags_(std::move(tags)), slot_histograms_(tags_.size()) {}

Expected<void> SecondsLog::write_to(const std::string& path, double start_unix_s) {
  auto writer = IntervalLogWriter::open(path, start_unix_s);
  if (!writer) return unexpected(writer.error());
  writer_.emplace(std::move(*writer));
  return {};
}

void SecondsLog::add(std::size_t second, const SecondRecording& recorded) {
  if (second < closed_before_) {
    write_late(second, recorded);
    return;
  }
  add_second(open_[second], recorded);
}

void SecondsLog::add_all(const std::map<std::size_t, SecondRecording>& seconds,
                         std::size_t offset) {
  for (const auto& [second, recorded] : seconds) add(second + offset, recorded);
}

void SecondsLog::close_before(std::size_t second) {
  while (closed_before_ < second) {
    auto it = open_.find(closed_before_);
    close(closed_before_, it == open_.end() ? nullptr : &it->second);
    if (it != open_.end()) open_.erase(it);
    ++closed_before_;
  }
}

void SecondsLog::close_all() {
  if (!open_.empty()) close_before(open_.rbegin()->first + 1);
}

void SecondsLog::close(std::size_t second, const SecondRecording* recorded) {
  SecondSample sample;
  sample.second = static_cast<int>(second);
  for (LatencyHistogram& h : slot_histograms_) h.clear();
  LatencyHistogram all;
  if (recorded) {
    sample.ops = recorded->ops;
    sample.errors = recorded->errors;
    for (const SlotSecond& s : recorded->latency) {
      if (s.slot < slot_histograms_.size()) slot_histograms_[s.slot].add_buckets(s.latency);
      all.add_buckets(s.latency);
    }
  }
  LatencySummary figures = summarize(all);
  sample.p50_ms = figures.p50_ms;
  sample.p99_ms = figures.p99_ms;
  sample.max_ms = figures.max_ms;
  series_.push_back(sample);
  for (std::size_t slot = 0; writer_ && slot < slot_histograms_.size(); ++slot) {
    if (slot_histograms_[slot].count() == 0) continue;
    writer_->write(tags_[slot], static_cast<double>(second), 1.0, slot_histograms_[slot]);
  }
  if (listener_) listener_(second, slot_histograms_);
}

void SecondsLog::write_late(std::size_t second, const SecondRecording& recorded) {
  ++late_adds_;
  if (second < series_.size()) {
    series_[second].ops += recorded.ops;
    series_[second].errors += recorded.errors;
  }
  for (const SlotSecond& s : recorded.latency) {
    if (!writer_ || s.slot >= tags_.size()) continue;
    LatencyHistogram h;
    h.add_buckets(s.latency);
    writer_->write(tags_[s.slot], static_cast<double>(second), 1.0, h);
  }
}

}  // namespace drover
