// The run's fifth phase: what the load left, as the run's figures, and the
// targets' final states in the history.
#include <algorithm>

#include "harness/drivers/final_state.hpp"
#include "harness/run/run.hpp"

namespace drover {

void Run::collect() {
  fill_figures(result_, recording_, slots_, load_duration_);
  write_run_log();
  add_failure_examples();
  add_host_figures();
  if (history_) {
    record_final_states();
    history_->close();
  }
}

// The examples the drivers kept of each op's failures, by class, each
// naming its fleet and op.
void Run::add_failure_examples() {
  for (std::size_t f = 0; f < slots_.size() && f < result_.fleets.size(); ++f) {
    const FleetSlots& fleet = slots_[f];
    for (std::size_t i = 0; i < fleet.op_names.size(); ++i) {
      OpResult& op = result_.fleets[f].ops.at(i);
      op.failures.clear();
      for (const FailureSamples& samples : recording_.slots.at(fleet.first_slot + i).failures) {
        if (samples.count == 0) continue;
        FailureSamples named = samples;
        for (auto* list : {&named.first, &named.sampled}) {
          for (FailureExample& e : *list) {
            e.fleet = fleet.name;
            e.op = op.name;
          }
        }
        op.failures.push_back(std::move(named));
      }
    }
  }
}

// Each fleet share an agent ran on a host, figured from its own recording.
void Run::add_host_figures() {
  for (const ShareRecording& share : shares_) {
    RunResult alone;
    fill_figures(alone, share.recording, slots_, share.load_duration);
    for (std::size_t i = 0; i < alone.fleets.size() && i < result_.fleets.size(); ++i) {
      if (alone.fleets[i].name != share.fleet) continue;
      const FleetResult& f = alone.fleets[i];
      result_.fleets[i].hosts.push_back(
          {share.host, share.clients, f.totals, f.latency, f.rate_per_s});
    }
  }
}

// The final state of every correctness target the fleets drove, as history.
void Run::record_final_states() {
  HistoryLog::Buffer& buffer = history_->new_buffer();
  for (const TargetSpec& target : scenario_.targets) {
    Duration timeout = std::chrono::seconds(5);
    bool driven = false;
    for (const FleetSpec& fleet : scenario_.fleets) {
      if (fleet.target != target.name) continue;
      driven = true;
      timeout = std::max<Duration>(timeout, fleet.longest_timeout());
    }
    if (!driven) continue;
    record_final_state(target.protocol, supervisor_.address_of(target.name), target.name, buffer,
                       load_start_, timeout);
  }
}

}  // namespace drover
