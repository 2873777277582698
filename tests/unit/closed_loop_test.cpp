#include "harness/load/closed_loop.hpp"

#include <gtest/gtest.h>

namespace drover::closed_loop_test {
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

LoadSpec staged(std::vector<std::pair<Duration, double>> stages, Duration think) {
  LoadSpec s;
  s.think_time = think;
  s.duration = Duration(0);
  for (auto [d, clients] : stages) {
    s.stages.push_back({d, clients});
    s.duration += d;
  }
  return s;
}

// Ramping from 0 to 10 clients over 1 s, client k joins at k/10 s.
TEST(ClosedLoop, StagedClientsJoinAsTheCountRampsUpToThem) {
  ClosedLoop model(staged({{seconds(1), 10}, {seconds(1), 10}}, milliseconds(10)));
  TimePoint t0{};
  for (int k : {0, 3, 9}) {
    auto pacer = model.pacer_for(static_cast<std::size_t>(k), t0);
    auto first = pacer->next(t0);
    ASSERT_TRUE(first) << k;
    EXPECT_NEAR(to_seconds(*first - t0), k / 10.0, 1e-6) << k;
  }
}

// Ramping down from 10 to 0 over the second second, client 7 stops at 1.3 s
// (the count is 7 then) and client 10, beyond every stage, never runs.
TEST(ClosedLoop, StagedClientsLeaveAsTheCountRampsDown) {
  ClosedLoop model(staged({{seconds(1), 10}, {seconds(1), 0}}, milliseconds(100)));
  TimePoint t0{};
  auto pacer = model.pacer_for(7, t0);
  TimePoint last{};
  for (auto start = pacer->next(t0); start; start = pacer->next(*start)) last = *start;
  EXPECT_NEAR(to_seconds(last - t0), 1.2, 0.101);
  EXPECT_FALSE(model.pacer_for(10, t0)->next(t0));
}

// A client left idle by a dip in the count comes back when it rises again.
TEST(ClosedLoop, StagedClientsComeBackWhenTheCountRisesAgain) {
  ClosedLoop model(staged({{seconds(1), 0}, {seconds(1), 4}}, Duration(0)));
  TimePoint t0{};
  // start_clients 0, then 0 for a second, then up to 4: client 1 joins at 1.25 s.
  auto pacer = model.pacer_for(1, t0);
  auto first = pacer->next(t0);
  ASSERT_TRUE(first);
  EXPECT_NEAR(to_seconds(*first - t0), 1.25, 1e-6);
}

TEST(ClosedLoop, PlannedDurationIsTheScenarioDuration) {
  EXPECT_EQ(ClosedLoop(spec(seconds(7), Duration(0))).planned_duration(), seconds(7));
}

}  // namespace
}  // namespace drover::closed_loop_test
