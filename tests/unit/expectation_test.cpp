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

TEST(ReplyCheckExplain, EqualsShowsBothSidesEscapedAndWhatLineFramingStrips) {
  ReplyCheck c(expect(Expectation::Kind::kEquals, "+OK\r"));
  ASSERT_FALSE(c.matches("PING", "+OK", 0, 0, 1));
  ReplyCheck::Mismatch m = c.explain("PING", "+OK", 0, 0, 1, {}, Framing::kLine);
  EXPECT_EQ(m.expected, "+OK\r");
  EXPECT_EQ(m.rule,
            R"x(expected equals "+OK\r", received "+OK" (note: line framing strips "\r"))x");
  // Fixed framing strips nothing: no note.
  EXPECT_EQ(c.explain("PING", "+OK", 0, 0, 1, {}, Framing::kFixed).rule,
            R"(expected equals "+OK\r", received "+OK")");
}

TEST(ReplyCheckExplain, EqualsWithANewlineUnderLineFramingSaysWhereARepliesEnds) {
  ReplyCheck c(expect(Expectation::Kind::kEquals, "a\nb"));
  EXPECT_EQ(c.explain("x", "a", 0, 0, 1, {}, Framing::kLine).rule,
            R"x(expected equals "a\nb", received "a" (note: line framing ends a reply at "\n"))x");
}

TEST(ReplyCheckExplain, EqualsExpectsTheTemplateRenderedForTheRequest) {
  ReplyCheck c(expect(Expectation::Kind::kEquals, "ok {client}-{seq}"));
  ReplyCheck::Mismatch m = c.explain("x", "ok 1-1", 3, 9, 1);
  EXPECT_EQ(m.expected, "ok 3-9");
  EXPECT_EQ(m.rule, R"(expected equals "ok 3-9", received "ok 1-1")");
}

TEST(ReplyCheckExplain, EchoAndUpperExpectTheRequest) {
  ReplyCheck upper(expect(Expectation::Kind::kUpper));
  ReplyCheck::Mismatch m = upper.explain("hi\x01", "hi\x01", 0, 0, 1);
  EXPECT_EQ(m.expected, "HI\x01");
  EXPECT_EQ(m.rule, R"(expected the request upper-cased, "HI\x01", received "hi\x01")");
  ReplyCheck echo(expect(Expectation::Kind::kEcho));
  EXPECT_EQ(echo.explain("abc", "ABC", 0, 0, 1).rule,
            R"(expected the request echoed, "abc", received "ABC")");
}

TEST(ReplyCheckExplain, ARegexNamesItsPatternAndNoOneReply) {
  ReplyCheck c(expect(Expectation::Kind::kRegex, "^PONG$"));
  ReplyCheck::Mismatch m = c.explain("PING", "PANG", 0, 0, 1);
  EXPECT_EQ(m.expected, "");
  EXPECT_EQ(m.rule, "expected a reply matching regex ^PONG$");
}

TEST(ReplyCheckExplain, ALongReplyIsCutInTheRule) {
  ReplyCheck c(expect(Expectation::Kind::kEcho));
  std::string rule = c.explain("a", std::string(1000, 'b'), 0, 0, 1).rule;
  EXPECT_NE(rule.find(std::string(256, 'b') + " \u2026 (744 more bytes)\""), std::string::npos)
      << rule;
  EXPECT_EQ(rule.find(std::string(257, 'b')), std::string::npos) << rule;
}

}  // namespace
}  // namespace drover
