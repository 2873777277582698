// The offending operations of a violated history invariant, as examples a
// user can look up: each candidate event a checker names (AnomalyFocus:
// the nth event of an operation with a key, in time order) found in the
// history, with its time, client, fleet and line in history.jsonl. It reads
// the history once more, which a run pays for only once an invariant has
// failed; memory grows with the candidates' nth, never with the history.
//
// Pure function of the file; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "harness/checks/checker.hpp"
#include "harness/core/expected.hpp"

namespace drover {

// The candidates found, in time order (those not in the history left out).
// An error when the history cannot be read.
Expected<std::vector<ViolationExample>> find_violation_examples(
    const std::string& history_path, const CheckScope& scope,
    const std::vector<AnomalyFocus>& candidates);

}  // namespace drover
