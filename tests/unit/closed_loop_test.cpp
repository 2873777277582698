#include "harness/load/closed_loop.hpp"

#include <gtest/gtest.h>

namespace drover {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

LoadSpec spec(Duration duration, Duration think, std::optional<std::uint64_t> iterations = {}) {
  LoadSpec s;
  s.duration = duration;
  s.think_time = think;
  s.iterations = iterations;
  return s;
}

// Time is passed in, so pacing is tested without sleeping.
TEST(ClosedLoop, FirstOperationStartsAtLoadStartThenAfterThinkTime) {
  ClosedLoop model(spec(seconds(10), milliseconds(100)));
  TimePoint t0{};
  auto pacer = model.pacer_for(0, t0);
  EXPECT_EQ(pacer->next(t0), t0);
  EXPECT_EQ(pacer->next(t0 + milliseconds(5)), t0 + milliseconds(105));
  EXPECT_EQ(pacer->next(t0 + milliseconds(300)), t0 + milliseconds(400));
}

TEST(ClosedLoop, StopsWhenTheNextStartWouldBeAfterTheDuration) {
  ClosedLoop model(spec(seconds(1), milliseconds(300)));
  TimePoint t0{};
  auto pacer = model.pacer_for(0, t0);
  ASSERT_TRUE(pacer->next(t0));
  EXPECT_TRUE(pacer->next(t0 + milliseconds(600)));   // starts at 900 ms
  EXPECT_FALSE(pacer->next(t0 + milliseconds(750)));  // would start at 1050 ms
}

TEST(ClosedLoop, StopsAfterItsIterations) {
  ClosedLoop model(spec(seconds(60), Duration(0), 3));
  TimePoint t0{};
  auto pacer = model.pacer_for(0, t0);
  int ops = 0;
  for (TimePoint now = t0; pacer->next(now); now += milliseconds(1)) ++ops;
  EXPECT_EQ(ops, 3);
}

TEST(ClosedLoop, EachClientHasItsOwnSchedule) {
  ClosedLoop model(spec(seconds(1), Duration(0), 1));
  TimePoint t0{};
  auto a = model.pacer_for(0, t0);
  auto b = model.pacer_for(1, t0);
  EXPECT_TRUE(a->next(t0));
  EXPECT_TRUE(b->next(t0));
  EXPECT_FALSE(a->next(t0));
}

TEST(ClosedLoop, PlannedDurationIsTheScenarioDuration) {
  EXPECT_EQ(ClosedLoop(spec(seconds(7), Duration(0))).planned_duration(), seconds(7));
}

}  // namespace
}  // namespace drover
