// Examples of failed operations, kept per (slot, error class): the first
// few that ended, and a uniform sample of the rest by reservoir sampling
// (Algorithm R) from a seeded random state, so the same failures in the
// same order give the same examples. A kept example is written once by the
// driver that failed, when keep_failure() says it is kept: a failure the
// sample passes by costs a counter and a random number, and nothing on the
// success path.
//
// Pure functions of their arguments; not thread-safe on the same samples.
#pragma once

#include <cstddef>
#include <cstdint>

#include "harness/core/run_result.hpp"

namespace drover {

struct SampleSizes {
  std::size_t first = 3;    // the first failures, kept in order
  std::size_t sampled = 5;  // a uniform sample of the failures after them
};

inline constexpr SampleSizes kFailureSampleSizes{};

// The next value of a splitmix64 state.
std::uint64_t next_sample_random(std::uint64_t& state);

// One more failure of samples' class: counts it, and returns where its
// example goes (to be overwritten whole), or null when the sample passes
// it by.
FailureExample* keep_failure(FailureSamples& samples, SampleSizes sizes, std::uint64_t& random);

// Makes into the samples of both into's failures and from's, as one
// sample that had seen them all would be: the earliest firsts stay first
// (by t_ms), and the rest (the other firsts included) are sampled again,
// each source weighted by how many failures it stood for.
void merge_failure_samples(FailureSamples& into, FailureSamples from, SampleSizes sizes,
                           std::uint64_t& random);

}  // namespace drover
