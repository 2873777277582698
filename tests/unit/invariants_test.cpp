#include "harness/checks/invariants.hpp"

#include <gtest/gtest.h>

namespace drover::invariants_test {
namespace {

TEST(RepliesCorrect, HoldsWhenNoReplyWasWrong) {
  FleetResult f;
  f.name = "clients";
  f.totals.by_outcome[static_cast<std::size_t>(Outcome::kOk)] = 500;
  f.totals.by_outcome[static_cast<std::size_t>(Outcome::kTimeout)] = 3;  // not a wrong reply
  auto r = check_replies_correct(f);
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.subject, "clients");
  EXPECT_EQ(r.detail, "500 of 500 replies as expected");
}

TEST(RepliesCorrect, FailsAndCountsWrongReplies) {
  FleetResult f;
  f.totals.by_outcome[static_cast<std::size_t>(Outcome::kOk)] = 300;
  f.totals.by_outcome[static_cast<std::size_t>(Outcome::kWrongReply)] = 100;
  auto r = check_replies_correct(f);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "100 of 400 replies were wrong (25.000%)");
}

TEST(FleetAnswered, HoldsWithOneCorrectAnswer) {
  FleetResult f;
  f.name = "clients";
  f.totals.by_outcome[static_cast<std::size_t>(Outcome::kOk)] = 1;
  f.totals.by_outcome[static_cast<std::size_t>(Outcome::kConnectError)] = 900;
  auto r = check_fleet_answered(f);
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.invariant, Invariant::kFleetAnswered);
  EXPECT_EQ(r.subject, "clients");
}

TEST(FleetAnswered, FailsWhenEveryOperationFailedAndSaysHow) {
  FleetResult f;
  f.name = "clients";
  f.totals.by_outcome[static_cast<std::size_t>(Outcome::kConnectError)] = 786;
  auto r = check_fleet_answered(f);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail,
            "fleet \"clients\" never got a correct answer: 786 operations, 786 connect_error");
  f.totals.by_outcome[static_cast<std::size_t>(Outcome::kWrongReply)] = 14;
  EXPECT_EQ(check_fleet_answered(f).detail,
            "fleet \"clients\" never got a correct answer: 800 operations, 14 wrong_reply, 786 "
            "connect_error");
}

TEST(FleetAnswered, FailsWhenNoOperationCompleted) {
  FleetResult f;
  f.name = "idle";
  auto r = check_fleet_answered(f);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "fleet \"idle\" completed no operation during the load");
}

TEST(NoZombies, ListsTheFirstZombies) {
  EXPECT_TRUE(check_no_zombies("tcp", 10, {}).ok);
  std::vector<int> many;
  for (int i = 0; i < 12; ++i) many.push_back(100 + i);
  auto r = check_no_zombies("tcp", 10, many);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail,
            "12 zombie (unreaped) children of pid 10: 100, 101, 102, 103, 104, 105, 106, 107, "
            "108, 109, ... (2 more)");
}

TEST(TargetAlive, ReportsHowTheTargetEnded) {
  EXPECT_TRUE(check_target_alive("echo", false, "").ok);
  auto r = check_target_alive("echo", true, "was killed by signal 9 (Killed)");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "target \"echo\" was killed by signal 9 (Killed) during the run");
}

}  // namespace
}  // namespace drover::invariants_test
