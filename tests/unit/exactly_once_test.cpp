#include <gtest/gtest.h>

#include "harness/checks/checker.hpp"
#include "tests/unit/history_test_util.hpp"

namespace drover::exactly_once_test {
namespace {

using namespace testing_history;
constexpr auto I = EventType::kInvoke;
constexpr auto OK = EventType::kOk;
constexpr auto INFO = EventType::kInfo;

CheckerPtr checker() {
  return make_exactly_once_checker({"q", {"f"}}, 4);
}
EventValue item(const char* s) {
  return EventValue::of(std::string(s));
}

std::vector<Event> put_get_done(const char* name, std::uint64_t t) {
  return {ev(t, 1, I, "put", item(name)),
          ev(t + 1, 1, OK, "put", item(name)),
          ev(t + 2, 2, I, "get"),
          ev(t + 3, 2, OK, "get", item(name)),
          ev(t + 4, 2, I, "done", item(name)),
          ev(t + 5, 2, OK, "done", item(name))};
}

// The broker's final STATS, without which the depth is unknown.
Event stats(std::int64_t max_depth) {
  return ev(99, 0, OK, "stats", EventValue::of(std::vector<std::int64_t>{0, max_depth, 0, 0, 0}),
            "@q");
}

TEST(ExactlyOnce, HoldsWhenEveryItemIsConsumedOnce) {
  auto c = checker();
  feed(*c, put_get_done("a", 10));
  feed(*c, put_get_done("b", 20));
  feed(*c,
       {ev(30, 0, I, "join", {}, "@q"), ev(31, 0, OK, "join", {}, "@q"),
        ev(32, 0, OK, "stats", EventValue::of(std::vector<std::int64_t>{0, 3, 2, 2, 2}), "@q")});
  auto r = c->result();
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.detail, "2 acknowledged items, 2 consumed once each, max depth 3 of 4");
}

TEST(ExactlyOnce, ReportsLostDuplicatedAndUnexpectedItems) {
  auto c = checker();
  feed(*c, {ev(1, 1, I, "put", item("lost")), ev(2, 1, OK, "put", item("lost")),
            ev(3, 1, I, "put", item("twice")), ev(4, 1, OK, "put", item("twice")),
            ev(5, 2, OK, "get", item("twice")), ev(6, 3, OK, "get", item("twice")),
            ev(7, 3, OK, "get", item("ghost"))});
  auto r = c->result();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.detail.find("1 acknowledged items never consumed: lost"), std::string::npos)
      << r.detail;
  EXPECT_NE(r.detail.find("1 items consumed more than once: twice"), std::string::npos);
  EXPECT_NE(r.detail.find("1 items consumed that were never put: ghost"), std::string::npos);
}

TEST(ExactlyOnce, AGetOfUnknownOutcomeMayAccountForOneMissingItem) {
  auto c = checker();
  feed(*c, {ev(1, 1, I, "put", item("a")), ev(2, 1, OK, "put", item("a")), ev(3, 2, I, "get"),
            ev(4, 2, INFO, "get"), stats(1)});
  auto r = c->result();
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_NE(r.detail.find("1 unconfirmed"), std::string::npos);
}

TEST(ExactlyOnce, AnUnacknowledgedPutThatNeverArrivesIsFine) {
  auto c = checker();
  feed(*c, {ev(1, 1, I, "put", item("maybe")), ev(2, 1, INFO, "put", item("maybe")), stats(1)});
  EXPECT_TRUE(c->result().ok);
}

TEST(ExactlyOnce, DepthAboveMaxsizeAndAnEarlyJoinAreViolations) {
  auto c = checker();
  feed(*c, {ev(1, 0, OK, "stats", EventValue::of(std::vector<std::int64_t>{0, 5, 0, 0, 0}), "@q"),
            ev(2, 0, OK, "join", {}, "@q"), ev(3, 2, I, "done", item("late"))});
  auto r = c->result();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.detail.find("queue depth reached 5 (maxsize 4)"), std::string::npos) << r.detail;
  EXPECT_NE(r.detail.find("JOIN returned before every DONE had been sent"), std::string::npos);
}

}  // namespace
}  // namespace drover::exactly_once_test
