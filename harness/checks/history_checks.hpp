// The history-based invariants of a scenario, run over a history file: the
// same code for the live run and for `drover check RUN_DIR` afterwards.
#pragma once

#include <string>
#include <vector>

#include "harness/core/expected.hpp"
#include "harness/core/run_result.hpp"
#include "harness/scenario/scenario.hpp"

namespace drover {

// One result per history invariant in scenario.checks, in order; an error
// naming the file (and line) when the history cannot be read, or when it is
// malformed (harness/checks/well_formed.hpp). A result is unknown when the
// evidence its invariant needs is missing from the history.
Expected<std::vector<InvariantResult>> check_history(const Scenario& scenario,
                                                     const std::string& history_path);

}  // namespace drover
