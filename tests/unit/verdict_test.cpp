#include "harness/checks/verdict.hpp"

#include <gtest/gtest.h>

namespace drover::verdict_test {
namespace {

InvariantResult holds(Invariant i) {
  return {i, "s", true, "", {}};
}
InvariantResult broken(Invariant i) {
  return {i, "s", false, "broken", {}};
}
ThresholdResult threshold(bool ok) {
  ThresholdResult t;
  t.metric = "latency.p99";
  t.ok = ok;
  return t;
}

Judgement judged(std::vector<InvariantResult> invariants, std::vector<ThresholdResult> thresholds,
                 Expect expect, std::vector<std::string> errors = {}, bool interrupted = false) {
  return judge({errors, thresholds, invariants, expect, interrupted});
}

TEST(Verdict, EverythingHeldPasses) {
  Judgement j = judged({holds(Invariant::kRepliesCorrect), holds(Invariant::kFleetAnswered)},
                       {threshold(true)}, Expect::kPass);
  EXPECT_EQ(j.verdict, Verdict::kPass);
  EXPECT_EQ(j.exit_code, ExitCode::kPass);
  EXPECT_EQ(j.expected_failure, (std::vector<bool>{false, false}));
  EXPECT_FALSE(j.violation_missing);
}

TEST(Verdict, ABrokenInvariantOrThresholdFails) {
  EXPECT_EQ(judged({broken(Invariant::kNoOversell)}, {}, Expect::kPass).exit_code,
            ExitCode::kFailed);
  Judgement j = judged({holds(Invariant::kNoOversell)}, {threshold(false)}, Expect::kPass);
  EXPECT_EQ(j.verdict, Verdict::kFail);
  EXPECT_EQ(j.exit_code, ExitCode::kFailed);
}

TEST(Verdict, AnInfrastructureErrorIsAnErrorWhateverElseHeld) {
  Judgement j = judged({holds(Invariant::kRepliesCorrect)}, {threshold(true)}, Expect::kPass,
                       {"target echo never became ready"});
  EXPECT_EQ(j.verdict, Verdict::kError);
  EXPECT_EQ(j.exit_code, ExitCode::kInfrastructure);
  Judgement expecting = judged({}, {}, Expect::kViolation, {"no target"});
  EXPECT_EQ(expecting.exit_code, ExitCode::kInfrastructure);
  EXPECT_FALSE(expecting.violation_missing);
}

TEST(Verdict, AnExpectedViolationThatWasCaughtPassesAndIsMarked) {
  Judgement j = judged({holds(Invariant::kTargetAlive), broken(Invariant::kExactlyOnce)},
                       {threshold(true)}, Expect::kViolation);
  EXPECT_EQ(j.verdict, Verdict::kPass);
  EXPECT_EQ(j.exit_code, ExitCode::kPass);
  EXPECT_EQ(j.expected_failure, (std::vector<bool>{false, true}));
}

TEST(Verdict, AnExpectedViolationNobodyCaughtFails) {
  Judgement j = judged({holds(Invariant::kExactlyOnce)}, {}, Expect::kViolation);
  EXPECT_EQ(j.verdict, Verdict::kFail);
  EXPECT_TRUE(j.violation_missing);
}

TEST(Verdict, AFleetWithoutACorrectAnswerIsNeverTheExpectedViolation) {
  // The broken target never answered at all: that proves nothing about it.
  Judgement j = judged({broken(Invariant::kFleetAnswered)}, {}, Expect::kViolation);
  EXPECT_EQ(j.verdict, Verdict::kFail);
  EXPECT_EQ(j.exit_code, ExitCode::kFailed);
  EXPECT_EQ(j.expected_failure, (std::vector<bool>{false}));
  EXPECT_TRUE(j.violation_missing);
  // Nor does it pass beside a violation that was caught.
  Judgement both = judged({broken(Invariant::kFleetAnswered), broken(Invariant::kNoOversell)}, {},
                          Expect::kViolation);
  EXPECT_EQ(both.verdict, Verdict::kFail);
  EXPECT_EQ(both.expected_failure, (std::vector<bool>{false, true}));
}

TEST(Verdict, ThresholdsStillHoldWhenAViolationIsExpected) {
  Judgement j = judged({broken(Invariant::kNoOversell)}, {threshold(false)}, Expect::kViolation);
  EXPECT_EQ(j.verdict, Verdict::kFail);
}

TEST(Verdict, AnInterruptedRunIsJudgedAndExits130) {
  Judgement pass = judged({holds(Invariant::kRepliesCorrect)}, {}, Expect::kPass, {}, true);
  EXPECT_EQ(pass.verdict, Verdict::kPass);
  EXPECT_EQ(pass.exit_code, ExitCode::kInterrupted);
  Judgement fail = judged({broken(Invariant::kRepliesCorrect)}, {}, Expect::kPass, {}, true);
  EXPECT_EQ(fail.verdict, Verdict::kFail);
  EXPECT_EQ(fail.exit_code, ExitCode::kInterrupted);
}

InvariantResult undecided(Invariant i) {
  InvariantResult r{i, "s", false, "the final AUDIT is missing", {}};
  r.unknown = true;
  return r;
}

TEST(Verdict, AnUndecidedInvariantMakesARunThatWouldPassUnknown) {
  Judgement j = judged({holds(Invariant::kRepliesCorrect), undecided(Invariant::kNoOversell)},
                       {threshold(true)}, Expect::kPass);
  EXPECT_EQ(j.verdict, Verdict::kUnknown);
  EXPECT_EQ(j.exit_code, ExitCode::kFailed);
  EXPECT_EQ(j.expected_failure, (std::vector<bool>{false, false}));
}

TEST(Verdict, AFailureOutweighsAnUndecidedInvariant) {
  Judgement j = judged({broken(Invariant::kRepliesCorrect), undecided(Invariant::kNoOversell)}, {},
                       Expect::kPass);
  EXPECT_EQ(j.verdict, Verdict::kFail);
  Judgement t = judged({undecided(Invariant::kNoOversell)}, {threshold(false)}, Expect::kPass);
  EXPECT_EQ(t.verdict, Verdict::kFail);
}

TEST(Verdict, AnUndecidedInvariantIsNeverTheExpectedViolation) {
  Judgement j = judged({undecided(Invariant::kNoOversell)}, {}, Expect::kViolation);
  EXPECT_EQ(j.verdict, Verdict::kFail);
  EXPECT_TRUE(j.violation_missing);
  EXPECT_EQ(j.expected_failure, (std::vector<bool>{false}));
  // Caught, with another invariant undecided: still not a plain pass.
  Judgement caught = judged({broken(Invariant::kExactlyOnce), undecided(Invariant::kNoOversell)},
                            {}, Expect::kViolation);
  EXPECT_EQ(caught.verdict, Verdict::kUnknown);
  EXPECT_EQ(caught.exit_code, ExitCode::kFailed);
}

TEST(Verdict, RecordingWritesTheJudgementIntoTheRun) {
  RunResult run;
  run.expect = Expect::kViolation;
  run.invariants = {holds(Invariant::kTargetAlive), broken(Invariant::kNoOversell)};
  judge_run(run);
  EXPECT_EQ(run.verdict, Verdict::kPass);
  EXPECT_FALSE(run.invariants[0].expected_failure);
  EXPECT_TRUE(run.invariants[1].expected_failure);
  EXPECT_FALSE(run.violation_missing);
}

TEST(InvariantNames, RoundTripAndRejectUnknownNames) {
  for (std::size_t i = 0; i < kInvariantNames.size(); ++i) {
    auto invariant = static_cast<Invariant>(i);
    EXPECT_EQ(invariant_from_name(invariant_name(invariant)), invariant);
  }
  EXPECT_EQ(invariant_from_name("no_oversel"), std::nullopt);
  EXPECT_EQ(expect_from_name("violation"), Expect::kViolation);
  EXPECT_EQ(expect_from_name("fail"), std::nullopt);
}

}  // namespace
}  // namespace drover::verdict_test
