#include "harness/measure/histogram.hpp"

#include <algorithm>
#include <cmath>

namespace drover {

std::uint64_t LatencyHistogram::bucket_low(std::size_t index) {
  if (index < kSubCount) return index;
  std::size_t shift = (index - kSubCount) / kSubCount;
  std::uint64_t sub = (index - kSubCount) % kSubCount + kSubCount;
  return sub << shift;
}

std::uint64_t LatencyHistogram::bucket_width(std::size_t index) {
  if (index < kSubCount) return 1;
  return std::uint64_t{1} << ((index - kSubCount) / kSubCount);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (std::size_t i = 0; i < kBucketCount; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

void LatencyHistogram::clear() {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = 0;
  sum_ = 0;
  min_ = UINT64_MAX;
  max_ = 0;
}

std::uint64_t LatencyHistogram::percentile(double p) const {
  if (count_ == 0) return 0;
  p = std::clamp(p, 0.0, 100.0);
  auto rank = static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_)));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBucketCount; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      std::uint64_t mid = bucket_low(i) + bucket_width(i) / 2;
      return std::clamp(mid, min(), max_);
    }
  }
  return max_;
}

std::vector<LatencyHistogram::Bucket> LatencyHistogram::nonzero_buckets() const {
  std::vector<Bucket> out;
  for (std::size_t i = 0; i < kBucketCount; ++i) {
    if (counts_[i] != 0) out.push_back({static_cast<std::uint32_t>(i), counts_[i]});
  }
  return out;
}

void LatencyHistogram::add_buckets(const std::vector<Bucket>& buckets) {
  for (const Bucket& b : buckets) {
    counts_[b.index] += b.count;
    count_ += b.count;
    std::uint64_t mid = bucket_low(b.index) + bucket_width(b.index) / 2;
    sum_ += mid * b.count;
    min_ = std::min(min_, bucket_low(b.index));
    max_ = std::max(max_, bucket_low(b.index) + bucket_width(b.index) - 1);
  }
}

void LatencyHistogram::add_parts(const std::vector<Bucket>& buckets, std::uint64_t sum,
                                 std::uint64_t min, std::uint64_t max) {
  std::uint64_t added = 0;
  for (const Bucket& b : buckets) {
    counts_[b.index] += b.count;
    added += b.count;
  }
  if (added == 0) return;
  count_ += added;
  sum_ += sum;
  min_ = std::min(min_, min);
  max_ = std::max(max_, max);
}

}  // namespace drover
