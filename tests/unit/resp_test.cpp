// RespParser: every RESP2 and RESP3 type, values whose bytes arrive one at a
// time, several values in one buffer, the cap on a value's size, and input
// that is not RESP.
#include "harness/drivers/resp.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace drover::resp_test {
namespace {

using Status = RespParser::Status;

constexpr std::size_t kCap = 1 << 20;

RespValue parsed(std::string_view bytes, std::size_t max_reply = kCap) {
  RespParser parser(max_reply);
  EXPECT_EQ(parser.parse(bytes), Status::kValue) << bytes << ": " << parser.error();
  EXPECT_EQ(parser.consumed(), bytes.size()) << bytes;
  return parser.value();
}

Status status_of(std::string_view bytes, std::size_t max_reply = kCap) {
  RespParser parser(max_reply);
  return parser.parse(bytes);
}

RespValue text_value(RespType type, std::string text) {
  RespValue v;
  v.type = type;
  v.text = std::move(text);
  return v;
}

RespValue integer_value(std::int64_t n) {
  RespValue v;
  v.type = RespType::kInteger;
  v.integer = n;
  return v;
}

RespValue container(RespType type, std::vector<RespValue> items) {
  RespValue v;
  v.type = type;
  v.items = std::move(items);
  return v;
}

TEST(Resp, SimpleStringsErrorsAndIntegers) {
  EXPECT_EQ(parsed("+PONG\r\n"), text_value(RespType::kSimple, "PONG"));
  EXPECT_EQ(parsed("+\r\n"), text_value(RespType::kSimple, ""));
  EXPECT_EQ(parsed("-ERR unknown command\r\n"),
            text_value(RespType::kError, "ERR unknown command"));
  EXPECT_EQ(parsed(":1000\r\n"), integer_value(1000));
  EXPECT_EQ(parsed(":-9223372036854775808\r\n"), integer_value(INT64_MIN));
}

TEST(Resp, BulkStringsHoldAnyBytesAndMayBeNull) {
  EXPECT_EQ(parsed("$3\r\nbar\r\n"), text_value(RespType::kBulk, "bar"));
  EXPECT_EQ(parsed("$0\r\n\r\n"), text_value(RespType::kBulk, ""));
  EXPECT_EQ(parsed("$4\r\na\r\nb\r\n"), text_value(RespType::kBulk, "a\r\nb"));
  EXPECT_EQ(parsed(std::string("$2\r\n\0\xff\r\n", 8)),
            text_value(RespType::kBulk, std::string("\0\xff", 2)));
  EXPECT_EQ(parsed("$-1\r\n").type, RespType::kNull);
}

TEST(Resp, ArraysNestAndMayBeEmptyOrNull) {
  EXPECT_EQ(parsed("*0\r\n"), container(RespType::kArray, {}));
  EXPECT_EQ(parsed("*-1\r\n").type, RespType::kNull);
  const RespValue nested = parsed("*3\r\n:1\r\n*2\r\n$3\r\nfoo\r\n$-1\r\n+x\r\n");
  EXPECT_EQ(nested,
            container(RespType::kArray,
                      {integer_value(1),
                       container(RespType::kArray, {text_value(RespType::kBulk, "foo"), {}}),
                       text_value(RespType::kSimple, "x")}));
}

TEST(Resp, Resp3Scalars) {
  EXPECT_EQ(parsed("_\r\n").type, RespType::kNull);
  RespValue yes = parsed("#t\r\n");
  EXPECT_EQ(yes.type, RespType::kBoolean);
  EXPECT_EQ(yes.integer, 1);
  EXPECT_EQ(parsed("#f\r\n").integer, 0);
  EXPECT_EQ(parsed(",1.23\r\n"), text_value(RespType::kDouble, "1.23"));
  EXPECT_EQ(parsed(",-inf\r\n"), text_value(RespType::kDouble, "-inf"));
  EXPECT_EQ(parsed("(3492890328409238509324850943850943825024385\r\n"),
            text_value(RespType::kBigNumber, "3492890328409238509324850943850943825024385"));
  EXPECT_EQ(parsed("=15\r\ntxt:Some string\r\n"), text_value(RespType::kVerbatim, "Some string"));
  EXPECT_EQ(parsed("!21\r\nSYNTAX invalid syntax\r\n"),
            text_value(RespType::kError, "SYNTAX invalid syntax"));
}

TEST(Resp, Resp3Aggregates) {
  EXPECT_EQ(parsed("%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n"),
            container(RespType::kMap, {text_value(RespType::kSimple, "first"), integer_value(1),
                                       text_value(RespType::kSimple, "second"), integer_value(2)}));
  EXPECT_EQ(parsed("~2\r\n+a\r\n+b\r\n"),
            container(RespType::kSet,
                      {text_value(RespType::kSimple, "a"), text_value(RespType::kSimple, "b")}));
  EXPECT_EQ(parsed(">2\r\n+message\r\n+hi\r\n"),
            container(RespType::kPush, {text_value(RespType::kSimple, "message"),
                                        text_value(RespType::kSimple, "hi")}));
}

TEST(Resp, AnAttributeIsReadAndDroppedButItsBytesAreTheValuesToo) {
  const std::string bytes = "|1\r\n+ttl\r\n:3600\r\n*2\r\n:1\r\n|1\r\n+a\r\n+b\r\n:2\r\n";
  EXPECT_EQ(parsed(bytes), container(RespType::kArray, {integer_value(1), integer_value(2)}));
}

TEST(Resp, EveryPrefixOfAValueNeedsMoreAndTheWholeOneIsTheSame) {
  const std::string bytes = "*3\r\n$5\r\nhello\r\n%1\r\n+k\r\n*1\r\n:-7\r\n=7\r\ntxt:abc\r\n";
  const RespValue whole = parsed(bytes);
  RespParser parser(kCap);
  for (std::size_t i = 0; i < bytes.size(); ++i)
    ASSERT_EQ(parser.parse(std::string_view(bytes).substr(0, i)), Status::kNeedMore) << i;
  ASSERT_EQ(parser.parse(bytes), Status::kValue);
  EXPECT_EQ(parser.consumed(), bytes.size());
  EXPECT_EQ(parser.value(), whole);
}

TEST(Resp, ValuesInOneBufferAreReadOneAtATime) {
  const std::string bytes = "+OK\r\n$3\r\nbar\r\n:5\r\n+PART";
  RespParser parser(kCap);
  std::string_view rest = bytes;
  ASSERT_EQ(parser.parse(rest), Status::kValue);
  EXPECT_EQ(parser.value(), text_value(RespType::kSimple, "OK"));
  rest.remove_prefix(parser.consumed());
  ASSERT_EQ(parser.parse(rest), Status::kValue);
  EXPECT_EQ(parser.value(), text_value(RespType::kBulk, "bar"));
  rest.remove_prefix(parser.consumed());
  ASSERT_EQ(parser.parse(rest), Status::kValue);
  EXPECT_EQ(parser.value(), integer_value(5));
  rest.remove_prefix(parser.consumed());
  EXPECT_EQ(parser.parse(rest), Status::kNeedMore);
}

TEST(Resp, AValuePastTheCapIsTooLargeAsSoonAsItsHeaderSaysSo) {
  EXPECT_EQ(status_of("$2000000\r\n"), Status::kTooLarge);
  EXPECT_EQ(status_of("$10\r\n", 12), Status::kTooLarge);  // 5 + 10 + 2 bytes
  EXPECT_EQ(status_of("$10\r\n0123456789\r\n", 17), Status::kValue);
  EXPECT_EQ(status_of("*2000000\r\n"), Status::kTooLarge);
  EXPECT_EQ(status_of("%9223372036854775807\r\n"), Status::kTooLarge);
  EXPECT_EQ(status_of(std::string(100, '+'), 64), Status::kTooLarge);  // a line with no end
  EXPECT_EQ(status_of("*2\r\n+" + std::string(60, 'x') + "\r\n", 64), Status::kTooLarge);
}

TEST(Resp, InputThatIsNotRespIsMalformed) {
  for (const char* bad :
       {"PONG\r\n", "+OK\n", ":12a\r\n", ":\r\n", "$-2\r\n", "*-5\r\n", "$x\r\n", "$3\r\nbarX\r\n",
        "#x\r\n", "_x\r\n", ",\r\n", "(12a\r\n", "=3\r\nabc\r\n", "!-1\r\n", "~-1\r\n", "\r\n"}) {
    RespParser parser(kCap);
    EXPECT_EQ(parser.parse(bad), Status::kMalformed) << bad;
    EXPECT_FALSE(parser.error().empty()) << bad;
  }
}

TEST(Resp, NestingIsRefusedPastItsLimit) {
  std::string deepest;
  for (std::size_t i = 0; i < kMaxRespDepth; ++i) deepest += "*1\r\n";
  EXPECT_EQ(status_of(deepest + ":1\r\n"), Status::kValue);
  EXPECT_EQ(status_of("*1\r\n" + deepest + ":1\r\n"), Status::kMalformed);
}

TEST(Resp, AfterAFailureOrResetTheNextValueStartsAfresh) {
  RespParser parser(kCap);
  ASSERT_EQ(parser.parse("*2\r\n:1\r\n"), Status::kNeedMore);
  parser.reset();
  ASSERT_EQ(parser.parse("+OK\r\n"), Status::kValue);
  EXPECT_EQ(parser.value(), text_value(RespType::kSimple, "OK"));
  ASSERT_EQ(parser.parse("*2\r\n?"), Status::kMalformed);
  ASSERT_EQ(parser.parse(":4\r\n"), Status::kValue);
  EXPECT_EQ(parser.value(), integer_value(4));
}

TEST(Resp, TypeNames) {
  EXPECT_EQ(resp_type_name(RespType::kBulk), "bulk");
  EXPECT_EQ(resp_type_name(RespType::kBigNumber), "big_number");
  EXPECT_EQ(resp_type_name(RespType::kNull), "null");
}

}  // namespace
}  // namespace drover::resp_test
