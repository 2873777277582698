// A scenario's "setup": commands run in order before any target starts, on
// this machine or on a declared host over SSH. Each step's command line,
// status and output (bounded) go to <run_dir>/logs/setup-<n>-<host>.log.
//
// Not thread-safe: called once, from the runner's thread.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "harness/core/run_result.hpp"
#include "harness/scenario/scenario.hpp"

namespace drover {

// What each stream of a step keeps; the rest is read and dropped.
inline constexpr std::size_t kSetupOutputLimit = 1 << 20;

// Runs the steps in order, stopping at the first that fails without
// allow_failure (a non-zero status, a signal, its timeout, a host that
// cannot be reached): then `error` names the step's JSON pointer and its
// host, and is empty otherwise. Returns the steps that ran. Hosts are
// connected when a step first needs them and disconnected before it
// returns; nothing a step started is left running here (its process group
// is killed once it ends) or, on a timeout, on the host.
// interrupt (may be null): once set, no further step starts and `error`
// says so; a step under way runs to its end or its timeout.
std::vector<SetupStepResult> run_setup_steps(const Scenario& scenario, const std::string& run_dir,
                                             std::string& error,
                                             const std::atomic<bool>* interrupt = nullptr);

}  // namespace drover
