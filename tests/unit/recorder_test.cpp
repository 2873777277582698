#include "harness/measure/recorder.hpp"

#include <gtest/gtest.h>

namespace drover::recorder_test {
namespace {

using std::chrono::milliseconds;

TEST(Recorder, CountsOutcomesPerSlotAndTimesOnlyAnsweredOperations) {
  TimePoint start = Clock::now();
  Recorder r(2, start);
  r.record(0, Outcome::kOk, milliseconds(2), start + milliseconds(10));
  r.record(0, Outcome::kWrongReply, milliseconds(4), start + milliseconds(20));
  r.record(0, Outcome::kTimeout, milliseconds(1000), start + milliseconds(30));
  r.record(1, Outcome::kConnectError, milliseconds(0), start + milliseconds(40));
  r.record_late_reply(0);

  Recording rec;
  r.merge_into(rec);
  ASSERT_EQ(rec.slots.size(), 2u);
  EXPECT_EQ(rec.slots[0].totals.ops(), 3u);
  EXPECT_EQ(rec.slots[0].totals.ok(), 1u);
  EXPECT_EQ(rec.slots[0].totals.count(Outcome::kWrongReply), 1u);
  EXPECT_EQ(rec.slots[0].totals.count(Outcome::kTimeout), 1u);
  EXPECT_EQ(rec.slots[0].totals.late_replies, 1u);
  EXPECT_EQ(rec.slots[0].latency.count(), 2u);  // the timeout is not a latency
  EXPECT_EQ(rec.slots[1].totals.count(Outcome::kConnectError), 1u);
}

TEST(Recorder, SnapshotsCountOperationsUnderWay) {
  TimePoint start = Clock::now();
  Recorder r(2, start);
  r.operation_begun(1);
  r.operation_begun(1);
  r.operation_begun(0);
  r.operation_ended(1);
  std::vector<SlotRecording> live;
  r.add_totals_to(live);
  ASSERT_EQ(live.size(), 2u);
  EXPECT_EQ(live[0].inflight, 1u);
  EXPECT_EQ(live[1].inflight, 1u);
}

TEST(Recorder, SplitsOperationsIntoSecondsByCompletionTime) {
  TimePoint start = Clock::now();
  Recorder r(1, start);
  r.record(0, Outcome::kOk, milliseconds(1), start + milliseconds(100));
  r.record(0, Outcome::kOk, milliseconds(1), start + milliseconds(900));
  r.record(0, Outcome::kTimeout, milliseconds(1), start + milliseconds(2500));
  r.record(0, Outcome::kOk, milliseconds(3), start + milliseconds(2600));

  Recording rec;
  r.merge_into(rec);
  ASSERT_EQ(rec.seconds.size(), 2u);  // second 1 had none
  EXPECT_EQ(rec.seconds.at(0).ops, 2u);
  EXPECT_EQ(rec.seconds.count(1), 0u);
  EXPECT_EQ(rec.seconds.at(2).ops, 2u);
  EXPECT_EQ(rec.seconds.at(2).errors, 1u);
  ASSERT_EQ(rec.seconds.at(2).latency.size(), 1u);  // the timeout is not a latency
  EXPECT_EQ(rec.seconds.at(2).latency[0].latency.size(), 1u);
}

TEST(Recorder, MergingTwoThreadsAddsTheirFigures) {
  TimePoint start = Clock::now();
  Recorder a(1, start), b(1, start);
  a.record(0, Outcome::kOk, milliseconds(1), start + milliseconds(100));
  b.record(0, Outcome::kOk, milliseconds(9), start + milliseconds(1100));
  b.record(0, Outcome::kOk, milliseconds(9), start + milliseconds(1200));
  Recording rec;
  a.merge_into(rec);
  b.merge_into(rec);
  EXPECT_EQ(rec.slots[0].totals.ok(), 3u);
  EXPECT_EQ(rec.slots[0].latency.count(), 3u);
  ASSERT_EQ(rec.seconds.size(), 2u);
  EXPECT_EQ(rec.seconds.at(0).ops, 1u);
  EXPECT_EQ(rec.seconds.at(1).ops, 2u);
}

TEST(Recorder, KeepsEachSlotsSecondsApart) {
  TimePoint start = Clock::now();
  Recorder r(3, start);
  r.record(2, Outcome::kOk, milliseconds(5), start + milliseconds(100));
  r.record(0, Outcome::kOk, milliseconds(1), start + milliseconds(200));
  r.record(2, Outcome::kOk, milliseconds(5), start + milliseconds(300));
  Recording rec;
  r.merge_into(rec);
  const auto& slots = rec.seconds.at(0).latency;
  ASSERT_EQ(slots.size(), 2u);
  EXPECT_EQ(slots[0].slot, 2u);  // in the order each first answered
  EXPECT_EQ(slots[0].latency.at(0).count, 2u);
  EXPECT_EQ(slots[1].slot, 0u);
}

TEST(Recorder, GivesUpFinishedSecondsAndForgetsThem) {
  TimePoint start = Clock::now();
  Recorder r(1, start);
  r.record(0, Outcome::kOk, milliseconds(1), start + milliseconds(100));
  r.record(0, Outcome::kOk, milliseconds(1), start + milliseconds(1100));
  r.record(0, Outcome::kOk, milliseconds(1), start + milliseconds(2100));
  std::map<std::size_t, SecondRecording> taken;
  r.take_seconds_before(2, taken);
  ASSERT_EQ(taken.size(), 2u);
  EXPECT_EQ(taken.at(0).ops, 1u);
  EXPECT_EQ(taken.at(1).ops, 1u);
  // The current second is given up once it is over, and each only once.
  taken.clear();
  r.take_seconds_before(3, taken);
  ASSERT_EQ(taken.size(), 1u);
  EXPECT_EQ(taken.at(2).ops, 1u);
  Recording rec;
  r.merge_into(rec);
  EXPECT_TRUE(rec.seconds.empty());
  EXPECT_EQ(rec.slots[0].totals.ok(), 3u);
}

}  // namespace
}  // namespace drover::recorder_test

namespace drover::recorder_test {
namespace {

TEST(Recorder, KeepsExamplesOfFailuresPerSlotAndClassAndMergesThreads) {
  TimePoint start = Clock::now();
  Recorder one(2, start, 1), two(2, start, 2);
  for (int i = 0; i < 4; ++i) {
    one.record(1, Outcome::kTimeout, std::chrono::seconds(1), start);
    FailureExample* e = one.sample_failure(1, Outcome::kTimeout);
    ASSERT_NE(e, nullptr);  // the first few, then the sample's first few
    e->rule = "no reply within 1s";
    e->t_ms = 10 + i;
  }
  two.record(1, Outcome::kWrongReply, std::chrono::milliseconds(1), start);
  two.sample_failure(1, Outcome::kWrongReply)->rule = "expected equals \"a\"";
  two.record(1, Outcome::kTimeout, std::chrono::seconds(1), start);
  two.sample_failure(1, Outcome::kTimeout)->t_ms = 1;

  Recording rec;
  one.merge_into(rec);
  two.merge_into(rec);
  const auto& failures = rec.slots[1].failures;
  const FailureSamples& timeouts = failures[static_cast<std::size_t>(Outcome::kTimeout)];
  EXPECT_EQ(timeouts.outcome, Outcome::kTimeout);
  EXPECT_EQ(timeouts.count, 5u);
  ASSERT_EQ(timeouts.first.size(), 3u);
  EXPECT_EQ(timeouts.first[0].t_ms, 1);  // the other thread's came first
  EXPECT_EQ(timeouts.sampled.size(), 2u);
  const FailureSamples& wrong = failures[static_cast<std::size_t>(Outcome::kWrongReply)];
  ASSERT_EQ(wrong.first.size(), 1u);
  EXPECT_EQ(wrong.first[0].rule, "expected equals \"a\"");
  EXPECT_EQ(rec.slots[0].failures[static_cast<std::size_t>(Outcome::kTimeout)].count, 0u);
}

}  // namespace
}  // namespace drover::recorder_test
