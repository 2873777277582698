// The closed sets a verdict is made of: the invariants drover checks and
// what a scenario expects of them. One table of names each, shared by the
// scenario parser, the checkers, summary.json and every sink.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace drover {

enum class Invariant : unsigned char {
  kRepliesCorrect,  // every answered operation got the expected reply
  kFleetAnswered,   // each fleet got at least one correct answer
  kTargetAlive,     // a started target ran for the whole load
  kNoZombies,       // a forking target reaped its children
  kNoOversell,      // ticket_db: never more sold than stocked
  kExactlyOnce,     // queue: every accepted item consumed exactly once
  kPoolComplete,    // pool: every task answered once, never more than N at once
};

inline constexpr std::array<std::string_view, 7> kInvariantNames{
    "replies_correct", "fleet_answered", "target_alive", "no_zombies",
    "no_oversell",     "exactly_once",   "pool_complete"};

inline constexpr std::string_view invariant_name(Invariant i) {
  return kInvariantNames[static_cast<std::size_t>(i)];
}

inline constexpr std::optional<Invariant> invariant_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kInvariantNames.size(); ++i)
    if (kInvariantNames[i] == name) return static_cast<Invariant>(i);
  return std::nullopt;
}

// Decided from the run's recorded history (and so again by `drover check`),
// rather than observed while it ran.
inline constexpr bool is_history_invariant(Invariant i) {
  return i == Invariant::kNoOversell || i == Invariant::kExactlyOnce ||
         i == Invariant::kPoolComplete;
}

// "expect" in a scenario: a correct target (the default), or a deliberately
// broken one, where an invariant catching the violation is the pass.
enum class Expect : unsigned char { kPass, kViolation };

inline constexpr std::array<std::string_view, 2> kExpectNames{"pass", "violation"};

inline constexpr std::string_view expect_name(Expect e) {
  return kExpectNames[static_cast<std::size_t>(e)];
}

inline constexpr std::optional<Expect> expect_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kExpectNames.size(); ++i)
    if (kExpectNames[i] == name) return static_cast<Expect>(i);
  return std::nullopt;
}

}  // namespace drover
