// After the load, drover asks a correctness target for its final state and
// records the answers as history events of the pseudo-fleet "@<target>", so
// checkers (and `drover check` later) read everything from the history:
// a ticket service's AUDIT count; a queue's JOIN and STATS.
#pragma once

#include <string>

#include "harness/history/history_log.hpp"
#include "harness/scenario/scenario.hpp"

namespace drover {

// Blocks up to about 2 x timeout (the queue's JOIN waits for the last DONEs).
// A target that does not answer leaves a fail or info event, not an
// exception.
void record_final_state(Protocol protocol, const std::string& address, const std::string& target,
                        HistoryLog::Buffer& history, TimePoint load_start, Duration timeout);

}  // namespace drover
