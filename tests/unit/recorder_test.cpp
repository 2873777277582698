#include "harness/measure/recorder.hpp"

#include <gtest/gtest.h>

namespace drover {
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
  ASSERT_EQ(rec.seconds.size(), 3u);
  EXPECT_EQ(rec.seconds[0].ops, 2u);
  EXPECT_EQ(rec.seconds[1].ops, 0u);
  EXPECT_EQ(rec.seconds[2].ops, 2u);
  EXPECT_EQ(rec.seconds[2].errors, 1u);
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
  EXPECT_EQ(rec.seconds[0].ops, 1u);
  EXPECT_EQ(rec.seconds[1].ops, 2u);
}

}  // namespace
}  // namespace drover
