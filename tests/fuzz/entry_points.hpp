// The fuzz targets' bodies, one function per parser drover or a reference
// target reads untrusted text with. Each takes any bytes, must return 0, and
// must neither crash, hang nor leak; a broken invariant throws
// InvariantBroken. libFuzzer runs one per executable (fuzz_main.cpp, where
// the uncaught exception aborts: a crash it keeps); the regression test
// (tests/unit/fuzz_regressions_test.cpp) replays the kept inputs through the
// same functions in the normal build. Not thread-safe: summary_json and
// hdr_log reuse one in-memory file (memory_file.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace drover::fuzz {

struct InvariantBroken : std::logic_error {
  using std::logic_error::logic_error;
};

[[noreturn]] inline void invariant_broken(const char* condition, const char* file, int line) {
  throw InvariantBroken(std::string(file) + ":" + std::to_string(line) + ": " + condition);
}

// parse_scenario on the whole input.
int scenario(const std::uint8_t* data, std::size_t size);
// The input split at NUL bytes: a scenario, then up to four --set overrides.
int scenario_overrides(const std::uint8_t* data, std::size_t size);
// The input split into lines as each target splits them, each line parsed.
int ticket_request(const std::uint8_t* data, std::size_t size);
int queue_request(const std::uint8_t* data, std::size_t size);
int pool_submit(const std::uint8_t* data, std::size_t size);
// parse_event_json on each line of the input, as history.jsonl is read.
int history_event(const std::uint8_t* data, std::size_t size);
// read_summary_json on the input as a file.
int summary_json(const std::uint8_t* data, std::size_t size);
// A Framer on a byte stream, its first bytes choosing the framing.
int framing(const std::uint8_t* data, std::size_t size);
// RESP values read from the input as a server's replies.
int resp(const std::uint8_t* data, std::size_t size);
// An HTTP response read from the input as a server's reply.
int http_reply(const std::uint8_t* data, std::size_t size);
// DataTable::parse on the input as CSV and as lines; CSV it accepts must
// survive being written back out quoted.
int data_file(const std::uint8_t* data, std::size_t size);
// IntervalLogReader on the input as an HdrHistogram interval log; each
// interval it accepts must round-trip through drover's own encoding.
int hdr_log(const std::uint8_t* data, std::size_t size);

}  // namespace drover::fuzz

#define DROVER_FUZZ_CHECK(condition) \
  ((condition) ? void() : ::drover::fuzz::invariant_broken(#condition, __FILE__, __LINE__))
