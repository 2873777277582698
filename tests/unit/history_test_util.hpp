// Hand-built histories for checker tests.
#pragma once

#include <vector>

#include "harness/history/event.hpp"

namespace drover::testing_history {

inline Event ev(std::uint64_t t, std::uint32_t client, EventType type, const char* f,
                EventValue value = {}, const char* fleet = "f") {
  return Event{t, client, type, fleet, f, std::move(value)};
}

template <class Checker>
void feed(Checker& checker, const std::vector<Event>& events) {
  for (const Event& e : events) checker.observe(e);
}

}  // namespace drover::testing_history
