// A fleet's mix of ops ("ops"): which op each iteration of a client does,
// drawn by weight. Each client draws from its own stream, seeded from the
// run's seed and the client (ClientLog::op_draw_seed), apart from the
// stream its payload filler uses, so a run can be repeated draw for draw and
// a single op's payloads are what they were before mixes existed.
//
// OpMix is immutable after construction and shared by a fleet's threads;
// an OpDraws belongs to one client.
#pragma once

#include <cstdint>
#include <vector>

namespace drover {

class OpMix {
 public:
  // One weight per op, in the ops' order, each at least 1 (the scenario
  // parser guarantees it); an empty list is one op.
  explicit OpMix(const std::vector<std::int64_t>& weights);

  std::size_t size() const { return cumulative_.size(); }
  // The op a uniform 64-bit random number stands for: op i for a share of
  // the numbers of weight i over the sum of the weights.
  std::size_t pick(std::uint64_t random) const;

 private:
  std::vector<std::uint64_t> cumulative_;  // running sums of the weights
};

// One client's draws from a mix.
class OpDraws {
 public:
  OpDraws(const OpMix& mix, std::uint64_t seed) : mix_(&mix), state_(seed) {}
  // The next iteration's op. A fleet of one op always gets 0 and draws
  // nothing.
  std::size_t next();

 private:
  const OpMix* mix_;
  std::uint64_t state_;
};

}  // namespace drover
