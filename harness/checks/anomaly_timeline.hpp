// The report's view of where a failed invariant first broke: the candidate
// events a checker names are placed in time, and the events around the
// earliest are collected. It reads the history twice more, which a run
// only pays for once an invariant has failed.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "harness/checks/checker.hpp"
#include "harness/core/expected.hpp"

namespace drover {

// Events kept on each side of the anomaly, nearest in time first; and
// earlier or later events about the same key (serial, item, task).
inline constexpr std::size_t kTimelineNeighbours = 12;
inline constexpr std::size_t kTimelineRelated = 8;

// Whether e is the kind of event focus names (its operation, type and key).
bool focus_matches(const Event& e, const AnomalyFocus& focus);
// An event's value as the timeline shows it: "17", "[3, 9, 81]", "" for none.
std::string describe_event_value(const EventValue& value);

// The earliest of the candidates, with the events around it; nullopt when
// no candidate is in the history. An error when the history cannot be read.
Expected<std::optional<Anomaly>> find_first_anomaly(const std::string& history_path,
                                                    const CheckScope& scope,
                                                    const std::vector<AnomalyFocus>& candidates);

}  // namespace drover
