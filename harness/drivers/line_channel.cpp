#include "harness/drivers/line_channel.hpp"

#include "harness/drivers/failure_rule.hpp"

namespace drover {

using tcp = asio::ip::tcp;

// After a failed connect a client waits this long before its next attempt,
// so a dead target is not hammered by a busy loop of refused connects.
constexpr auto kReconnectPause = std::chrono::milliseconds(10);
constexpr std::size_t kReadChunk = 4096;

LineChannel::LineChannel(asio::io_context& io, tcp::endpoint target, Duration timeout)
    : socket_(io), pause_(io), target_(target), timeout_(timeout), deadline_(io, timeout) {
  deadline_.start(io, [this] { drop(); });
}

asio::awaitable<Outcome> LineChannel::ensure_connected() {
  if (closed_) co_return Outcome::kIoError;
  if (socket_.is_open()) co_return Outcome::kOk;
  boost::system::error_code ec;
  co_await socket_.async_connect(target_, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    Outcome outcome = deadline_.expired() ? Outcome::kTimeout : Outcome::kConnectError;
    error_ = error_text(ec);
    drop();
    pause_.expires_after(kReconnectPause);
    co_await pause_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    co_return outcome;
  }
  socket_.set_option(tcp::no_delay(true), ec);
  pending_.clear();
  scanned_ = 0;
  co_return Outcome::kOk;
}

asio::awaitable<Outcome> LineChannel::write(std::string_view bytes) {
  Outcome connected = co_await ensure_connected();
  if (connected != Outcome::kOk) co_return connected;
  boost::system::error_code ec;
  co_await asio::async_write(socket_, asio::buffer(bytes.data(), bytes.size()),
                             asio::redirect_error(asio::use_awaitable, ec));
  co_return ec ? fail(ec) : Outcome::kOk;
}

asio::awaitable<Outcome> LineChannel::fill() {
  if (!socket_.is_open()) {
    error_.clear();
    co_return deadline_.expired() ? Outcome::kTimeout : Outcome::kIoError;
  }
  std::size_t old_size = pending_.size();
  pending_.resize(old_size + kReadChunk);
  boost::system::error_code ec;
  std::size_t n =
      co_await socket_.async_read_some(asio::buffer(pending_.data() + old_size, kReadChunk),
                                       asio::redirect_error(asio::use_awaitable, ec));
  pending_.resize(old_size + n);
  co_return ec ? fail(ec) : Outcome::kOk;
}

asio::awaitable<Outcome> LineChannel::read_line(std::string& line) {
  for (;;) {
    std::size_t newline = pending_.find('\n', scanned_);
    std::size_t length = newline == std::string::npos ? pending_.size() : newline;
    if (length > kMaxReplyBytes) {
      drop();
      discard_pending();
      co_return Outcome::kReplyTooLarge;
    }
    if (newline != std::string::npos) {
      std::size_t end = newline > 0 && pending_[newline - 1] == '\r' ? newline - 1 : newline;
      line.assign(pending_, 0, end);
      pending_.erase(0, newline + 1);
      scanned_ = 0;
      co_return Outcome::kOk;
    }
    scanned_ = pending_.size();
    Outcome filled = co_await fill();
    if (filled != Outcome::kOk) co_return filled;
  }
}

asio::awaitable<Outcome> LineChannel::read_exact(std::size_t size, std::string& out) {
  while (pending_.size() < size) {
    Outcome filled = co_await fill();
    if (filled != Outcome::kOk) co_return filled;
  }
  out.assign(pending_, 0, size);
  pending_.erase(0, size);
  scanned_ = 0;
  co_return Outcome::kOk;
}

asio::awaitable<Outcome> LineChannel::read_framed(Framer& framer, std::size_t request_size,
                                                  std::string& reply) {
  for (;;) {
    const Frame frame = framer.next(pending_, request_size);
    if (frame.status == FrameStatus::kReply) {
      reply.assign(frame.text);
      pending_.erase(0, frame.consumed);
      co_return Outcome::kOk;
    }
    if (frame.status != FrameStatus::kNeedMore) {
      // The stream's position is lost: the connection goes. What came is
      // kept in reply, for the failure's example.
      if (frame.status == FrameStatus::kMalformed) error_ = framer.error();
      reply.assign(pending_);
      drop();
      discard_pending();
      framer.reset();
      co_return frame.status == FrameStatus::kTooLarge ? Outcome::kReplyTooLarge
                                                       : Outcome::kWrongReply;
    }
    Outcome filled = co_await fill();
    if (filled != Outcome::kOk) {
      framer.reset();
      co_return filled;
    }
  }
}

// No read is running when this is called, so the buffer can go, and its
// memory with it.
void LineChannel::discard_pending() {
  std::string().swap(pending_);
  scanned_ = 0;
}

Outcome LineChannel::fail(const boost::system::error_code& ec) {
  bool timed_out = deadline_.expired();
  error_ = error_text(ec);
  drop();
  if (timed_out) return Outcome::kTimeout;
  return ec == asio::error::connection_refused ? Outcome::kConnectError : Outcome::kIoError;
}

// Buffered bytes are left alone here (a read may be writing into them as
// the watcher drops the connection); the next connection starts afresh.
void LineChannel::drop() {
  boost::system::error_code ignored;
  socket_.close(ignored);
}

void LineChannel::close() {
  closed_ = true;
  deadline_.stop();
  pause_.cancel();
  drop();
}

}  // namespace drover
