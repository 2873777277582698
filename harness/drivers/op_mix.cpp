#include "harness/drivers/op_mix.hpp"

#include <algorithm>

namespace drover {

OpMix::OpMix(const std::vector<std::int64_t>& weights) {
  std::uint64_t sum = 0;
  for (std::int64_t w : weights) {
    sum += static_cast<std::uint64_t>(std::max<std::int64_t>(1, w));
    cumulative_.push_back(sum);
  }
  if (cumulative_.empty()) cumulative_.push_back(1);
}

std::size_t OpMix::pick(std::uint64_t random) const {
  // Biased by at most sum / 2^64 (the weights sum to under 2^40), far below
  // what any run could measure.
  std::uint64_t scaled = random % cumulative_.back();
  return static_cast<std::size_t>(std::upper_bound(cumulative_.begin(), cumulative_.end(), scaled) -
                                  cumulative_.begin());
}

std::size_t OpDraws::next() {
  if (mix_->size() == 1) return 0;
  // splitmix64: a full-period stream whose every output is well mixed.
  state_ += 0x9E3779B97F4A7C15ULL;
  std::uint64_t z = state_;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return mix_->pick(z ^ (z >> 31));
}

}  // namespace drover
