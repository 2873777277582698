#include "harness/drivers/reply_matcher.hpp"

#include <gtest/gtest.h>

#include <string>

namespace drover::reply_matcher_test {
namespace {

using Kind = ReplyMatcher::Match::Kind;

void begin(ReplyMatcher& m, std::uint32_t op, const std::string& expected) {
  m.expected(op) = expected;
  m.begin(op);
}

TEST(ReplyMatcher, RepliesInAnyOrderFindTheirRequests) {
  ReplyMatcher m(4);
  begin(m, 0, "A-0");
  begin(m, 1, "A-1");
  begin(m, 2, "A-2");
  begin(m, 3, "A-3");
  for (std::uint32_t op : {2u, 0u, 3u, 1u}) {
    auto r = m.match("A-" + std::to_string(op));
    EXPECT_EQ(r.kind, Kind::kAnswer);
    EXPECT_EQ(r.op, op);
    EXPECT_FALSE(m.outstanding(op));
  }
  EXPECT_EQ(m.oldest(), -1);
}

TEST(ReplyMatcher, ADuplicateReplyIsLateAndAnswersNothingElse) {
  ReplyMatcher m(2);
  begin(m, 0, "ONE");
  EXPECT_EQ(m.match("ONE").kind, Kind::kAnswer);
  begin(m, 0, "TWO");
  begin(m, 1, "THREE");
  EXPECT_EQ(m.match("ONE").kind, Kind::kLate);
  EXPECT_TRUE(m.outstanding(0));
  EXPECT_TRUE(m.outstanding(1));
  EXPECT_EQ(m.match("TWO").op, 0u);
}

TEST(ReplyMatcher, AReplyAfterItsRequestWasAbandonedIsLate) {
  ReplyMatcher m(2);
  begin(m, 0, "SLOW");
  m.abandon(0);  // timed out
  begin(m, 0, "NEXT");
  EXPECT_EQ(m.match("SLOW").kind, Kind::kLate);
  EXPECT_TRUE(m.outstanding(0)) << "a late reply is no answer to the next request";
  EXPECT_EQ(m.match("NEXT").kind, Kind::kAnswer);
}

TEST(ReplyMatcher, ACorruptedReplyIsAWrongAnswerToTheRequestItResembles) {
  ReplyMatcher m(3);
  begin(m, 0, "HELLO 0-0 ABCDEFGH");
  begin(m, 1, "HELLO 1-0 IJKLMNOP");
  begin(m, 2, "HELLO 2-0 QRSTUVWX");
  auto r = m.match("#ELLO 1-0 IJKLMNOP");  // udp_echo --corrupt-every's change
  EXPECT_EQ(r.kind, Kind::kWrong);
  EXPECT_EQ(r.op, 1u);
  EXPECT_FALSE(m.outstanding(1));
  EXPECT_TRUE(m.outstanding(0));
  EXPECT_TRUE(m.outstanding(2));
}

TEST(ReplyMatcher, AReplyResemblingNothingIsAWrongAnswerToTheOldestRequest) {
  ReplyMatcher m(3);
  begin(m, 2, "FIRST");
  begin(m, 0, "SECOND");
  begin(m, 1, "THIRD");
  auto r = m.match("something else entirely");
  EXPECT_EQ(r.kind, Kind::kWrong);
  EXPECT_EQ(r.op, 2u);
  EXPECT_EQ(m.oldest(), 0);
}

TEST(ReplyMatcher, AReplyWhenNothingIsOutstandingIsLate) {
  ReplyMatcher m(1);
  EXPECT_EQ(m.match("STRAY").kind, Kind::kLate);
}

TEST(ReplyMatcher, IdenticalRequestsAreAnsweredOneReplyEach) {
  ReplyMatcher m(3);
  for (std::uint32_t op = 0; op < 3; ++op) begin(m, op, "PING");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(m.match("PING").kind, Kind::kAnswer);
  for (std::uint32_t op = 0; op < 3; ++op) EXPECT_FALSE(m.outstanding(op));
}

TEST(ReplyMatcher, TheTableStaysCorrectOverManyRoundsOfCollidingInsertsAndErases) {
  // More rounds than table slots, replies in a scrambled order, some
  // requests abandoned: every answer must still find its own request.
  constexpr std::uint32_t kOps = 64;
  ReplyMatcher m(kOps);
  std::uint64_t round = 0;
  for (; round < 200; ++round) {
    for (std::uint32_t op = 0; op < kOps; ++op)
      begin(m, op, "R" + std::to_string(round) + "-" + std::to_string(op));
    for (std::uint32_t k = 0; k < kOps; ++k) {
      std::uint32_t op = (k * 37 + static_cast<std::uint32_t>(round)) % kOps;
      if (op % 9 == 0) {
        m.abandon(op);
        continue;
      }
      auto r = m.match("R" + std::to_string(round) + "-" + std::to_string(op));
      ASSERT_EQ(r.kind, Kind::kAnswer) << round << " " << op;
      ASSERT_EQ(r.op, op);
    }
    ASSERT_EQ(m.oldest(), -1);
  }
}

}  // namespace
}  // namespace drover::reply_matcher_test
