// The compact timeline report.html draws around an invariant's first
// anomaly, as inline SVG (no script, nothing fetched). Pure, thread-safe.
#pragma once

#include <string>

#include "harness/core/run_result.hpp"

namespace drover {

// <svg class="timeline" id="ID">: a lane per client; each operation a bar
// from its invoke to its completion, coloured by outcome (ok, fail, info:
// unknown); the event where the invariant broke ringed in red, events
// about the same key in purple. Events are laid out in time order, one
// column each, since the neighbours of an anomaly lie microseconds apart
// while its related events may lie seconds away; the axis gives each
// column's time relative to the anomaly.
std::string render_anomaly_timeline(const Anomaly& anomaly, const std::string& id);

}  // namespace drover
