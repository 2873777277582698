// A log-linear latency histogram in the manner of HdrHistogram: values in
// nanoseconds, exact below 128 ns, then 128 linear sub-buckets per power of
// two, so any recorded value is reported within 0.4% (the bucket's midpoint),
// from 1 ns to 2^37 ns (~137 s); larger values are clamped to the top bucket
// and the exact maximum is kept apart.
//
// Recording is a few instructions and never allocates. Not thread-safe: each
// thread records into its own histogram and they are merged at the end.
#pragma once

#include <bit>
#include <cstdint>
#include <vector>

namespace drover {

class LatencyHistogram {
 public:
  static constexpr int kSubBits = 7;
  static constexpr std::uint64_t kSubCount = 1u << kSubBits;  // 128
  static constexpr int kMaxBits = 37;
  static constexpr std::size_t kBucketCount = kSubCount + (kMaxBits - kSubBits) * kSubCount;
  static constexpr std::uint64_t kMaxTrackable = (std::uint64_t{1} << kMaxBits) - 1;

  LatencyHistogram() : counts_(kBucketCount, 0) {}

  void record(std::uint64_t nanos) {
    ++counts_[index_of(nanos)];
    ++count_;
    sum_ += nanos;
    if (nanos < min_) min_ = nanos;
    if (nanos > max_) max_ = nanos;
  }

  void merge(const LatencyHistogram& other);
  void clear();

  std::uint64_t count() const { return count_; }
  std::uint64_t min() const { return count_ ? min_ : 0; }
  std::uint64_t max() const { return max_; }
  std::uint64_t sum() const { return sum_; }
  double mean() const { return count_ ? static_cast<double>(sum_) / count_ : 0.0; }

  // The value at percentile p (0..100]: the smallest recorded value v such
  // that at least p% of the values are <= v, within the bucket error.
  std::uint64_t percentile(double p) const;

  // Non-empty buckets as (index, count), for compact per-second snapshots.
  struct Bucket {
    std::uint32_t index;
    std::uint64_t count;
  };
  std::vector<Bucket> nonzero_buckets() const;
  void add_buckets(const std::vector<Bucket>& buckets);
  // Adds a histogram given by its parts, as another process wrote them out
  // (nonzero_buckets() with its exact sum, min and max): exact, unlike
  // add_buckets, which can only estimate those three.
  void add_parts(const std::vector<Bucket>& buckets, std::uint64_t sum, std::uint64_t min,
                 std::uint64_t max);

  static std::size_t index_of(std::uint64_t nanos) {
    if (nanos > kMaxTrackable) nanos = kMaxTrackable;
    if (nanos < kSubCount) return static_cast<std::size_t>(nanos);
    int top = 63 - std::countl_zero(nanos);  // >= kSubBits
    int shift = top - kSubBits;
    return kSubCount + static_cast<std::size_t>(shift) * kSubCount +
           static_cast<std::size_t>((nanos >> shift) - kSubCount);
  }
  // Lowest value of the bucket, and its width.
  static std::uint64_t bucket_low(std::size_t index);
  static std::uint64_t bucket_width(std::size_t index);

 private:
  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t min_ = UINT64_MAX;
  std::uint64_t max_ = 0;
};

}  // namespace drover
