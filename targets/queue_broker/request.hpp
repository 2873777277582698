// queue_broker's request line (targets/README.md), parsed without touching
// the queue, so that the server and the fuzzer
// (tests/fuzz/queue_request_fuzz.cpp) read a line the same way. Pure:
// thread-safe and free of side effects.
#pragma once

#include <cstddef>
#include <string_view>

namespace drover::target::queue_broker {

constexpr std::size_t kMaxItem = 256;

// A token of 1..256 bytes without spaces, as PUT and DONE take.
inline bool valid_item(std::string_view item) {
  return !item.empty() && item.size() <= kMaxItem && item.find(' ') == std::string_view::npos;
}

struct Request {
  enum class Verb { kPut, kDone, kGet, kJoin, kStats, kBadItem, kUnknown };
  Verb verb = Verb::kUnknown;
  std::string_view item;  // PUT and DONE only: a view into the line
};

// One line without its "\n" (and without a "\r" before it). "PUT <item>" and
// "DONE <item>" with an item that is not valid_item are kBadItem ("ERROR bad
// item"); GET, JOIN and STATS take nothing after them, not even a space.
inline Request parse_request(std::string_view line) {
  const std::size_t space = line.find(' ');
  const std::string_view verb = line.substr(0, space);
  const std::string_view rest = space == std::string_view::npos ? "" : line.substr(space + 1);
  using Verb = Request::Verb;
  if (verb == "PUT" || verb == "DONE") {
    if (!valid_item(rest)) return {Verb::kBadItem, {}};
    return {verb == "PUT" ? Verb::kPut : Verb::kDone, rest};
  }
  if (!rest.empty() || space != std::string_view::npos) return {Verb::kUnknown, {}};
  if (verb == "GET") return {Verb::kGet, {}};
  if (verb == "JOIN") return {Verb::kJoin, {}};
  if (verb == "STATS") return {Verb::kStats, {}};
  return {Verb::kUnknown, {}};
}

}  // namespace drover::target::queue_broker
