#include <gtest/gtest.h>

#include "harness/checks/checker.hpp"
#include "tests/unit/history_test_util.hpp"

namespace drover::no_oversell_test {
namespace {

using namespace testing_history;
constexpr auto I = EventType::kInvoke;
constexpr auto OK = EventType::kOk;
constexpr auto FAIL = EventType::kFail;
constexpr auto INFO = EventType::kInfo;

CheckerPtr checker(std::int64_t stock) {
  return make_no_oversell_checker({"db", {"f"}}, stock);
}

Event audit(std::int64_t count) {
  return ev(99, 0, OK, "audit", EventValue::of(count), "@db");
}

TEST(NoOversell, HoldsForACleanSellOut) {
  auto c = checker(3);
  feed(*c, {ev(1, 1, I, "buy"), ev(2, 1, OK, "buy", EventValue::of(3)), ev(3, 2, I, "buy"),
            ev(4, 2, OK, "buy", EventValue::of(2)), ev(5, 1, I, "buy"),
            ev(6, 1, OK, "buy", EventValue::of(1)), ev(7, 2, I, "buy"),
            ev(8, 2, FAIL, "buy", EventValue::of("soldout")), audit(0)});
  auto r = c->result();
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.invariant, Invariant::kNoOversell);
  EXPECT_EQ(r.detail,
            "sold 3 of 3 (0 unknown outcomes), no serial sold twice, final count 0 (expected 0)");
}

TEST(NoOversell, NamesSerialsSoldTwiceAndTheOversell) {
  auto c = checker(2);
  feed(*c, {ev(2, 1, OK, "buy", EventValue::of(2)), ev(4, 2, OK, "buy", EventValue::of(2)),
            ev(6, 3, OK, "buy", EventValue::of(1)), audit(0)});
  auto r = c->result();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.detail.find("3 tickets sold from a stock of 2"), std::string::npos) << r.detail;
  EXPECT_NE(r.detail.find("1 serials sold more than once: 2"), std::string::npos) << r.detail;
}

TEST(NoOversell, UnknownOutcomesWidenTheExpectedFinalCount) {
  auto c = checker(10);
  feed(*c, {ev(2, 1, OK, "buy", EventValue::of(10)), ev(4, 2, INFO, "buy"), ev(5, 3, INFO, "buy"),
            audit(8)});
  auto r = c->result();
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_NE(r.detail.find("final count 8 (expected 7..9)"), std::string::npos) << r.detail;
}

TEST(NoOversell, AFileThatDisagreesWithTheSalesIsAViolation) {
  auto c = checker(10);
  feed(*c, {ev(2, 1, OK, "buy", EventValue::of(10)), ev(3, 1, OK, "buy", EventValue::of(9)),
            audit(9)});  // two sold, but the file says only one
  auto r = c->result();
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.detail.find("the final AUDIT counts 9 left, so 1 sold, but 2 BUYs succeeded"),
            std::string::npos)
      << r.detail;
}

TEST(NoOversell, IgnoresOtherTargetsFleets) {
  auto c = checker(1);
  feed(*c, {ev(2, 1, OK, "buy", EventValue::of(1), "other"),
            ev(3, 1, OK, "buy", EventValue::of(1), "other")});
  auto r = c->result();
  EXPECT_TRUE(r.unknown) << r.detail;
  EXPECT_NE(r.detail.find("holds no BUY or SEARCH"), std::string::npos) << r.detail;
}

}  // namespace
}  // namespace drover::no_oversell_test
