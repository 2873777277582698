// One client's TCP connection for request/reply protocols: connects on first
// use and again after any failure, writes requests, and reads replies as
// lines or as a fixed number of bytes. Every call is bounded by the
// operation timeout through a Deadline; a timed-out or failed connection is
// dropped, since its position in the stream is unknown. A line longer than
// kMaxReplyBytes (reply_framing.hpp) ends in Outcome::kReplyTooLarge and
// drops the connection, so a server that never ends its line costs at most
// that much memory and a scan of each byte once.
//
// Not thread-safe: one client coroutine on one io_context.
#pragma once

#include <string>
#include <string_view>

#include "harness/core/asio.hpp"
#include "harness/core/outcome.hpp"
#include "harness/drivers/deadline.hpp"

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
