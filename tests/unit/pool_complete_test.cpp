#include <gtest/gtest.h>

#include "harness/checks/checker.hpp"
#include "tests/unit/history_test_util.hpp"

namespace drover::pool_complete_test {
namespace {

using namespace testing_history;
constexpr auto I = EventType::kInvoke;
constexpr auto OK = EventType::kOk;
constexpr auto FAIL = EventType::kFail;
constexpr auto INFO = EventType::kInfo;
using Ints = std::vector<std::int64_t>;

CheckerPtr checker(std::int64_t workers) {
  return make_pool_complete_checker({"pool", {"f"}}, workers);
}

Event submit(std::int64_t task, std::int64_t n) {
  return ev(1, 1, I, "submit", EventValue::of(Ints{task, n}));
}
Event result(std::int64_t task, std::int64_t n, std::int64_t value, std::int64_t start,
             std::int64_t end) {
  return ev(2, 1, OK, "submit", EventValue::of(Ints{task, n, value, 100 + task, start, end}));
}

TEST(PoolComplete, HoldsWhenEveryTaskIsAnsweredOnceWithinThePool) {
  auto c = checker(2);
  // Tasks 1 and 2 overlap; 3 starts the microsecond 1 ends: never 3 at once.
  feed(*c, {submit(1, 3), submit(2, 4), submit(3, 5), result(1, 3, 9, 0, 10),
            result(2, 4, 16, 5, 20), result(3, 5, 25, 10, 30)});
  auto r = c->result();
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.detail,
            "3 tasks answered once each (0 with an error), at most 2 of 2 running at once");
}

TEST(PoolComplete, CatchesOvercommitDroppedDuplicateAndWrongResults) {
  auto c = checker(2);
  feed(*c, {submit(1, 2), submit(2, 2), submit(3, 2), submit(4, 2), result(1, 2, 4, 0, 10),
            result(2, 2, 4, 1, 10), result(3, 2, 5, 2, 10), result(3, 2, 4, 2, 10),
            ev(9, 1, INFO, "submit", EventValue::of(Ints{4, 2}))});
  auto r = c->result();
  EXPECT_FALSE(r.ok);
  // Task 4 timed out: unknown, apart from the violations. Task 3's second
  // answer is a repeat, not a fourth task running.
  EXPECT_EQ(r.detail.find("never answered"), std::string::npos) << r.detail;
  EXPECT_NE(r.detail.find("1 tasks of unknown outcome (no answer in time): 4"), std::string::npos)
      << r.detail;
  EXPECT_NE(r.detail.find("1 tasks answered more than once: 3"), std::string::npos) << r.detail;
  EXPECT_NE(r.detail.find("1 results not n*n: tasks 3"), std::string::npos) << r.detail;
  EXPECT_NE(r.detail.find("3 tasks ran at once (pool of 2)"), std::string::npos) << r.detail;
}

TEST(PoolComplete, AnErrorAnswerCountsAsAnswered) {
  auto c = checker(4);
  feed(*c, {submit(1, 2), ev(2, 1, FAIL, "submit", EventValue::of(Ints{1, 2}))});
  auto r = c->result();
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_NE(r.detail.find("(1 with an error)"), std::string::npos);
}

}  // namespace
}  // namespace drover::pool_complete_test
