// The correctness invariants of the echo workloads. Each is a pure function
// of figures the runner collected, so it is testable on hand-made input.
#pragma once

#include <string>
#include <vector>

#include "harness/core/run_result.hpp"

namespace drover {

// Every answered operation of the fleet got the expected reply.
InvariantResult check_replies_correct(const FleetResult& fleet);

// The fleet got at least one correct answer during the load: a run in which
// every operation failed (nobody listening, every reply wrong) never passes.
// Finer limits are thresholds.
InvariantResult check_fleet_answered(const FleetResult& fleet);

// A target started by drover kept running for the whole load.
InvariantResult check_target_alive(const std::string& target, bool exited_during_run,
                                   const std::string& exit_description, int restarts = 0);

// A forking target reaped its children: none is left a zombie once the
// clients have disconnected and the target has had time to reap them.
InvariantResult check_no_zombies(const std::string& target, int pid,
                                 const std::vector<int>& zombies);

}  // namespace drover
