// What drover asks of one agent: one fleet's share of clients on one host,
// against a target address reachable from there, under the run's load model
// scaled to the share. drover writes the job as JSON next to the agent it
// uploads (drover-agent, built from the same sources), so the format is
// drover's own and checked, not a user's.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "harness/core/clock.hpp"
#include "harness/scenario/scenario.hpp"

namespace drover {

struct AgentJob {
  std::string host;  // the declared host it runs on, for messages
  FleetSpec fleet;   // clients: this share's; hosts: none
  Protocol protocol = Protocol::kTcp;
  std::string address;             // the target's "host:port", as the host reaches it
  LoadSpec load;                   // scaled to the share (scale_load)
  std::uint32_t first_client = 0;  // see FleetPlan
  std::uint64_t first_index = 0;
  std::uint64_t seed = 1;
  bool record_history = false;
  std::size_t threads = 0;        // 0: default_load_threads of the host's cores
  std::size_t local_targets = 0;  // the scenario's targets on this host (local_targets)
  // From READY: how long the agent waits for drover's go before giving up.
  Duration go_timeout = std::chrono::seconds(120);
  // Consume fleets: the target's producers that run elsewhere count as
  // running until this long after go (their load's end and their last
  // operation's timeout), so consumers do not call the queue drained while
  // items may still come. drover says so sooner (SIGUSR2) once it has seen
  // them end. Zero: none elsewhere.
  Duration producers_elsewhere_for{};
  // From go: the load is stopped by then, whatever else happens, so an agent
  // whose drover is gone ends by itself.
  Duration bound = std::chrono::seconds(60);
};

std::string job_to_json(const AgentJob& job);
// Throws std::runtime_error naming the first missing or wrong field.
AgentJob job_from_json(std::string_view text);

// One host's share of a fleet split over its hosts: clients as evenly as
// they go, the first hosts taking one more, in the order listed.
struct FleetShare {
  std::string host;
  int clients = 0;
  std::uint64_t first_index = 0;  // the share's first client in the fleet
};
std::vector<FleetShare> split_fleet(const FleetSpec& fleet);

// The load a share of a fleet runs: an open model's rates (and
// max_inflight) are per fleet, so they scale with the share; a closed
// model's stages count clients by index in the fleet, so they stay.
LoadSpec scale_load(const LoadSpec& load, double share);

}  // namespace drover
