// A scenario's "setup": commands run in order before any target starts, on
// this machine or on a declared host over SSH. Each step's command line,
// status and output (bounded) go to <run_dir>/logs/setup-<n>-<host>.log.
//
// Not thread-safe: called once, from the runner's thread.
#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include "harness/core/notice.hpp"
#include "harness/core/run_result.hpp"
#include "harness/scenario/scenario.hpp"

namespace drover {

// What each stream of a step keeps; the rest is read and dropped.
inline constexpr std::size_t kSetupOutputLimit = 1 << 20;

struct SetupOutcome {
  std::vector<SetupStepResult> steps;  // the steps that ran, in order
  // Why the setup stopped before its last step, naming the step's JSON
  // pointer and its host; none when every step ran.
  std::optional<std::string> failure;
};

// Runs the steps in order, stopping at the first that fails without
// allow_failure (a non-zero status, a signal, its timeout, a host that
// cannot be reached). A step that fails with allow_failure is a warning, to
// notify. Hosts are connected when a step first needs them (their warnings
// to notify too) and disconnected before it returns; nothing a step started
// is left running here (its process group is killed once it ends) or, on a
// timeout, on the host.
// interrupt (may be null): once set, no further step starts, and that is
// the failure; a step under way runs to its end or its timeout.
SetupOutcome run_setup_steps(const Scenario& scenario, const std::string& run_dir,
                             const Notify& notify, const std::atomic<bool>* interrupt = nullptr);

}  // namespace drover
