#include "harness/drivers/reply_framing.hpp"

#include <gtest/gtest.h>

namespace drover {
namespace {

TEST(ReplyFraming, AFixedReplyIsAsLongAsThePayloadAndWaitsForAllOfIt) {
  EXPECT_FALSE(frame_reply(Framing::kFixed, 5, "HELL"));
  auto r = frame_reply(Framing::kFixed, 5, "HELLOWORLD");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reply, "HELLO");
  EXPECT_EQ(r->consumed, 5u);
}

TEST(ReplyFraming, AnEmptyPayloadsFixedReplyIsWholeAtOnce) {
  auto r = frame_reply(Framing::kFixed, 0, "");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reply, "");
  EXPECT_EQ(r->consumed, 0u);
}

TEST(ReplyFraming, ALineEndsAtItsNewlineWithoutItOrACarriageReturn) {
  EXPECT_FALSE(frame_reply(Framing::kLine, 3, "ABC"));
  auto r = frame_reply(Framing::kLine, 3, "ABC\nDEF\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reply, "ABC");
  EXPECT_EQ(r->consumed, 4u);
  r = frame_reply(Framing::kLine, 3, "ABC\r\nDEF");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reply, "ABC");
  EXPECT_EQ(r->consumed, 5u);
}

TEST(ReplyFraming, ALinesLengthIsWhateverTheServerSent) {
  auto r = frame_reply(Framing::kLine, 3, "LONGER THAN SENT\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reply, "LONGER THAN SENT");
  r = frame_reply(Framing::kLine, 3, "\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reply, "");
  EXPECT_EQ(r->consumed, 1u);
}

}  // namespace
}  // namespace drover
