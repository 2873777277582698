#include "harness/drivers/expectation.hpp"

#include <gtest/gtest.h>

namespace drover {
namespace {

Expectation expect(Expectation::Kind kind, std::string text = "") {
  return {kind, std::move(text)};
}

TEST(ReplyCheck, UpperAcceptsOnlyTheUpperCasedRequest) {
  ReplyCheck c(expect(Expectation::Kind::kUpper));
  EXPECT_TRUE(c.matches("hello 1-2", "HELLO 1-2", 0, 0, 1));
  EXPECT_FALSE(c.matches("hello", "hello", 0, 0, 1));
  EXPECT_FALSE(c.matches("hello", "HELLO ", 0, 0, 1));
  EXPECT_FALSE(c.matches("hello", "#ELLO", 0, 0, 1));
  EXPECT_TRUE(c.matches("", "", 0, 0, 1));
}

TEST(ReplyCheck, EchoAcceptsOnlyTheSameBytes) {
  ReplyCheck c(expect(Expectation::Kind::kEcho));
  EXPECT_TRUE(c.matches("abc", "abc", 0, 0, 1));
  EXPECT_FALSE(c.matches("abc", "ABC", 0, 0, 1));
}

TEST(ReplyCheck, EqualsRendersItsTemplateForTheSameClientSequenceAndFiller) {
  auto send = *PayloadTemplate::compile("{random:8}");
  std::uint64_t state = 77, before = 77;
  std::string request;
  send.render(request, 3, 9, state);
  ReplyCheck c(expect(Expectation::Kind::kEquals, "OK {client} {seq} {random:8}"));
  EXPECT_TRUE(c.matches(request, "OK 3 9 " + request, 3, 9, before));
  EXPECT_FALSE(c.matches(request, "OK 3 10 " + request, 3, 9, before));
}

TEST(ReplyCheck, RegexMustMatchTheWholeReply) {
  ReplyCheck c(expect(Expectation::Kind::kRegex, "HELLO [0-9]+"));
  EXPECT_TRUE(c.matches("x", "HELLO 42", 0, 0, 1));
  EXPECT_FALSE(c.matches("x", "HELLO 42!", 0, 0, 1));
}

TEST(ReplyCheck, AnyAcceptsEverythingAndCannotTellRequestsApart) {
  ReplyCheck c(expect(Expectation::Kind::kAny));
  EXPECT_TRUE(c.matches("x", "whatever", 0, 0, 1));
  EXPECT_FALSE(c.identifies_request());
  EXPECT_TRUE(ReplyCheck(expect(Expectation::Kind::kUpper)).identifies_request());
}

TEST(ReplyCheck, TheExpectedReplyIsTheOneMatchesAccepts) {
  std::string out;
  ReplyCheck upper(expect(Expectation::Kind::kUpper));
  ASSERT_TRUE(upper.expected_reply("hello 1-2 z{", 0, 0, 1, out));
  EXPECT_EQ(out, "HELLO 1-2 Z{");
  EXPECT_TRUE(upper.matches("hello 1-2 z{", out, 0, 0, 1));

  ReplyCheck echo(expect(Expectation::Kind::kEcho));
  ASSERT_TRUE(echo.expected_reply("abc", 0, 0, 1, out));
  EXPECT_EQ(out, "abc");

  auto send = *PayloadTemplate::compile("{random:8}");
  std::uint64_t state = 77, before = 77;
  std::string request;
  send.render(request, 3, 9, state);
  ReplyCheck equals(expect(Expectation::Kind::kEquals, "OK {client} {seq} {random:8}"));
  ASSERT_TRUE(equals.expected_reply(request, 3, 9, before, out));
  EXPECT_EQ(out, "OK 3 9 " + request);

  EXPECT_FALSE(ReplyCheck(expect(Expectation::Kind::kAny)).expected_reply("x", 0, 0, 1, out));
  EXPECT_FALSE(
      ReplyCheck(expect(Expectation::Kind::kRegex, "X")).expected_reply("x", 0, 0, 1, out));
}

}  // namespace
}  // namespace drover
