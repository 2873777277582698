// A client's random stream: xorshift64* over one 64-bit state per client,
// seeded from the run's seed, so that a run repeats. Payload templates draw
// their filler and keys from it; an expectation replays it from a copy of
// the state taken before the request was rendered.
//
// Pure functions of the state they are given: thread-safe as long as each
// state has one owner.
#pragma once

#include <cstdint>

namespace drover {

// The next 64 random bits; state must never be 0.
inline std::uint64_t next_random(std::uint64_t& state) {
  // xorshift64*: fast, and good enough for filler bytes and keys.
  state ^= state >> 12;
  state ^= state << 25;
  state ^= state >> 27;
  return state * 0x2545F4914F6CDD1DULL;
}

// A double uniform in [0, 1), from the top 53 bits of one draw.
inline double next_unit(std::uint64_t& state) {
  return static_cast<double>(next_random(state) >> 11) * 0x1.0p-53;
}

// An integer uniform in [0, n), n > 0: the high half of a 64x64 product
// (Lemire), whose bias (below n / 2^64) no key count here can show.
inline std::uint64_t next_below(std::uint64_t& state, std::uint64_t n) {
  using Wide = unsigned __int128;
  return static_cast<std::uint64_t>((static_cast<Wide>(next_random(state)) * n) >> 64);
}

}  // namespace drover
