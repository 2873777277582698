// What an agent recorded, as the file it leaves for drover
// (<out>/recording.json): per op of its fleet the totals, the whole
// latency histogram and the failure examples, and the per-second series, so drover merges
// histograms and computes percentiles once over every host, never averaging them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "harness/core/clock.hpp"
#include "harness/measure/recorder.hpp"

namespace drover {

struct AgentRecording {
  std::vector<std::string> op_names;  // the driver's, one slot each, in order
  Recording recording;                // slots in op_names order
  Duration load_duration{};           // from its load's start to its last client's end
  Duration go_to_start{};             // from the go signal to its load's start
  std::uint64_t history_events = 0;   // lines it wrote to history.jsonl
  bool stopped_early = false;         // by drover (SIGTERM) or by its bound
};

// One line of JSON. The agent also prints one after "FIGURES " on stdout
// every second while its load runs: its totals so far (no series), which
// drover shows live.
std::string recording_to_json(const AgentRecording& recording);
// Throws std::runtime_error naming what is missing or wrong.
AgentRecording recording_from_json(std::string_view text);

}  // namespace drover
