#include "harness/measure/hdr_log.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "tests/support/temp_dir.hpp"

namespace drover::hdr_log_test {
namespace {

LatencyHistogram spread(std::uint64_t seed, int n) {
  LatencyHistogram h;
  std::mt19937_64 random(seed);
  std::lognormal_distribution<double> latency(12.0, 1.5);  // ~160 us median, long tail
  for (int i = 0; i < n; ++i) h.record(static_cast<std::uint64_t>(latency(random)));
  return h;
}

void expect_same_buckets(const LatencyHistogram& a, const LatencyHistogram& b) {
  auto x = a.nonzero_buckets();
  auto y = b.nonzero_buckets();
  ASSERT_EQ(x.size(), y.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    EXPECT_EQ(x[i].index, y[i].index);
    EXPECT_EQ(x[i].count, y[i].count);
  }
  EXPECT_EQ(a.count(), b.count());
}

TEST(HdrLog, AHistogramRoundTripsBucketForBucket) {
  LatencyHistogram h = spread(1, 20000);
  h.record(0);
  h.record(LatencyHistogram::kMaxTrackable);
  h.record(LatencyHistogram::kMaxTrackable + 1000);  // clamped to the top bucket
  std::string text = encode_compressed_histogram(h);
  EXPECT_EQ(text.rfind("HISTF", 0), 0u) << text;  // the V2 compressed cookie, in base64
  auto back = decode_histogram(text);
  ASSERT_TRUE(back) << back.error();
  expect_same_buckets(h, *back);
  EXPECT_EQ(back->percentile(99), h.percentile(99));
}

TEST(HdrLog, LargeCountsAndLongEmptyRunsRoundTrip) {
  LatencyHistogram h;
  std::vector<LatencyHistogram::Bucket> buckets = {
      {3, std::uint64_t{1} << 40}, {4, 1}, {900, 7}, {3967, (std::uint64_t{1} << 62) + 5}};
  h.add_buckets(buckets);
  auto back = decode_histogram(encode_compressed_histogram(h));
  ASSERT_TRUE(back) << back.error();
  expect_same_buckets(h, *back);
}

TEST(HdrLog, AnEmptyHistogramRoundTrips) {
  auto back = decode_histogram(encode_compressed_histogram(LatencyHistogram{}));
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(back->count(), 0u);
}

TEST(HdrLog, BrokenEncodingsAreErrorsThatSayWhy) {
  std::string good = encode_compressed_histogram(spread(2, 100));
  auto not_base64 = decode_histogram("HISTF!AAA");
  ASSERT_FALSE(not_base64);
  EXPECT_NE(not_base64.error().find("base64"), std::string::npos) << not_base64.error();
  auto cookie = decode_histogram("AAAAAAAAAAAA");
  ASSERT_FALSE(cookie);
  EXPECT_NE(cookie.error().find("cookie"), std::string::npos) << cookie.error();
  for (std::size_t cut : {4u, 12u, 40u}) {
    auto shortened = decode_histogram(std::string_view(good).substr(0, good.size() - cut));
    EXPECT_FALSE(shortened) << "cut by " << cut;
  }
}

TEST(HdrLog, OtherParametersAreReadIntoDroversBuckets) {
  // A histogram in microseconds (as some tools log), read with to_nanos =
  // 1000: its values land in drover's buckets scaled to nanoseconds.
  LatencyHistogram micros;
  for (int i = 0; i < 100; ++i) micros.record(250);  // 250 us
  auto back = decode_histogram(encode_compressed_histogram(micros), 1000.0);
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(back->count(), 100u);
  EXPECT_NEAR(static_cast<double>(back->percentile(50)), 250000.0, 250000.0 * 0.01);
}

TEST(HdrLog, AnIntervalLogIsWrittenAndReadBackLineByLine) {
  test::TempDir dir;
  std::string path = (dir.path() / "latency.hlog").string();
  {
    auto writer = IntervalLogWriter::open(path, 1764835200.25);
    ASSERT_TRUE(writer) << writer.error();
    writer->write("web/get", 0, 1, spread(3, 1000));
    writer->write("web/post", 0, 1, spread(4, 10));
    writer->write("", 1, 1, LatencyHistogram{});
  }
  auto reader = IntervalLogReader::open(path);
  ASSERT_TRUE(reader) << reader.error();
  EXPECT_DOUBLE_EQ(reader->start_time_s(), 1764835200.25);
  std::vector<LogInterval> got;
  while (true) {
    auto next = reader->next();
    ASSERT_TRUE(next) << next.error();
    if (!*next) break;
    got.push_back(std::move(**next));
  }
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].tag, "web/get");
  EXPECT_EQ(got[1].tag, "web/post");
  EXPECT_EQ(got[2].tag, "");
  EXPECT_DOUBLE_EQ(got[2].start_s, 1.0);
  EXPECT_DOUBLE_EQ(got[2].length_s, 1.0);
  expect_same_buckets(got[0].histogram, spread(3, 1000));
  EXPECT_EQ(got[2].histogram.count(), 0u);
}

TEST(HdrLog, ABrokenLineNamesTheFileAndLine) {
  test::TempDir dir;
  std::string path = (dir.path() / "broken.hlog").string();
  std::ofstream(path) << "#[StartTime: 10.0 (seconds since epoch)]\n"
                      << "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"x\"\n"
                      << "0.000,1.000,1.0,HISTFAAAAB\n";
  auto reader = IntervalLogReader::open(path);
  ASSERT_TRUE(reader) << reader.error();
  auto next = reader->next();
  ASSERT_FALSE(next);
  EXPECT_NE(next.error().find("broken.hlog:3:"), std::string::npos) << next.error();
}

TEST(HdrLog, AbsoluteStartsWithoutABaseTimeAreMadeRelative) {
  test::TempDir dir;
  std::string path = (dir.path() / "absolute.hlog").string();
  std::string h = encode_compressed_histogram(spread(5, 10));
  std::ofstream(path) << "#[StartTime: 1700000000.000 (seconds since epoch)]\n"
                      << "1700000002.500,1.000,1.0," << h << "\n";
  auto reader = IntervalLogReader::open(path);
  ASSERT_TRUE(reader) << reader.error();
  auto next = reader->next();
  ASSERT_TRUE(next) << next.error();
  ASSERT_TRUE(*next);
  EXPECT_NEAR((*next)->start_s, 2.5, 1e-6);
}

// Readers lay intervals out second by second (windowed thresholds, drover
// compare): a start that is no number, negative or beyond a year would
// make them walk, or hold, that many seconds. Each is an error naming the
// line, and the lines before it still read.
TEST(HdrLog, StartsAndLengthsOutsideAYearOrNotFiniteAreErrorsNamingTheLine) {
  test::TempDir dir;
  const std::string h = encode_compressed_histogram(spread(5, 10));
  const std::vector<std::string> bad = {"nan,1.000",   "inf,1.000",    "0.000,nan",
                                        "0.000,-inf",  "-1.000,1.000", "31536001.000,1.000",
                                        "1e300,1.000", "0.000,-1.000"};
  for (std::size_t i = 0; i < bad.size(); ++i) {
    std::string path = (dir.path() / ("bad" + std::to_string(i) + ".hlog")).string();
    std::ofstream(path) << "#[BaseTime: 1700000000.000 (seconds since epoch)]\n"
                        << "0.000,1.000,1.0," << h << "\n"
                        << bad[i] << ",1.0," << h << "\n";
    auto reader = IntervalLogReader::open(path);
    ASSERT_TRUE(reader) << reader.error();
    auto first = reader->next();
    ASSERT_TRUE(first && *first) << bad[i];
    auto next = reader->next();
    ASSERT_FALSE(next) << bad[i] << " was read as an interval";
    EXPECT_NE(next.error().find(".hlog:3:"), std::string::npos) << next.error();
  }
}

}  // namespace
}  // namespace drover::hdr_log_test
