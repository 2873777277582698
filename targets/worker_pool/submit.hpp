// worker_pool's request line (targets/README.md), parsed without touching
// the pool, so that the server and the fuzzer
// (tests/fuzz/pool_submit_fuzz.cpp) read a line the same way. Pure:
// thread-safe and free of side effects.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

namespace drover::target::worker_pool {

constexpr std::int64_t kMaxN = 3'037'000'499;  // the largest |n| whose n*n fits in int64

struct Submit {
  std::int64_t id = 0, n = 0, work_ms = 0;
};

// A whole word as plain decimal within [min, max]: no '+', no hex.
inline std::optional<std::int64_t> parse_int(const std::string& word, std::int64_t min,
                                             std::int64_t max) {
  std::int64_t value = 0;
  const char* end = word.data() + word.size();
  if (word.empty() || (min >= 0 && word[0] == '-')) return std::nullopt;
  auto [stop, error] = std::from_chars(word.data(), end, value);
  if (error != std::errc{} || stop != end || value < min || value > max) return std::nullopt;
  return value;
}

// "SUBMIT <task-id> <n> [work_ms]", words separated by spaces or tabs.
inline std::optional<Submit> parse_submit(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> w;
  for (std::string word; in >> word;) w.push_back(word);
  if (w.size() < 3 || w.size() > 4 || w[0] != "SUBMIT") return std::nullopt;
  auto id = parse_int(w[1], 0, INT64_MAX);
  auto n = parse_int(w[2], -kMaxN, kMaxN);
  auto work = w.size() == 4 ? parse_int(w[3], 0, 60'000) : std::optional<std::int64_t>(0);
  if (!id || !n || !work) return std::nullopt;
  return Submit{*id, *n, *work};
}

}  // namespace drover::target::worker_pool
