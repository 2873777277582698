#include "harness/checks/anomaly_timeline.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/temp_dir.hpp"
#include "tests/unit/history_test_util.hpp"

namespace drover::anomaly_timeline_test {
namespace {

using test::TempDir;
using testing_history::ev;

// Writes events as history.jsonl, in the order given (a real history is in
// time order only within each thread's flush).
std::string write_history(const TempDir& dir, const std::vector<Event>& events) {
  std::string text;
  for (const Event& e : events) {
    append_event_json(text, e);
    text += '\n';
  }
  return dir.write("history.jsonl", text).string();
}

CheckScope tickets_scope() {
  return {"tickets", {"f"}};
}

const TimelineEvent* focus_of(const Anomaly& a) {
  for (const TimelineEvent& e : a.events)
    if (e.focus) return &e;
  return nullptr;
}

TEST(AnomalyTimeline, CentresOnTheSecondSaleOfASerialAndShowsTheFirstOneToo) {
  std::vector<Event> events;
  // Serial 5 sold at 1 ms, then again at 50 ms; 200 other sales between.
  events.push_back(ev(1'000'000, 1, EventType::kInvoke, "buy", EventValue::of("b1")));
  events.push_back(ev(1'000'500, 1, EventType::kOk, "buy", EventValue::of(5)));
  for (int i = 0; i < 200; ++i) {
    std::uint64_t t = 2'000'000 + static_cast<std::uint64_t>(i) * 250'000;
    events.push_back(ev(t, 3, EventType::kInvoke, "buy", EventValue::of("b3")));
    events.push_back(ev(t + 100, 3, EventType::kOk, "buy", EventValue::of(100 + i)));
  }
  events.push_back(ev(49'999'000, 2, EventType::kInvoke, "buy", EventValue::of("b2")));
  events.push_back(ev(50'000'000, 2, EventType::kOk, "buy", EventValue::of(5)));
  events.push_back(ev(50'000'000, 9, EventType::kOk, "buy", EventValue::of(7), "other-fleet"));
  TempDir dir;
  std::string path = write_history(dir, events);

  auto checker = make_no_oversell_checker(tickets_scope(), 1000);
  for (const Event& e : events) checker->observe(e);
  ASSERT_FALSE(checker->result().ok);
  auto found = find_first_anomaly(path, tickets_scope(), checker->anomalies());
  ASSERT_TRUE(found) << found.error();
  std::optional<Anomaly> anomaly = *found;
  ASSERT_TRUE(anomaly);
  EXPECT_EQ(anomaly->about, "serial 5 sold a second time");
  EXPECT_DOUBLE_EQ(anomaly->t_ms, 50);
  const TimelineEvent* focus = focus_of(*anomaly);
  ASSERT_TRUE(focus);
  EXPECT_EQ(focus->client, 2u);
  EXPECT_EQ(focus->value, "5");
  // The first sale, 49 ms earlier, is there as related.
  bool first_sale = false;
  for (const TimelineEvent& e : anomaly->events) {
    if (e.client == 1 && e.type == "ok") first_sale = e.related && e.value == "5";
    EXPECT_NE(e.fleet, "other-fleet") << "outside the checker's scope";
  }
  EXPECT_TRUE(first_sale);
  // The nearest neighbours only, in time order.
  EXPECT_LE(anomaly->events.size(), 1 + 2 * kTimelineNeighbours + kTimelineRelated);
  EXPECT_GE(anomaly->events.size(), kTimelineNeighbours + 2);
  for (std::size_t i = 1; i < anomaly->events.size(); ++i)
    EXPECT_LE(anomaly->events[i - 1].t_ms, anomaly->events[i].t_ms);
}

TEST(AnomalyTimeline, CountsTheNthEventInTimeOrderNotFileOrder) {
  // The file holds the later sale first, as two threads' flushes may.
  std::vector<Event> events = {
      ev(9'000'000, 2, EventType::kOk, "buy", EventValue::of(5)),
      ev(3'000'000, 1, EventType::kOk, "buy", EventValue::of(5)),
      ev(4'000'000, 3, EventType::kOk, "buy", EventValue::of(6)),
  };
  TempDir dir;
  std::string path = write_history(dir, events);
  AnomalyFocus second_sale{"serial 5 sold a second time", "buy", EventType::kOk, "5", 0, 2};
  auto found = find_first_anomaly(path, tickets_scope(), {second_sale});
  ASSERT_TRUE(found) << found.error();
  std::optional<Anomaly> anomaly = *found;
  ASSERT_TRUE(anomaly);
  EXPECT_DOUBLE_EQ(anomaly->t_ms, 9);
  ASSERT_TRUE(focus_of(*anomaly));
  EXPECT_EQ(focus_of(*anomaly)->client, 2u);
}

TEST(AnomalyTimeline, KeepsTheEarliestOfSeveralCandidates) {
  std::vector<Event> events = {
      ev(1'000'000, 1, EventType::kOk, "get", EventValue::of("a")),
      ev(2'000'000, 2, EventType::kOk, "get", EventValue::of("b")),
      ev(3'000'000, 3, EventType::kOk, "get", EventValue::of("b")),
      ev(8'000'000, 4, EventType::kOk, "get", EventValue::of("a")),
  };
  TempDir dir;
  std::string path = write_history(dir, events);
  CheckScope scope{"queue", {"f"}};
  std::vector<AnomalyFocus> candidates = {
      {"item a was consumed a second time", "get", EventType::kOk, "a", 0, 2},
      {"item b was consumed a second time", "get", EventType::kOk, "b", 0, 2},
      {"item z was consumed a second time", "get", EventType::kOk, "z", 0, 2},  // not found
  };
  auto found = find_first_anomaly(path, scope, candidates);
  ASSERT_TRUE(found) << found.error();
  std::optional<Anomaly> anomaly = *found;
  ASSERT_TRUE(anomaly);
  EXPECT_EQ(anomaly->about, "item b was consumed a second time");
  EXPECT_DOUBLE_EQ(anomaly->t_ms, 3);
}

TEST(AnomalyTimeline, FindsAPoolTaskAnsweredTwiceByItsTaskId) {
  // A result: task, n, n*n, worker pid, start_us, end_us.
  std::vector<Event> events = {
      ev(1'000'000, 1, EventType::kInvoke, "submit",
         EventValue::of(std::vector<std::int64_t>{7, 3})),
      ev(2'000'000, 1, EventType::kOk, "submit",
         EventValue::of(std::vector<std::int64_t>{7, 3, 9, 100, 10, 20})),
      ev(2'500'000, 1, EventType::kOk, "submit",
         EventValue::of(std::vector<std::int64_t>{7, 3, 9, 101, 30, 40})),
  };
  TempDir dir;
  std::string path = write_history(dir, events);
  CheckScope scope{"pool", {"f"}};
  auto checker = make_pool_complete_checker(scope, 4);
  for (const Event& e : events) checker->observe(e);
  ASSERT_FALSE(checker->result().ok);
  auto found = find_first_anomaly(path, scope, checker->anomalies());
  ASSERT_TRUE(found) << found.error();
  std::optional<Anomaly> anomaly = *found;
  ASSERT_TRUE(anomaly);
  EXPECT_EQ(anomaly->about, "task 7 was answered a second time");
  EXPECT_DOUBLE_EQ(anomaly->t_ms, 2.5);
  ASSERT_TRUE(focus_of(*anomaly));
  EXPECT_EQ(focus_of(*anomaly)->value, "[7, 3, 9, 101, 30, 40]");
}

TEST(AnomalyTimeline, ACandidateNotInTheHistoryIsNothingFoundNotAnError) {
  TempDir dir;
  std::string path =
      write_history(dir, {ev(1'000'000, 1, EventType::kOk, "get", EventValue::of("a"))});
  auto found = find_first_anomaly(path, CheckScope{"queue", {"f"}},
                                  {{"item z was lost", "put", EventType::kOk, "z", 0, 1}});
  ASSERT_TRUE(found) << found.error();
  EXPECT_FALSE(found->has_value());
}

TEST(AnomalyTimeline, AHistoryThatCannotBeReadIsAnErrorNamingIt) {
  auto found =
      find_first_anomaly("/nonexistent/history.jsonl", tickets_scope(),
                         {{"serial 5 sold a second time", "buy", EventType::kOk, "5", 0, 2}});
  ASSERT_FALSE(found);
  EXPECT_NE(found.error().find("/nonexistent/history.jsonl"), std::string::npos) << found.error();
}

TEST(AnomalyTimeline, AHeldInvariantNamesNoCandidates) {
  auto checker = make_no_oversell_checker(tickets_scope(), 10);
  checker->observe(ev(1, 1, EventType::kOk, "buy", EventValue::of(1)));
  checker->observe(ev(2, 0, EventType::kOk, "audit", EventValue::of(9), "@tickets"));
  auto r = checker->result();
  ASSERT_TRUE(r.ok) << r.detail;
  EXPECT_TRUE(checker->anomalies().empty());
}

}  // namespace
}  // namespace drover::anomaly_timeline_test
