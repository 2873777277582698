// IntervalLogReader on the input as an HdrHistogram interval log (a file of
// tests/fuzz/memory_file.hpp), read to its end or its first error, as
// drover check, report and compare read latency logs they did not write.
// Every interval it accepts must survive drover's own encoding: written by
// encode_compressed_histogram and read back by decode_histogram, it has the
// same buckets, count and extremes.
#include <cmath>
#include <cstdio>
#include <optional>

#include "harness/measure/hdr_log.hpp"
#include "tests/fuzz/entry_points.hpp"
#include "tests/fuzz/memory_file.hpp"

namespace drover::fuzz {
namespace {

bool same_buckets(const LatencyHistogram& a, const LatencyHistogram& b) {
  const auto x = a.nonzero_buckets();
  const auto y = b.nonzero_buckets();
  if (x.size() != y.size()) return false;
  for (std::size_t i = 0; i < x.size(); ++i)
    if (x[i].index != y[i].index || x[i].count != y[i].count) return false;
  return true;
}

void round_trips(const LatencyHistogram& histogram) {
  const Expected<LatencyHistogram> again = decode_histogram(encode_compressed_histogram(histogram));
  if (!again) std::fprintf(stderr, "hdr_log: %s\n", again.error().c_str());
  DROVER_FUZZ_CHECK(again.has_value());
  DROVER_FUZZ_CHECK(again->count() == histogram.count());
  DROVER_FUZZ_CHECK(same_buckets(*again, histogram));
  DROVER_FUZZ_CHECK(again->count() == 0 || again->percentile(100) >= again->percentile(50));
}

}  // namespace

int hdr_log(const std::uint8_t* data, std::size_t size) {
  Expected<IntervalLogReader> reader = IntervalLogReader::open(memory_file(data, size));
  if (!reader) {
    DROVER_FUZZ_CHECK(!reader.error().empty());
    return 0;
  }
  for (;;) {
    Expected<std::optional<LogInterval>> next = reader->next();
    if (!next) {
      DROVER_FUZZ_CHECK(!next.error().empty());
      return 0;
    }
    if (!*next) return 0;
    DROVER_FUZZ_CHECK(std::isfinite((*next)->start_s) && std::isfinite((*next)->length_s));
    DROVER_FUZZ_CHECK((*next)->length_s >= 0);
    round_trips((*next)->histogram);
  }
}

}  // namespace drover::fuzz
