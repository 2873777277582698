#include "targets/tcp_fork_echo/async_echo.hpp"

#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <string>

#include "harness/core/asio.hpp"

namespace drover::target {
namespace {

using tcp = asio::ip::tcp;
using boost::system::error_code;

constexpr std::size_t kReadChunk = 16384;
// After a failed accept (out of descriptors or memory) the listener stays
// readable: wait this long rather than spin on it.
constexpr auto kAcceptPause = std::chrono::milliseconds(50);

using Count = unsigned long long;

struct Stats {
  Count accepted = 0, closed = 0, accept_errors = 0;
  std::size_t open = 0, max_open = 0;
};

void upper_case(char* data, std::size_t length) {
  for (std::size_t i = 0; i < length; ++i)
    if (data[i] >= 'a' && data[i] <= 'z') data[i] = static_cast<char>(data[i] - ('a' - 'A'));
}

tcp protocol_of(int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  return address.ss_family == AF_INET6 ? tcp::v6() : tcp::v4();
}

class AsyncEcho {
 public:
  AsyncEcho(int listener, int signal_fd)
      : acceptor_(io_, protocol_of(listener), listener), signals_(io_, signal_fd), pause_(io_) {}

  void run() {
    asio::co_spawn(io_, accept(), asio::detached);
    asio::co_spawn(io_, watch_signals(), asio::detached);
    io_.run();
    std::fprintf(stderr,
                 "tcp_fork_echo: model async: accepted %llu, closed by clients %llu, open at stop "
                 "%zu, max open %zu, accept errors %llu\n",
                 stats_.accepted, stats_.closed, stats_.open, stats_.max_open,
                 stats_.accept_errors);
  }

 private:
  // Counts a connection as open for as long as its coroutine lives: the
  // connections still open at stop go when io_context destroys their frames.
  class Open {
   public:
    explicit Open(Stats& stats) : stats_(stats) {
      stats_.max_open = std::max(stats_.max_open, ++stats_.open);
    }
    ~Open() { --stats_.open; }
    Open(const Open&) = delete;
    Open& operator=(const Open&) = delete;

   private:
    Stats& stats_;
  };

  asio::awaitable<void> accept() {
    for (;;) {
      error_code ec;
      tcp::socket socket =
          co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (!acceptor_.is_open() || ec == asio::error::operation_aborted) co_return;
      if (ec) {
        ++stats_.accept_errors;
        pause_.expires_after(kAcceptPause);
        co_await pause_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        continue;
      }
      ++stats_.accepted;
      asio::co_spawn(io_, serve(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> serve(tcp::socket socket) {
    Open open(stats_);
    error_code ec;
    socket.non_blocking(true, ec);
    std::string unsent;  // what the socket would not take at once
    while (!ec) {
      co_await socket.async_wait(tcp::socket::wait_read,
                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      std::size_t n = socket.read_some(asio::buffer(buffer_), ec);
      if (ec == asio::error::would_block || ec == asio::error::try_again) {
        ec.clear();
        continue;
      }
      if (ec == asio::error::eof) ++stats_.closed;
      if (ec || n == 0) break;
      upper_case(buffer_.data(), n);
      std::size_t sent = socket.write_some(asio::buffer(buffer_.data(), n), ec);
      if (ec == asio::error::would_block || ec == asio::error::try_again) {
        sent = 0;
        ec.clear();
      }
      if (ec || sent == n) continue;
      // The shared buffer is the next connection's once this one waits.
      unsent.assign(buffer_.data() + sent, n - sent);
      co_await asio::async_write(socket, asio::buffer(unsent),
                                 asio::redirect_error(asio::use_awaitable, ec));
      std::string().swap(unsent);
    }
  }

  asio::awaitable<void> watch_signals() {
    error_code ec;
    for (;;) {
      co_await signals_.async_wait(asio::posix::descriptor_base::wait_read,
                                   asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      // The descriptor carries only the stop signals.
      signalfd_siginfo info;
      if (::read(signals_.native_handle(), &info, sizeof info) == sizeof info) break;
    }
    acceptor_.close(ec);
    pause_.cancel();
    io_.stop();
  }

  Stats stats_;  // before io_: the frames destroyed with io_ count in it
  std::array<char, kReadChunk> buffer_;
  asio::io_context io_{1};
  tcp::acceptor acceptor_;
  asio::posix::stream_descriptor signals_;
  asio::steady_timer pause_;
};

}  // namespace

void serve_async(int listener, int signal_fd) {
  AsyncEcho server(listener, signal_fd);
  server.run();
}

}  // namespace drover::target
