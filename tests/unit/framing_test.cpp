// Framer: where each framing ends a reply and what its text is, with the
// bytes arriving all at once, one at a time, or several replies together;
// the cap on a reply's size; bytes that break the framing; and requests
// framed the same way.
#include "harness/drivers/framing.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace drover::framing_test {
namespace {

FramingSpec framing(Framing kind) {
  FramingSpec spec;
  spec.kind = kind;
  return spec;
}

FramingSpec delimited(std::string delimiter, bool keep = false) {
  FramingSpec spec = framing(Framing::kDelimiter);
  spec.delimiter = std::move(delimiter);
  spec.keep_delimiter = keep;
  return spec;
}

FramingSpec length_prefixed(int bytes, Endian endian, bool includes_header = false) {
  FramingSpec spec = framing(Framing::kLengthPrefixed);
  spec.length_bytes = bytes;
  spec.endian = endian;
  spec.length_includes_header = includes_header;
  return spec;
}

FramingSpec capped(FramingSpec spec, std::size_t max_reply) {
  spec.max_reply = max_reply;
  return spec;
}

struct Taken {
  std::vector<std::string> replies;
  FrameStatus last = FrameStatus::kNeedMore;  // what ended the reading
  std::size_t left = 0;                       // bytes no reply took
};

// Every reply in bytes, the buffer given whole: each reply's consumed bytes
// are dropped and the rest framed again, as a connection's buffer is.
Taken take_all(Framer& framer, std::string_view bytes, std::size_t request_size = 0) {
  Taken taken;
  for (;;) {
    Frame frame = framer.next(bytes, request_size);
    taken.last = frame.status;
    if (frame.status != FrameStatus::kReply) break;
    taken.replies.emplace_back(frame.text);
    bytes.remove_prefix(frame.consumed);
  }
  taken.left = bytes.size();
  return taken;
}

// The same, the bytes arriving one at a time.
Taken take_bytewise(Framer& framer, std::string_view bytes, std::size_t request_size = 0) {
  Taken taken;
  std::string buffer;
  for (char c : bytes) {
    buffer += c;
    for (;;) {
      Frame frame = framer.next(buffer, request_size);
      taken.last = frame.status;
      if (frame.status == FrameStatus::kReply) {
        taken.replies.emplace_back(frame.text);
        buffer.erase(0, frame.consumed);
        continue;
      }
      if (frame.status != FrameStatus::kNeedMore) return taken;
      break;
    }
  }
  taken.left = buffer.size();
  return taken;
}

void expect_replies(const FramingSpec& spec, std::string_view bytes,
                    const std::vector<std::string>& replies, std::size_t left = 0,
                    std::size_t request_size = 0) {
  Framer whole(spec);
  Taken all = take_all(whole, bytes, request_size);
  EXPECT_EQ(all.replies, replies);
  EXPECT_EQ(all.last, FrameStatus::kNeedMore);
  EXPECT_EQ(all.left, left);
  Framer bytewise(spec);
  Taken one_by_one = take_bytewise(bytewise, bytes, request_size);
  EXPECT_EQ(one_by_one.replies, replies);
  EXPECT_EQ(one_by_one.last, FrameStatus::kNeedMore);
  EXPECT_EQ(one_by_one.left, left);
}

TEST(Framer, ALineEndsAtNewlineWithOrWithoutCarriageReturnAndLosesBoth) {
  expect_replies(framing(Framing::kLine), "ABC\nDEF\r\n\n\r\nGH", {"ABC", "DEF", "", ""}, 2);
}

TEST(Framer, OnlyACarriageReturnBeforeTheNewlineIsCut) {
  expect_replies(framing(Framing::kLine), "+OK\r\r\na\rb\n", {"+OK\r", "a\rb"});
}

TEST(Framer, ALineLongerThanTheCapIsTooLargeBeforeItsEnd) {
  const FramingSpec spec = capped(framing(Framing::kLine), 8);
  expect_replies(spec, "12345678\n", {"12345678"});
  Framer framer(spec);
  EXPECT_EQ(framer.next("123456789").status, FrameStatus::kTooLarge);
  EXPECT_EQ(framer.next("123456789\n").status, FrameStatus::kTooLarge);
  Framer bytewise(spec);
  EXPECT_EQ(take_bytewise(bytewise, "1234567890123").last, FrameStatus::kTooLarge);
}

TEST(Framer, AFixedReplyIsAsLongAsTheRequestsPayload) {
  expect_replies(framing(Framing::kFixed), "HELLOWORLDHE", {"HELLO", "WORLD"}, 2, 5);
  Framer framer(framing(Framing::kFixed));
  Frame empty = framer.next("", 0);
  EXPECT_EQ(empty.status, FrameStatus::kReply);
  EXPECT_EQ(empty.consumed, 0u);
  Framer small(capped(framing(Framing::kFixed), 4));
  EXPECT_EQ(small.next("", 5).status, FrameStatus::kTooLarge);
}

TEST(Framer, ADelimiterEndsAReplyAndIsCutOrKept) {
  const std::string memcached = "VALUE k 0 3\r\nabc\r\nEND\r\nEND\r\nVALUE";
  expect_replies(delimited("END\r\n"), memcached, {"VALUE k 0 3\r\nabc\r\n", ""}, 5);
  expect_replies(delimited("END\r\n", true), memcached,
                 {"VALUE k 0 3\r\nabc\r\nEND\r\n", "END\r\n"}, 5);
  expect_replies(delimited("|"), "a||b|", {"a", "", "b"});
}

TEST(Framer, ADelimiterWhosePrefixRepeatsIsFoundWhereverTheBytesAreCut) {
  expect_replies(delimited("aab"), "aaaabxaab", {"aa", "x"});
}

TEST(Framer, TheTextBeforeADelimiterIsCapped) {
  const FramingSpec spec = capped(delimited("END"), 4);
  expect_replies(spec, "abcdEND", {"abcd"});
  Framer framer(spec);
  EXPECT_EQ(framer.next("abcdeEND").status, FrameStatus::kTooLarge);
  Framer bytewise(spec);
  EXPECT_EQ(take_bytewise(bytewise, "abcdeEN").last, FrameStatus::kTooLarge);
  Framer waiting(spec);
  EXPECT_EQ(take_bytewise(waiting, "abcdEN").last, FrameStatus::kNeedMore);
}

TEST(Framer, ALengthPrefixOfEachWidthAndByteOrder) {
  using namespace std::string_literals;
  expect_replies(length_prefixed(1, Endian::kBig),
                 "\x03"
                 "abc\x00\x01z"s,
                 {"abc", "", "z"});
  expect_replies(length_prefixed(2, Endian::kBig), "\x00\x02hi"s, {"hi"});
  expect_replies(length_prefixed(2, Endian::kLittle), "\x02\x00hi"s, {"hi"});
  expect_replies(length_prefixed(4, Endian::kBig),
                 "\x00\x00\x00\x03"
                 "abc\x00\x00"s,
                 {"abc"}, 2);
  expect_replies(length_prefixed(4, Endian::kLittle),
                 "\x03\x00\x00\x00"
                 "abc"s,
                 {"abc"});
  expect_replies(length_prefixed(8, Endian::kBig), "\0\0\0\0\0\0\0\x01x"s, {"x"});
  expect_replies(length_prefixed(8, Endian::kLittle), "\x01\0\0\0\0\0\0\0x"s, {"x"});
}

TEST(Framer, ALengthMayCountItsOwnHeader) {
  using namespace std::string_literals;
  expect_replies(length_prefixed(2, Endian::kBig, true),
                 "\x00\x05"
                 "abc\x00\x02"s,
                 {"abc", ""});
  Framer framer(length_prefixed(2, Endian::kBig, true));
  EXPECT_EQ(framer.next("\x00\x01z"s).status, FrameStatus::kMalformed);
  EXPECT_NE(framer.error().find("header"), std::string::npos) << framer.error();
}

TEST(Framer, ALengthPastTheCapIsTooLargeWithoutWaitingForThePayload) {
  using namespace std::string_literals;
  Framer framer(capped(length_prefixed(4, Endian::kBig), 16));
  EXPECT_EQ(framer.next("\x00\x00\x00\x11"s).status, FrameStatus::kTooLarge);
  Framer huge(length_prefixed(8, Endian::kBig));
  EXPECT_EQ(huge.next("\xff\xff\xff\xff\xff\xff\xff\xff"s).status, FrameStatus::kTooLarge);
  Framer exact(capped(length_prefixed(4, Endian::kBig), 16));
  EXPECT_EQ(exact.next("\x00\x00\x00\x10"s).status, FrameStatus::kNeedMore);
}

TEST(Framer, ARespReplyIsAllOfItsBytesAndItsParsedValue) {
  const std::string bytes = "+PONG\r\n*2\r\n$3\r\nfoo\r\n:1\r\n$-1\r\n";
  expect_replies(framing(Framing::kResp), bytes,
                 {"+PONG\r\n", "*2\r\n$3\r\nfoo\r\n:1\r\n", "$-1\r\n"});
  Framer framer(framing(Framing::kResp));
  Frame frame = framer.next(bytes);
  ASSERT_EQ(frame.status, FrameStatus::kReply);
  EXPECT_EQ(framer.resp().type, RespType::kSimple);
  EXPECT_EQ(framer.resp().text, "PONG");
}

TEST(Framer, BytesThatAreNotRespAreMalformedAndTooLargeRespIsRefused) {
  Framer framer(framing(Framing::kResp));
  EXPECT_EQ(framer.next("PONG\r\n").status, FrameStatus::kMalformed);
  EXPECT_FALSE(framer.error().empty());
  EXPECT_EQ(framer.next("+OK\r\n").status, FrameStatus::kReply);
  Framer small(capped(framing(Framing::kResp), 8));
  EXPECT_EQ(small.next("$100\r\n").status, FrameStatus::kTooLarge);
}

TEST(Framer, AMemcachedReplyIsOneLineOrItsValuesUpToEnd) {
  const std::string bytes =
      "STORED\r\nEND\r\nVALUE k 0 3\r\nabc\r\nEND\r\n"
      "VALUE a 5 1 7\r\nx\r\nVALUE b 0 2 8\r\nyz\r\nEND\r\n42\r\nNOT_FOUND\r\nVAL";
  expect_replies(framing(Framing::kMemcached), bytes,
                 {"STORED", "END", "VALUE k 0 3\r\nabc\r\nEND",
                  "VALUE a 5 1 7\r\nx\r\nVALUE b 0 2 8\r\nyz\r\nEND", "42", "NOT_FOUND"},
                 3);
}

// Under delimiter framing, "END\r\n" in a value would end the reply early.
TEST(Framer, AMemcachedValueMayHoldAnyBytesEvenEnd) {
  using namespace std::string_literals;
  const std::string value = "END\r\nEND\n\0\r"s;
  const std::string reply =
      "VALUE k 0 " + std::to_string(value.size()) + "\r\n" + value + "\r\nEND";
  expect_replies(framing(Framing::kMemcached), reply + "\r\nSTORED\r\n", {reply, "STORED"});
}

TEST(Framer, MemcachedStatsRunToEndAndAMetaValueIsOneBlock) {
  expect_replies(framing(Framing::kMemcached),
                 "STAT pid 1\r\nSTAT items:1:number 2\r\nEND\r\nVA 2 f0 t-1\r\nhi\r\n"
                 "HD\r\nEN\r\nMN\r\nVA 0\r\n\r\n",
                 {"STAT pid 1\r\nSTAT items:1:number 2\r\nEND", "VA 2 f0 t-1\r\nhi", "HD", "EN",
                  "MN", "VA 0\r\n"});
}

TEST(Framer, AMemcachedReplyThatBreaksTheProtocolIsMalformed) {
  for (const char* bytes : {"VALUE k 0 x\r\n", "VALUE k 0\r\n", "VALUE k 0 3\r\nabcd\r\nEND\r\n",
                            "VALUE k 0 1\r\na\r\nSTORED\r\n", "VA \r\n", "VA 2 f\r\nhi!!"}) {
    Framer framer(framing(Framing::kMemcached));
    Taken taken = take_all(framer, bytes);
    EXPECT_EQ(taken.last, FrameStatus::kMalformed) << bytes;
    EXPECT_TRUE(taken.replies.empty()) << bytes;
    EXPECT_FALSE(framer.error().empty()) << bytes;
  }
}

TEST(Framer, AMemcachedReplyPastTheCapIsTooLargeAsSoonAsACountSaysSo) {
  const FramingSpec spec = capped(framing(Framing::kMemcached), 24);
  expect_replies(spec, "VALUE k 0 4\r\nabcd\r\nEND\r\n", {"VALUE k 0 4\r\nabcd\r\nEND"});
  Framer framer(spec);
  EXPECT_EQ(framer.next("VALUE k 0 10\r\n").status, FrameStatus::kTooLarge);
  EXPECT_EQ(framer.next("VALUE k 0 99999999999999999999999\r\n").status, FrameStatus::kTooLarge);
  EXPECT_EQ(framer.next("VA 25\r\n").status, FrameStatus::kTooLarge);
  EXPECT_EQ(framer.next("VALUE k 0 4\r\nabcd\r\nVALUE k 0").status, FrameStatus::kTooLarge);
  Framer bytewise(spec);
  EXPECT_EQ(take_bytewise(bytewise, std::string(30, 'x')).last, FrameStatus::kTooLarge);
  Framer waiting(spec);
  EXPECT_EQ(take_bytewise(waiting, std::string(25, 'x')).last, FrameStatus::kNeedMore);
}

TEST(Framer, ResetForgetsAReplyHalfRead) {
  Framer framer(delimited("END"));
  EXPECT_EQ(framer.next("abcdefEN").status, FrameStatus::kNeedMore);
  framer.reset();
  Frame frame = framer.next("xEND");
  ASSERT_EQ(frame.status, FrameStatus::kReply);
  EXPECT_EQ(frame.text, "x");
}

TEST(Framer, TheLargestWireReplyIsTheCapAndTheFramingsOwnBytes) {
  EXPECT_EQ(largest_wire_reply(capped(framing(Framing::kLine), 10)), 12u);
  EXPECT_EQ(largest_wire_reply(capped(framing(Framing::kFixed), 10)), 10u);
  EXPECT_EQ(largest_wire_reply(capped(delimited("END\r\n"), 10)), 15u);
  EXPECT_EQ(largest_wire_reply(capped(length_prefixed(8, Endian::kBig), 10)), 18u);
  EXPECT_EQ(largest_wire_reply(capped(framing(Framing::kResp), 10)), 10u);
  EXPECT_EQ(largest_wire_reply(capped(framing(Framing::kMemcached), 10)), 12u);
}

TEST(FrameRequest, EachFramingWritesItsRequestAsItReadsReplies) {
  using namespace std::string_literals;
  EXPECT_EQ(*frame_request(framing(Framing::kLine), "PING"), "PING\n");
  EXPECT_EQ(*frame_request(framing(Framing::kFixed), "PING"), "PING");
  EXPECT_EQ(*frame_request(framing(Framing::kResp), "*1\r\n$4\r\nPING\r\n"),
            "*1\r\n$4\r\nPING\r\n");
  EXPECT_EQ(*frame_request(delimited("END\r\n"), "get k\r\n"), "get k\r\nEND\r\n");
  EXPECT_EQ(*frame_request(framing(Framing::kMemcached), "set k 0 0 1\r\nv"),
            "set k 0 0 1\r\nv\r\n");
  FramingSpec get = delimited("END\r\n");
  get.request_end = "\r\n";
  EXPECT_EQ(*frame_request(get, "get k"), "get k\r\n");
  get.request_end = "";
  EXPECT_EQ(*frame_request(get, "get k\r\n"), "get k\r\n");
  EXPECT_EQ(*frame_request(length_prefixed(2, Endian::kBig), "hi"), "\x00\x02hi"s);
  EXPECT_EQ(*frame_request(length_prefixed(4, Endian::kLittle, true), "hi"), "\x06\0\0\0hi"s);
  EXPECT_EQ(*frame_request(length_prefixed(8, Endian::kBig), "hi"), "\0\0\0\0\0\0\0\x02hi"s);
}

TEST(FrameRequest, APayloadTooLongForItsHeaderIsRefused) {
  EXPECT_TRUE(frame_request(length_prefixed(1, Endian::kBig), std::string(255, 'x')));
  auto refused = frame_request(length_prefixed(1, Endian::kBig), std::string(256, 'x'));
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("256"), std::string::npos) << refused.error();
  EXPECT_FALSE(frame_request(length_prefixed(1, Endian::kBig, true), std::string(255, 'x')));
}

TEST(FrameRequest, ARequestFramedIsReadBackAsItsPayload) {
  for (const FramingSpec& spec :
       {framing(Framing::kLine), delimited("\r\n\r\n"), length_prefixed(2, Endian::kLittle, true),
        length_prefixed(8, Endian::kBig)}) {
    Framer framer(spec);
    const std::string request = *frame_request(spec, "payload");
    Frame frame = framer.next(request);
    ASSERT_EQ(frame.status, FrameStatus::kReply);
    EXPECT_EQ(frame.text, "payload");
    EXPECT_EQ(frame.consumed, request.size());
  }
}

}  // namespace
}  // namespace drover::framing_test
