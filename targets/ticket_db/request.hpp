// ticket_db's request line (targets/README.md), parsed without touching the
// file or the connection, so that the server and the fuzzer
// (tests/fuzz/ticket_request_fuzz.cpp) read a line the same way. Pure:
// thread-safe and free of side effects.
#pragma once

#include <string_view>

namespace drover::target::ticket_db {

enum class Request { kSearch, kAudit, kBuy, kUnknown };

// One line without its "\n" (and without a "\r" before it): "SEARCH",
// "AUDIT", "BUY <buyer>" with a buyer of at least one byte; anything else is
// kUnknown (the reply "ERROR unknown command").
inline Request parse_request(std::string_view line) {
  if (line == "SEARCH") return Request::kSearch;
  if (line == "AUDIT") return Request::kAudit;
  if (line.starts_with("BUY ") && line.size() > 4) return Request::kBuy;
  return Request::kUnknown;
}

}  // namespace drover::target::ticket_db
