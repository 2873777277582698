// LineChannel against an in-test server on loopback: lines come whole however
// the bytes are cut, and a line past kMaxReplyBytes ends the read with
// reply_too_large and drops the connection, however long the server goes on.
#include "harness/drivers/line_channel.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "harness/scenario/scenario.hpp"

namespace drover::line_channel_test {
namespace {

using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// What the server does with one accepted connection.
using Serve = std::function<asio::awaitable<void>(tcp::socket&)>;

// Sends data in pieces of `piece` bytes, letting the client run between them,
// then reads until the client closes: closing first, with the request
// unread, would reset the connection and lose what the client has not read.
asio::awaitable<void> send_in_pieces(tcp::socket& s, std::string data, std::size_t piece) {
  boost::system::error_code ec;
  for (std::size_t at = 0; at < data.size() && !ec; at += piece) {
    std::size_t n = std::min(piece, data.size() - at);
    co_await asio::async_write(s, asio::buffer(data.data() + at, n),
                               asio::redirect_error(asio::use_awaitable, ec));
    co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
  }
  char sink[256];
  while (!ec) {
    co_await s.async_read_some(asio::buffer(sink), asio::redirect_error(asio::use_awaitable, ec));
  }
}

// Bytes with no newline, until the client goes.
asio::awaitable<void> stream_without_end(tcp::socket& s) {
  std::string chunk(65536, 'x');
  boost::system::error_code ec;
  while (!ec) {
    co_await asio::async_write(s, asio::buffer(chunk),
                               asio::redirect_error(asio::use_awaitable, ec));
  }
}

class LineChannelTest : public ::testing::Test {
 protected:
  // Serves the i-th connection with serves[i]; runs client against it to the end.
  void run(std::vector<Serve> serves, std::function<asio::awaitable<void>(LineChannel&)> client) {
    tcp::acceptor acceptor(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    LineChannel channel(io_, acceptor.local_endpoint(), 10s);
    asio::co_spawn(io_, accept_all(acceptor, std::move(serves)), asio::detached);
    asio::co_spawn(
        io_,
        [&]() -> asio::awaitable<void> {
          co_await client(channel);
          channel.close();
          acceptor.close();
        },
        asio::detached);
    io_.run_for(30s);
    ASSERT_TRUE(io_.stopped()) << "the client or the server never finished";
  }

  asio::awaitable<void> accept_all(tcp::acceptor& acceptor, std::vector<Serve> serves) {
    for (Serve& serve : serves) {
      boost::system::error_code ec;
      tcp::socket s = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      co_await serve(s);
    }
  }

  asio::io_context io_;
};

TEST_F(LineChannelTest, LinesComeWholeHoweverTheBytesAreCut) {
  std::string longer(300'000, 'y');
  std::string sent = "first\r\nsecond line\n" + longer + "\r\n\nlast\n";
  std::vector<std::string> lines;
  run({[&](tcp::socket& s) { return send_in_pieces(s, sent, 1000); }},
      [&](LineChannel& channel) -> asio::awaitable<void> {
        channel.begin();
        Outcome written = co_await channel.write("ask\n");
        EXPECT_EQ(written, Outcome::kOk);
        std::string line;
        for (int i = 0; i < 5; ++i) {
          Outcome read = co_await channel.read_line(line);
          EXPECT_EQ(read, Outcome::kOk) << "line " << i;
          lines.push_back(line);
        }
        channel.finish();
      });
  EXPECT_EQ(lines, (std::vector<std::string>{"first", "second line", longer, "", "last"}));
}

TEST_F(LineChannelTest, ALineAsLongAsTheCapIsRead) {
  std::string longest(kMaxReplyBytes, 'z');
  std::string line;
  run({[&](tcp::socket& s) { return send_in_pieces(s, longest + "\n", 65536); }},
      [&](LineChannel& channel) -> asio::awaitable<void> {
        channel.begin();
        EXPECT_EQ(co_await channel.write("ask\n"), Outcome::kOk);
        EXPECT_EQ(co_await channel.read_line(line), Outcome::kOk);
        channel.finish();
      });
  EXPECT_EQ(line.size(), kMaxReplyBytes);
}

TEST_F(LineChannelTest, ALineOneByteOverTheCapIsTooLargeEvenWithItsNewline) {
  std::string over(kMaxReplyBytes + 1, 'z');
  Outcome read = Outcome::kOk;
  run({[&](tcp::socket& s) { return send_in_pieces(s, over + "\n", 65536); }},
      [&](LineChannel& channel) -> asio::awaitable<void> {
        channel.begin();
        EXPECT_EQ(co_await channel.write("ask\n"), Outcome::kOk);
        std::string line;
        read = co_await channel.read_line(line);
        channel.finish();
      });
  EXPECT_EQ(read, Outcome::kReplyTooLarge);
}

// The server streams without end: the read stops at the cap, the connection
// goes, and the next request connects afresh and is answered.
TEST_F(LineChannelTest, ALineWithoutEndIsTooLargeAndTheNextRequestConnectsAgain) {
  Outcome first = Outcome::kOk;
  bool connected_after = true;
  Outcome second = Outcome::kIoError;
  std::string answer;
  run({stream_without_end, [](tcp::socket& s) { return send_in_pieces(s, "OK\n", 3); }},
      [&](LineChannel& channel) -> asio::awaitable<void> {
        channel.begin();
        EXPECT_EQ(co_await channel.write("ask\n"), Outcome::kOk);
        first = co_await channel.read_line(answer);
        connected_after = channel.connected();
        channel.finish();
        channel.begin();
        second = co_await channel.write("ask again\n");
        if (second == Outcome::kOk) second = co_await channel.read_line(answer);
        channel.finish();
      });
  EXPECT_EQ(first, Outcome::kReplyTooLarge);
  EXPECT_TRUE(reply_unread(first)) << "a request whose reply was too large may have been done";
  EXPECT_FALSE(connected_after);
  EXPECT_EQ(second, Outcome::kOk);
  EXPECT_EQ(answer, "OK");
}

FramingSpec delimited_by(std::string delimiter) {
  FramingSpec spec;
  spec.kind = Framing::kDelimiter;
  spec.delimiter = std::move(delimiter);
  return spec;
}

TEST_F(LineChannelTest, FramedRepliesComeWholeHoweverTheBytesAreCut) {
  std::vector<std::string> replies;
  Framer framer(delimited_by("END\r\n"));
  run({[&](tcp::socket& s) { return send_in_pieces(s, "VALUE\r\nabc\r\nEND\r\nEND\r\n", 2); }},
      [&](LineChannel& channel) -> asio::awaitable<void> {
        channel.begin();
        EXPECT_EQ(co_await channel.write("get k\r\nEND\r\n"), Outcome::kOk);
        std::string reply;
        for (int i = 0; i < 2; ++i) {
          EXPECT_EQ(co_await channel.read_framed(framer, 0, reply), Outcome::kOk) << i;
          replies.push_back(reply);
        }
        channel.finish();
      });
  EXPECT_EQ(replies, (std::vector<std::string>{"VALUE\r\nabc\r\n", ""}));
}

// Bytes that are not RESP lose the stream's place: the connection goes, and
// the next request starts afresh on a new one, its framer forgetting the old.
TEST_F(LineChannelTest, AMalformedReplyIsWrongAndTheNextRequestConnectsAgain) {
  FramingSpec resp;
  resp.kind = Framing::kResp;
  Framer framer(resp);
  Outcome first = Outcome::kOk;
  bool connected_after = true;
  Outcome second = Outcome::kIoError;
  std::string reply;
  run({[](tcp::socket& s) { return send_in_pieces(s, "*2\r\n:1\r\nPONG\r\n", 64); },
       [](tcp::socket& s) { return send_in_pieces(s, "+PONG\r\n", 1); }},
      [&](LineChannel& channel) -> asio::awaitable<void> {
        channel.begin();
        EXPECT_EQ(co_await channel.write("PING\r\n"), Outcome::kOk);
        first = co_await channel.read_framed(framer, 0, reply);
        connected_after = channel.connected();
        channel.finish();
        channel.begin();
        second = co_await channel.write("PING\r\n");
        if (second == Outcome::kOk) second = co_await channel.read_framed(framer, 0, reply);
        channel.finish();
      });
  EXPECT_EQ(first, Outcome::kWrongReply);
  EXPECT_FALSE(connected_after);
  EXPECT_EQ(second, Outcome::kOk);
  EXPECT_EQ(reply, "+PONG\r\n");
}

// A length header that announces more than max_reply is refused at once,
// while the server is still streaming the payload.
TEST_F(LineChannelTest, ALengthPastTheCapIsTooLargeWithoutReadingThePayload) {
  FramingSpec spec;
  spec.kind = Framing::kLengthPrefixed;
  spec.max_reply = 1024;
  Framer framer(spec);
  Outcome read = Outcome::kOk;
  run({[](tcp::socket& s) -> asio::awaitable<void> {
        std::string header("\x00\x00\x04\x01", 4);
        co_await asio::async_write(s, asio::buffer(header), asio::use_awaitable);
        co_await stream_without_end(s);
      }},
      [&](LineChannel& channel) -> asio::awaitable<void> {
        channel.begin();
        EXPECT_EQ(co_await channel.write(std::string("\0\0\0\x03"
                                                     "ask",
                                                     7)),
                  Outcome::kOk);
        std::string reply;
        read = co_await channel.read_framed(framer, 0, reply);
        channel.finish();
      });
  EXPECT_EQ(read, Outcome::kReplyTooLarge);
}

}  // namespace
}  // namespace drover::line_channel_test
