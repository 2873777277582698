#include "harness/drivers/expectation.hpp"

#include <algorithm>

#include <gtest/gtest.h>

#include "harness/scenario/format.hpp"

namespace drover {
namespace {

Expectation expect(Expectation::Kind kind, std::string text = "") {
  Expectation e;
  e.kind = kind;
  e.text = std::move(text);
  return e;
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

namespace drover {
namespace {

RespValueSpec text_value(std::string text) {
  return {RespValueSpec::Kind::kText, std::move(text), 0, false, {}};
}
RespValueSpec integer_value(std::int64_t n) {
  return {RespValueSpec::Kind::kInteger, "", n, false, {}};
}
RespValueSpec array_value(std::vector<RespValueSpec> items) {
  return {RespValueSpec::Kind::kArray, "", 0, false, std::move(items)};
}

Expectation resp(std::string type, std::optional<RespValueSpec> value = std::nullopt) {
  Expectation e;
  e.kind = Expectation::Kind::kResp;
  e.resp_type = std::move(type);
  e.resp_value = std::move(value);
  return e;
}

bool judge(const Expectation& e, std::string_view reply) {
  return ReplyCheck(e).matches("request", reply, 0, 0, 1);
}

TEST(ReplyCheckResp, TheTypeAloneAcceptsAnyValueOfIt) {
  EXPECT_TRUE(judge(resp("simple"), "+OK\r\n"));
  EXPECT_TRUE(judge(resp("integer"), ":-12\r\n"));
  EXPECT_TRUE(judge(resp("bulk"), "$3\r\nbar\r\n"));
  EXPECT_TRUE(judge(resp("null"), "$-1\r\n"));
  EXPECT_TRUE(judge(resp("null"), "*-1\r\n"));
  EXPECT_TRUE(judge(resp("null"), "_\r\n"));
  EXPECT_TRUE(judge(resp("error"), "-ERR unknown command\r\n"));
  EXPECT_TRUE(judge(resp("array"), "*0\r\n"));
  EXPECT_TRUE(judge(resp("boolean"), "#t\r\n"));
  EXPECT_TRUE(judge(resp("map"), "%1\r\n+a\r\n:1\r\n"));
  EXPECT_FALSE(judge(resp("simple"), "$2\r\nOK\r\n"));
  EXPECT_FALSE(judge(resp("bulk"), "$-1\r\n"));
  EXPECT_FALSE(judge(resp("simple"), "-OK\r\n"));
}

TEST(ReplyCheckResp, TheValueIsComparedWhole) {
  EXPECT_TRUE(judge(resp("simple", text_value("PONG")), "+PONG\r\n"));
  EXPECT_FALSE(judge(resp("simple", text_value("PONG")), "+PONGS\r\n"));
  EXPECT_TRUE(judge(resp("bulk", text_value("a\r\nb")), "$4\r\na\r\nb\r\n"));
  EXPECT_FALSE(judge(resp("bulk", text_value("bar")), "$3\r\nbaz\r\n"));
  EXPECT_TRUE(judge(resp("integer", integer_value(-12)), ":-12\r\n"));
  EXPECT_FALSE(judge(resp("integer", integer_value(12)), ":-12\r\n"));
  RespValueSpec yes{RespValueSpec::Kind::kBoolean, "", 0, true, {}};
  EXPECT_TRUE(judge(resp("boolean", yes), "#t\r\n"));
  EXPECT_FALSE(judge(resp("boolean", yes), "#f\r\n"));
}

TEST(ReplyCheckResp, ArraysMatchElementByElementByKindAndValue) {
  RespValueSpec want = array_value(
      {text_value("a"), integer_value(1), RespValueSpec{}, array_value({text_value("x")})});
  EXPECT_TRUE(judge(resp("array", want), "*4\r\n$1\r\na\r\n:1\r\n$-1\r\n*1\r\n+x\r\n"));
  // The bulk string "1" is not the integer 1.
  EXPECT_FALSE(judge(resp("array", want), "*4\r\n$1\r\na\r\n$1\r\n1\r\n$-1\r\n*1\r\n+x\r\n"));
  EXPECT_FALSE(judge(resp("array", want), "*3\r\n$1\r\na\r\n:1\r\n$-1\r\n"));
  EXPECT_FALSE(judge(resp("array", want), "*4\r\n$1\r\na\r\n:1\r\n$-1\r\n*1\r\n+y\r\n"));
  EXPECT_TRUE(
      judge(resp("map", array_value({text_value("k"), integer_value(2)})), "%1\r\n+k\r\n:2\r\n"));
}

TEST(ReplyCheckResp, BytesThatAreNotOneWholeValueMatchNothing) {
  EXPECT_FALSE(judge(resp("simple"), "+OK"));
  EXPECT_FALSE(judge(resp("simple"), "+OK\r\n+OK\r\n"));
  EXPECT_FALSE(judge(resp("simple"), "OK\r\n"));
  EXPECT_FALSE(judge(resp("simple"), ""));
}

TEST(ReplyCheckResp, CannotTellRequestsApart) {
  EXPECT_FALSE(ReplyCheck(resp("simple")).identifies_request());
  std::string out;
  EXPECT_FALSE(ReplyCheck(resp("simple")).expected_reply("x", 0, 0, 1, out));
}

TEST(ReplyCheckResp, EveryTypeTheParserNamesIsOneAScenarioMayName) {
  for (RespType type :
       {RespType::kSimple, RespType::kError, RespType::kInteger, RespType::kBulk, RespType::kNull,
        RespType::kArray, RespType::kBoolean, RespType::kDouble, RespType::kBigNumber,
        RespType::kVerbatim, RespType::kMap, RespType::kSet, RespType::kPush}) {
    EXPECT_NE(std::find(format::kRespTypeNames.begin(), format::kRespTypeNames.end(),
                        resp_type_name(type)),
              format::kRespTypeNames.end())
        << resp_type_name(type);
  }
  EXPECT_EQ(format::kRespTypeNames.size(), 13u);
}

}  // namespace
}  // namespace drover
