// HttpReplyReader: a response framed by Content-Length, chunks or the
// connection's close, whole or a byte at a time; a HEAD's response; a body
// past max_body and headers past their limit; bytes that are not HTTP; a
// response cut short.
#include "harness/drivers/http_reply.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>

namespace drover::http_reply_test {
namespace {

using Status = HttpReplyReader::Status;

void append(boost::beast::flat_buffer& buffer, std::string_view bytes) {
  auto space = buffer.prepare(bytes.size());
  std::memcpy(space.data(), bytes.data(), bytes.size());
  buffer.commit(bytes.size());
}

TEST(HttpReply, ContentLength) {
  HttpReply r;
  ASSERT_EQ(
      read_http_reply("HTTP/1.1 201 Created\r\nContent-Length: 2\r\nX-A: b\r\n\r\nok", 100, r),
      Status::kDone);
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.reason, "Created");
  EXPECT_EQ(r.body, "ok");
  ASSERT_NE(r.header("x-a"), nullptr);
  EXPECT_EQ(*r.header("x-a"), "b");
  EXPECT_TRUE(r.keep_alive);
  EXPECT_EQ(r.text(), "HTTP/1.1 201 Created\r\nContent-Length: 2\r\nX-A: b\r\n\r\nok");
}

TEST(HttpReply, ChunkedAByteAtATime) {
  std::string bytes =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nok \r\n7\r\nchunked\r\n0\r\n\r\n";
  HttpReplyReader reader;
  reader.start(100, false);
  boost::beast::flat_buffer buffer;
  HttpReply r;
  Status status = Status::kNeedMore;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    ASSERT_EQ(status, Status::kNeedMore) << i;
    append(buffer, bytes.substr(i, 1));
    status = reader.feed(buffer, r);
  }
  ASSERT_EQ(status, Status::kDone);
  EXPECT_EQ(r.body, "ok chunked");
}

TEST(HttpReply, ABodyThatRunsToTheClose) {
  HttpReply r;
  ASSERT_EQ(read_http_reply("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nto the end", 100, r),
            Status::kDone);
  EXPECT_EQ(r.body, "to the end");
  EXPECT_FALSE(r.keep_alive);
}

TEST(HttpReply, AHeadResponseHasNoBody) {
  HttpReplyReader reader;
  reader.start(10, true);
  boost::beast::flat_buffer buffer;
  append(buffer, "HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n");
  HttpReply r;
  EXPECT_EQ(reader.feed(buffer, r), Status::kDone);
  EXPECT_EQ(r.body, "");
}

TEST(HttpReply, TooLargeBodiesAndHeaders) {
  HttpReply r;
  EXPECT_EQ(read_http_reply("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n01234567890", 10, r),
            Status::kTooLarge);
  EXPECT_EQ(read_http_reply("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                            "b\r\n01234567890\r\n0\r\n\r\n",
                            10, r),
            Status::kTooLarge);
  EXPECT_EQ(read_http_reply("HTTP/1.1 200 OK\r\nX: " + std::string(kMaxHeaderBytes, 'x'), 10, r),
            Status::kTooLarge);
  EXPECT_EQ(read_http_reply("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789", 10, r),
            Status::kDone);
}

TEST(HttpReply, BytesThatAreNotHttpAreMalformed) {
  HttpReply r;
  HttpReplyReader reader;
  reader.start(10, false);
  boost::beast::flat_buffer buffer;
  append(buffer, "HELLO THERE\r\n\r\n");
  EXPECT_EQ(reader.feed(buffer, r), Status::kMalformed);
  EXPECT_FALSE(reader.error().empty());
  EXPECT_EQ(read_http_reply("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n", 10, r),
            Status::kMalformed);
}

TEST(HttpReply, AnInterimResponseIsPassedOver) {
  HttpReply r;
  ASSERT_EQ(read_http_reply("HTTP/1.1 100 Continue\r\n\r\n"
                            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
                            100, r),
            Status::kDone);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok");
}

TEST(HttpReply, AResponseCutShortNeedsMore) {
  HttpReply r;
  EXPECT_EQ(read_http_reply("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf", 100, r),
            Status::kNeedMore);
  EXPECT_EQ(read_http_reply("", 100, r), Status::kNeedMore);
}

}  // namespace
}  // namespace drover::http_reply_test
