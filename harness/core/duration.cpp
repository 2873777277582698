#include "harness/core/duration.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>

#include <fmt/format.h>

namespace drover {
namespace {

struct Unit {
  std::string_view suffix;
  std::int64_t nanos;
};

// Smallest first. A suffix must equal one exactly, so "ms" is never read as
// "m" followed by "s".
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
  if (number.empty() || number.front() == '.' || number.back() == '.') return std::nullopt;
  auto unit =
      std::find_if(kUnits.begin(), kUnits.end(), [&](const Unit& u) { return u.suffix == suffix; });
  if (unit == kUnits.end()) return std::nullopt;

  // Exact integer arithmetic in 128 bits: "0.1s" is exactly 100ms, and an
  // overflow is caught however the digits are split around the point.
  constexpr __int128 kMax = std::numeric_limits<std::int64_t>::max();
  std::size_t point = number.find('.');
  std::string_view whole = number.substr(0, point);
  __int128 nanos = 0;
  for (char c : whole) {
    nanos = nanos * 10 + (c - '0');
    if (nanos * unit->nanos > kMax) return std::nullopt;
  }
  nanos *= unit->nanos;
  if (point != std::string_view::npos) {
    // Digits past the 18th are read but ignored: together they are worth
    // less than 1e-18 of an hour, under 4e-6 ns.
    std::string_view fraction = number.substr(point + 1, 18);
    __int128 numerator = 0, denominator = 1;
    for (char c : fraction) {
      numerator = numerator * 10 + (c - '0');
      denominator *= 10;
    }
    // Rounded to the nearest nanosecond, halves up.
    nanos += (numerator * unit->nanos * 2 + denominator) / (denominator * 2);
    if (nanos > kMax) return std::nullopt;
  }
  return Duration(static_cast<std::int64_t>(nanos));
}

namespace {

// `n` in `unit` as a terminating decimal ("1.5"), or nullopt when it does
// not terminate (100s in minutes).
std::optional<std::string> exact_decimal(std::int64_t n, std::int64_t unit) {
  std::string out = std::to_string(n / unit);
  std::int64_t rest = n % unit;
  if (rest == 0) return out;
  out += '.';
  for (int digit = 0; rest != 0; ++digit) {
    if (digit == 18) return std::nullopt;
    // rest < unit <= 3.6e12, so rest * 10 cannot overflow.
    rest *= 10;
    out += static_cast<char>('0' + rest / unit);
    rest %= unit;
  }
  return out;
}

}  // namespace

std::string format_duration(Duration d) {
  std::int64_t n = d.count();
  if (n == 0) return "0s";
  if (n < 0) {
    // Only differences of times are negative; parse_duration never reads them.
    if (n == std::numeric_limits<std::int64_t>::min()) return fmt::format("{}ns", n);
    return "-" + format_duration(Duration(-n));
  }
  // The shortest text among units the duration reaches at least one of, so
  // 1.5s is "1.5s" (not "1500ms") and 500ms stays "500ms" (not "0.5s"). Ties
  // go to the larger unit.
  std::string best;
  for (auto it = kUnits.rbegin(); it != kUnits.rend(); ++it) {
    if (n < it->nanos) continue;
    if (auto number = exact_decimal(n, it->nanos)) {
      std::string text = *number + std::string(it->suffix);
      if (best.empty() || text.size() < best.size()) best = std::move(text);
    }
  }
  return best;
}

}  // namespace drover
