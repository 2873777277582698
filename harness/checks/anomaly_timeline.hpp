// The report's view of where a failed invariant first broke: the candidate
// events a checker names are placed in time, and the events around the
// earliest are collected. It reads the history twice more, which a run
// only pays for once an invariant has failed.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "harness/checks/checker.hpp"

namespace drover {

// Events kept on each side of the anomaly, nearest in time first; and
// earlier or later events about the same key (serial, item, task).
inline constexpr std::size_t kTimelineNeighbours = 12;
inline constexpr std::size_t kTimelineRelated = 8;

// nullopt when no candidate could be found in the history (or the history
// cannot be read: *error is set then).
std::optional<Anomaly> find_first_anomaly(const std::string& history_path, const CheckScope& scope,
                                          const std::vector<AnomalyFocus>& candidates,
                                          std::string* error);

}  // namespace drover
