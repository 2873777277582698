// The values each table file (format_*.cpp) gives the scenario document's
// table. Private to harness/scenario.
#pragma once

#include "harness/scenario/format.hpp"

namespace drover::format {

Value target_value();      // format_targets.cpp: one of the three forms of a target
Value fleet_value();       // format_fleets.cpp
Value load_value();        // format_load.cpp
Value thresholds_value();  // format_load.cpp
Value check_value();       // format_faults.cpp
Value fault_value();       // format_faults.cpp

}  // namespace drover::format
