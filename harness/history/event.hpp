// One event of a correctness history, in the manner of Jepsen: a client
// invokes an operation, then it completes as ok, fail (definitely did not
// happen) or info (unknown: it may or may not have happened, e.g. a timeout).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "harness/core/expected.hpp"

namespace drover {

enum class EventType : std::uint8_t { kInvoke, kOk, kFail, kInfo };

const char* event_type_name(EventType type);

// The value an operation carries: nothing, an integer, a text, or a list of
// integers (a pool result: task, n, value, worker pid, start, end).
struct EventValue {
  enum class Kind : std::uint8_t { kNull, kInt, kText, kInts };
  Kind kind = Kind::kNull;
  std::int64_t number = 0;
  std::string text;
  std::vector<std::int64_t> numbers;

  static EventValue none() { return {}; }
  static EventValue of(std::int64_t n) { return {Kind::kInt, n, {}, {}}; }
  static EventValue of(std::string s) { return {Kind::kText, 0, std::move(s), {}}; }
  static EventValue of(std::vector<std::int64_t> v) { return {Kind::kInts, 0, {}, std::move(v)}; }
  bool operator==(const EventValue&) const = default;
};

struct Event {
  std::uint64_t time_ns = 0;  // since the load started, monotonic
  std::uint32_t client = 0;   // unique across the run's fleets
  EventType type = EventType::kInvoke;
  std::string fleet;
  std::string f;  // the operation: "buy", "search", "put", "get", "done", "join", "submit",
                  // "audit", "stats"
  EventValue value;
  bool operator==(const Event&) const = default;
};

// One line of history.jsonl, without the newline:
// {"t":1234,"client":3,"fleet":"buyers","type":"ok","f":"buy","value":17}
void append_event_json(std::string& out, const Event& event);

// Parses one line into event: any JSON object with the keys t, client,
// fleet, type, f and value, in any order and spacing (other keys are
// ignored). Lines as append_event_json writes them take a fast path; any
// other form goes through a general JSON parser. The error says what is
// wrong ("not JSON", `no "client"`, `"fleet" is not a string`), and event
// then holds part of the line. Into the caller's event, as
// append_event_json writes into the caller's buffer: a reader of tens of
// millions of lines overwrites the same few events, whose strings and list
// keep their capacity (an event returned by value was measured at about
// 40% more instructions per line, in moves alone).
Expected<void> parse_event_json(std::string_view line, Event& event);

}  // namespace drover
