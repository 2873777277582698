#include "harness/drivers/expectation.hpp"

#include <algorithm>

#include <gtest/gtest.h>

#include "harness/scenario/format.hpp"

namespace drover::expectation_test {
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

TEST(ReplyCheckExplain, EqualsEndingInCrLfUnderMemcachedFramingSaysItIsCut) {
  ReplyCheck c(expect(Expectation::Kind::kEquals, "STORED\r\n"));
  EXPECT_EQ(c.explain("set k 0 0 1\r\nv", "STORED", 0, 0, 1, {}, Framing::kMemcached).rule,
            R"x(expected equals "STORED\r\n", received "STORED" (note: memcached framing cuts )x"
            R"x(the "\r\n" that ends a reply))x");
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
}  // namespace drover::expectation_test

namespace drover::expectation_test {
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
}  // namespace drover::expectation_test

namespace drover::expectation_test {
namespace {

TEST(ReplyCheckResp, TheRuleSaysWhichTypeAndValueWereWantedAndWhichCame) {
  Expectation ok;
  ok.kind = Expectation::Kind::kResp;
  ok.resp_type = "simple";
  ok.resp_value = RespValueSpec{RespValueSpec::Kind::kText, "OK", 0, false, {}};
  ReplyCheck c(ok);
  EXPECT_EQ(c.explain("SET", "$3\r\nbar\r\n", 0, 0, 1, {}, Framing::kResp).rule,
            R"(expected a RESP simple "OK", received a RESP bulk "bar")");
  EXPECT_EQ(c.explain("SET", "$-1\r\n", 0, 0, 1).rule,
            R"(expected a RESP simple "OK", received a RESP null)");
  EXPECT_EQ(c.explain("SET", "+OK", 0, 0, 1).rule,
            R"(expected a RESP simple "OK", received bytes that are not one whole RESP value)");
  EXPECT_TRUE(c.explain("SET", "+OK", 0, 0, 1).expected.empty());

  Expectation array;
  array.kind = Expectation::Kind::kResp;
  array.resp_type = "array";
  EXPECT_EQ(ReplyCheck(array).explain("x", "*2\r\n:1\r\n*1\r\n$-1\r\n", 0, 0, 1).rule,
            "expected a RESP array reply, received a RESP array [1, [null]]");
}

}  // namespace
}  // namespace drover::expectation_test
