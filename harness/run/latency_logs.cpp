// The run's latency, lossless, in its folder as HdrHistogram interval logs
// (harness/measure/hdr_log.hpp):
//   latency-seconds.hlog  each second's histogram of each op (tag FLEET/OP),
//                         streamed as seconds close
//   latency-run.hlog      the whole run's, per fleet (tag FLEET) and per op
#include <chrono>

#include <fmt/format.h>

#include "harness/run/run.hpp"

namespace drover {

namespace {

constexpr auto kTakeSecondsInterval = std::chrono::seconds(1);

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

void Run::plan_seconds_log() {
  std::vector<std::string> tags(slot_count_);
  for (const FleetSlots& fleet : slots_) {
    for (std::size_t i = 0; i < fleet.op_names.size(); ++i)
      tags[fleet.first_slot + i] = fleet.name + "/" + fleet.op_names[i];
  }
  seconds_ = std::make_unique<SecondsLog>(std::move(tags));
  // Agents send their seconds when their load ends: with fleets on hosts,
  // the run's seconds close only then.
  for (const FleetSpec& fleet : scenario_.fleets) streams_seconds_ &= fleet.hosts.empty();
}

// Called as the first load phase starts: the log's intervals count from
// its start.
void Run::open_seconds_log() {
  const std::string path = options_.run_dir + "/" + std::string(kSecondsLogFile);
  if (auto opened = seconds_->write_to(path, unix_now()); !opened) {
    throw std::runtime_error(opened.error());
  }
}

// Each second, the seconds the load threads have finished go to the log,
// but for the last one, which a thread may still be adding to.
void Run::take_seconds(LoadRun& load, TimePoint now) {
  if (!streams_seconds_ || now - last_seconds_taken_ < kTakeSecondsInterval) return;
  last_seconds_taken_ = now;
  auto current = static_cast<std::size_t>((now - load.load_start()) / std::chrono::seconds(1));
  seconds_->add_all(load.take_seconds_before(current), second_offset_);
  if (current > 0) seconds_->close_before(second_offset_ + current - 1);
}

void Run::write_run_log() {
  seconds_->close_all();
  result_.series = seconds_->series();
  const std::string path = options_.run_dir + "/" + std::string(kRunLogFile);
  auto writer = IntervalLogWriter::open(path, unix_now() - to_seconds(load_duration_));
  if (!writer) throw std::runtime_error(writer.error());
  const double length = to_seconds(load_duration_);
  for (const FleetSlots& fleet : slots_) {
    LatencyHistogram whole;
    for (std::size_t i = 0; i < fleet.op_names.size(); ++i)
      whole.merge(recording_.slots.at(fleet.first_slot + i).latency);
    writer->write(fleet.name, 0, length, whole);
    for (std::size_t i = 0; i < fleet.op_names.size(); ++i) {
      writer->write(fleet.name + "/" + fleet.op_names[i], 0, length,
                    recording_.slots.at(fleet.first_slot + i).latency);
    }
  }
}

}  // namespace drover
