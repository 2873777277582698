// One client's TCP connection for request/reply protocols: connects on first
// use and again after any failure, writes requests, and reads replies as
// lines, as a fixed number of bytes, or as a fleet's framing says. Every
// call is bounded by the operation timeout through a Deadline; a timed-out
// or failed connection is dropped, since its position in the stream is
// unknown. A reply longer than the cap (kMaxReplyBytes for read_line, the
// framing's max_reply for read_framed) ends in Outcome::kReplyTooLarge and
// drops the connection, so a server that never ends its reply costs at most
// that much memory and a scan of each byte once.
//
// Not thread-safe: one client coroutine on one io_context.
#pragma once

#include <string>
#include <string_view>

#include "harness/core/asio.hpp"
#include "harness/core/outcome.hpp"
#include "harness/drivers/deadline.hpp"
#include "harness/drivers/framing.hpp"

namespace drover {

// Whether a request that ended with this outcome may still have been carried
// out: it was sent but no whole reply was read (the wait timed out, the
// connection broke, or the reply ran past kMaxReplyBytes). Histories record
// such a request as unknown (info), never as failed.
inline bool reply_unread(Outcome outcome) {
  return outcome == Outcome::kTimeout || outcome == Outcome::kIoError ||
         outcome == Outcome::kReplyTooLarge;
}

class LineChannel {
 public:
  LineChannel(asio::io_context& io, asio::ip::tcp::endpoint target, Duration timeout);

  // Starts the operation clock: every call until finish() shares one deadline.
  void begin() { deadline_.arm(Clock::now() + timeout_); }
  void finish() { deadline_.disarm(); }

  // kOk, or the outcome that ended the connection.
  asio::awaitable<Outcome> write(std::string_view bytes);
  // One line without its '\n' (and without a '\r' before it).
  asio::awaitable<Outcome> read_line(std::string& line);
  // size comes from the request drover sent, never from the server.
  asio::awaitable<Outcome> read_exact(std::size_t size, std::string& out);
  // One reply as framer frames it (framing.hpp), its text into reply;
  // request_size is the request's payload size, for fixed framing. A reply
  // past the framing's max_reply ends in kReplyTooLarge, bytes that break
  // the framing in kWrongReply (error() says how); either drops the
  // connection, and leaves the bytes received in reply. framer is
  // this channel's own: it is reset whenever the connection goes.
  asio::awaitable<Outcome> read_framed(Framer& framer, std::size_t request_size,
                                       std::string& reply);

  // What ended the last failed call, as failure_rule.hpp's error_text()
  // says it ("connection refused"); empty when nothing more is known.
  const std::string& error() const { return error_; }

  // Stops the deadline watcher and closes the connection for good.
  void close();
  bool connected() const { return socket_.is_open(); }

 private:
  asio::awaitable<Outcome> ensure_connected();
  asio::awaitable<Outcome> fill();
  Outcome fail(const boost::system::error_code& ec);
  void drop();
  void discard_pending();

  asio::ip::tcp::socket socket_;
  asio::steady_timer pause_;
  asio::ip::tcp::endpoint target_;
  Duration timeout_;
  Deadline deadline_;
  std::string pending_;
  // pending_'s first scanned_ bytes hold no '\n': read_line looks only past them.
  std::size_t scanned_ = 0;
  std::string error_;  // set only on failures
  bool closed_ = false;
};

}  // namespace drover
