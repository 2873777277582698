#include "harness/checks/windowed_thresholds.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "harness/checks/thresholds.hpp"
#include "harness/measure/hdr_log.hpp"
#include "tests/support/temp_dir.hpp"

namespace drover::windowed_thresholds_test {
namespace {

using std::chrono::seconds;

ThresholdSpec p99_within(Duration window, double limit_ms, bool abort = false) {
  ThresholdSpec t;
  t.metric = "latency.p99";
  t.comparison = Comparison::kLess;
  t.limit = limit_ms;
  t.text = "< " + std::to_string(limit_ms) + "ms";
  t.window = window;
  t.abort_on_fail = abort;
  return t;
}

// One slot's second: n operations of ms milliseconds.
std::vector<LatencyHistogram> second_of(int n, double ms) {
  std::vector<LatencyHistogram> slots(1);
  for (int i = 0; i < n; ++i) slots[0].record(static_cast<std::uint64_t>(ms * 1e6));
  return slots;
}

std::vector<std::size_t> one_slot(const ThresholdSpec&) {
  return {0};
}

TEST(WindowedThresholds, AStretchOverTheLimitFailsTheWindowsOverIt) {
  std::vector<ThresholdSpec> specs{p99_within(seconds(3), 10)};
  WindowedThresholds w(specs, one_slot);
  for (std::size_t s = 0; s < 10; ++s) w.add_second(s, second_of(1000, s == 6 ? 50 : 1));
  w.finish();
  auto worst = w.worst(0);
  ASSERT_TRUE(worst);
  EXPECT_FALSE(worst->ok);
  EXPECT_NEAR(worst->value, 50, 0.5);
  EXPECT_EQ(worst->worst_window_start_s, 4);  // the first window holding second 6
  EXPECT_EQ(worst->metric, "latency.p99[3s]");
}

TEST(WindowedThresholds, TheWorstWindowIsReportedWhenAllPass) {
  std::vector<ThresholdSpec> specs{p99_within(seconds(2), 10)};
  WindowedThresholds w(specs, one_slot);
  for (std::size_t s = 0; s < 6; ++s) w.add_second(s, second_of(100, s == 3 ? 8 : 1));
  w.finish();
  auto worst = w.worst(0);
  ASSERT_TRUE(worst);
  EXPECT_TRUE(worst->ok);
  EXPECT_NEAR(worst->value, 8, 0.1);
  EXPECT_EQ(worst->worst_window_start_s, 2);
}

TEST(WindowedThresholds, ARunShorterThanItsWindowIsOneWindow) {
  std::vector<ThresholdSpec> specs{p99_within(seconds(30), 10)};
  WindowedThresholds w(specs, one_slot);
  for (std::size_t s = 0; s < 5; ++s) w.add_second(s, second_of(100, s == 2 ? 20 : 1));
  EXPECT_FALSE(w.worst(0)) << "no whole window yet";
  w.finish();
  ASSERT_TRUE(w.worst(0));
  EXPECT_FALSE(w.worst(0)->ok);
}

TEST(WindowedThresholds, WindowsThatAnsweredNothingAreNotJudged) {
  std::vector<ThresholdSpec> specs{p99_within(seconds(2), 10)};
  WindowedThresholds w(specs, one_slot);
  for (std::size_t s = 0; s < 4; ++s) w.add_second(s, second_of(0, 0));
  w.finish();
  EXPECT_FALSE(w.worst(0));
}

// A log whose lines leave months of seconds without answers (a broken or
// hostile one: a run's seconds are consecutive) is judged in time linear
// in its lines plus a little per empty second, and the window over its
// last line is found.
TEST(WindowedThresholds, MonthsWithoutLinesInALogAreWalkedQuickly) {
  test::TempDir dir;
  const std::string path = (dir.path() / "latency-seconds.hlog").string();
  constexpr double kLast = 20'000'000;  // 231 days
  {
    auto log = IntervalLogWriter::open(path, 1'700'000'000);
    ASSERT_TRUE(log) << log.error();
    log->write("clients/echo", 0, 1, second_of(100, 1)[0]);
    log->write("clients/echo", kLast, 1, second_of(100, 50)[0]);
  }
  const auto started = std::chrono::steady_clock::now();
  auto judged = judge_windows_from_log({p99_within(seconds(30), 10)}, path);
  const double took_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ASSERT_TRUE(judged) << judged.error();
  ASSERT_EQ(judged->size(), 1u);
  EXPECT_FALSE((*judged)[0].ok);
  EXPECT_NEAR((*judged)[0].worst_window_value, 50, 0.5);
  EXPECT_EQ((*judged)[0].worst_window_start_s, kLast - 29);
  // Measured on 2 cores: 0.14 s (ASan: 4 s); 10 s when each empty second was
  // cleared and judged, as it once was.
#ifdef __SANITIZE_ADDRESS__
  constexpr double kBoundS = 20;
#else
  constexpr double kBoundS = 4;
#endif
  EXPECT_LT(took_s, kBoundS) << "a second without lines costs more than a few nanoseconds";
}

TEST(WindowedThresholds, ApplyFailsTheWholeRunsResultAndAbortSeesTheLatestWindow) {
  std::vector<ThresholdSpec> specs{p99_within(Duration::zero(), 10),
                                   p99_within(seconds(1), 10, true)};
  WindowedThresholds w(specs, one_slot);
  w.add_second(0, second_of(100, 1));
  EXPECT_FALSE(w.failing_abort(seconds(1)));
  w.add_second(1, second_of(100, 30));
  EXPECT_EQ(w.failing_abort(seconds(2)), std::optional<std::size_t>(1));
  RunResult run;  // the whole run passes
  run.latency.count = 200;
  run.latency.p99_ms = 5;
  std::vector<ThresholdResult> results = evaluate_thresholds(specs, run);
  ASSERT_TRUE(results[0].ok && results[1].ok);
  EXPECT_EQ(results[1].metric, "latency.p99[1s]");
  w.apply(results);
  EXPECT_TRUE(results[0].ok) << "thresholds without a window are left alone";
  EXPECT_FALSE(results[1].ok);
  EXPECT_NEAR(results[1].value, 30, 0.3);
}

}  // namespace
}  // namespace drover::windowed_thresholds_test
