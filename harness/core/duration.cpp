#include "harness/core/duration.hpp"

#include <array>
#include <cmath>
#include <cstdint>

#include <fmt/format.h>

namespace drover {
namespace {

struct Unit {
  std::string_view suffix;
  std::int64_t nanos;
};

// Longer suffixes first so "ms" is not read as "m" followed by "s".
constexpr std::array<Unit, 6> kUnits{{{"ns", 1},
                                      {"us", 1'000},
                                      {"ms", 1'000'000},
                                      {"s", 1'000'000'000},
                                      {"m", 60'000'000'000},
                                      {"h", 3'600'000'000'000}}};

}  // namespace

std::optional<Duration> parse_duration(std::string_view text) {
  std::size_t digits = 0;
  bool seen_point = false;
  while (digits < text.size()) {
    char c = text[digits];
    if (c >= '0' && c <= '9') {
      ++digits;
    } else if (c == '.' && !seen_point) {
      seen_point = true;
      ++digits;
    } else {
      break;
    }
  }
  std::string_view number = text.substr(0, digits);
  std::string_view suffix = text.substr(digits);
  if (number.empty() || number == "." || number.front() == '.' || number.back() == '.') {
    return std::nullopt;
  }
  for (const Unit& unit : kUnits) {
    if (suffix != unit.suffix) continue;
    // Integer part and fraction separately, so "10s" is exact.
    std::size_t point = number.find('.');
    std::string_view whole = number.substr(0, point);
    if (whole.size() > 12) return std::nullopt;
    std::int64_t nanos = 0;
    for (char c : whole) nanos = nanos * 10 + (c - '0');
    if (nanos > INT64_MAX / unit.nanos) return std::nullopt;
    nanos *= unit.nanos;
    if (point != std::string_view::npos) {
      double scale = static_cast<double>(unit.nanos);
      for (char c : number.substr(point + 1)) {
        scale /= 10;
        nanos += static_cast<std::int64_t>(std::llround((c - '0') * scale));
      }
    }
    return Duration(nanos);
  }
  return std::nullopt;
}

std::string format_duration(Duration d) {
  std::int64_t n = d.count();
  if (n == 0) return "0s";
  for (auto it = kUnits.rbegin(); it != kUnits.rend(); ++it) {
    if (n % it->nanos == 0) return fmt::format("{}{}", n / it->nanos, it->suffix);
  }
  for (auto it = kUnits.rbegin(); it != kUnits.rend(); ++it) {
    if (n >= it->nanos && it->nanos >= 1'000'000) {
      return fmt::format("{:g}{}", static_cast<double>(n) / it->nanos, it->suffix);
    }
  }
  return fmt::format("{}ns", n);
}

}  // namespace drover
