#include "harness/measure/seconds_log.hpp"

#include <gtest/gtest.h>

#include "tests/support/temp_dir.hpp"

namespace drover::seconds_log_test {
namespace {

SecondRecording second_of(std::uint32_t slot, std::uint64_t nanos, int n,
                          std::uint64_t errors = 0) {
  LatencyHistogram h;
  for (int i = 0; i < n; ++i) h.record(nanos);
  SecondRecording s;
  s.ops = static_cast<std::uint64_t>(n) + errors;
  s.errors = errors;
  s.latency.push_back({slot, h.nonzero_buckets()});
  return s;
}

std::vector<LogInterval> read_log(const std::string& path) {
  std::vector<LogInterval> out;
  auto reader = IntervalLogReader::open(path);
  EXPECT_TRUE(reader) << reader.error();
  while (reader) {
    auto next = reader->next();
    EXPECT_TRUE(next) << next.error();
    if (!next || !*next) break;
    out.push_back(std::move(**next));
  }
  return out;
}

TEST(SecondsLog, ClosedSecondsGoToTheLogPerOpAndToTheSeries) {
  test::TempDir dir;
  std::string path = (dir.path() / "s.hlog").string();
  SecondsLog log({"web/get", "web/put"});
  ASSERT_TRUE(log.write_to(path, 1764835200.0));
  std::vector<std::size_t> closed;
  log.on_closed([&](std::size_t second, const std::vector<LatencyHistogram>& slots) {
    closed.push_back(second);
    EXPECT_EQ(slots.size(), 2u);
  });
  log.add(0, second_of(0, 1'000'000, 10));
  log.add(0, second_of(1, 3'000'000, 5, 2));
  log.add(2, second_of(0, 2'000'000, 4));  // second 1 had nothing
  log.close_before(1);
  EXPECT_EQ(closed, (std::vector<std::size_t>{0}));
  log.close_all();
  EXPECT_EQ(closed, (std::vector<std::size_t>{0, 1, 2}));

  ASSERT_EQ(log.series().size(), 3u);
  EXPECT_EQ(log.series()[0].ops, 17u);
  EXPECT_EQ(log.series()[0].errors, 2u);
  EXPECT_NEAR(log.series()[0].p99_ms, 3.0, 0.03);
  EXPECT_EQ(log.series()[1].ops, 0u);
  EXPECT_EQ(log.series()[2].second, 2);

  auto lines = read_log(path);
  ASSERT_EQ(lines.size(), 3u);  // two ops in second 0, one in second 2
  EXPECT_EQ(lines[0].tag, "web/get");
  EXPECT_EQ(lines[0].histogram.count(), 10u);
  EXPECT_EQ(lines[1].tag, "web/put");
  EXPECT_EQ(lines[1].histogram.count(), 5u);
  EXPECT_DOUBLE_EQ(lines[2].start_s, 2.0);
  EXPECT_EQ(log.late_adds(), 0u);
}

TEST(SecondsLog, ASecondAddedAfterItClosedStillReachesTheLogAndTheCounts) {
  test::TempDir dir;
  std::string path = (dir.path() / "s.hlog").string();
  SecondsLog log({"f/op"});
  ASSERT_TRUE(log.write_to(path, 0));
  log.add(0, second_of(0, 1000, 3));
  log.close_before(1);
  log.add(0, second_of(0, 1000, 2));
  log.close_all();
  EXPECT_EQ(log.late_adds(), 1u);
  EXPECT_EQ(log.series().at(0).ops, 5u);
  auto lines = read_log(path);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0].histogram.count() + lines[1].histogram.count(), 5u);
}

TEST(SecondsLog, OffsetsPlaceALaterPhasesSecondsAfterTheFirsts) {
  SecondsLog log({"f/op"});
  std::map<std::size_t, SecondRecording> step;
  step[0] = second_of(0, 1000, 1);
  log.add_all(step);
  log.add_all(step, 5);
  log.close_all();
  ASSERT_EQ(log.series().size(), 6u);
  EXPECT_EQ(log.series()[5].ops, 1u);
}

}  // namespace
}  // namespace drover::seconds_log_test
