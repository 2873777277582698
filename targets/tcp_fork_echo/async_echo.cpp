#include "targets/tcp_fork_echo/async_echo.hpp"

#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

namespace drover::target {
namespace {

constexpr std::size_t kReadChunk = 65536;
constexpr int kEvents = 256;
// After a failed accept (out of descriptors or memory) the listener stays
// readable: stop watching it for this long rather than spin on it.
constexpr int kAcceptPauseMs = 50;

using Count = unsigned long long;

struct Stats {
  Count accepted = 0, closed = 0, accept_errors = 0, corrupted = 0, dropped = 0;
  std::size_t open = 0, max_open = 0;
};

void upper_case(char* data, std::size_t length) {
  for (std::size_t i = 0; i < length; ++i)
    if (data[i] >= 'a' && data[i] <= 'z') data[i] = static_cast<char>(data[i] - ('a' - 'A'));
}

// One epoll set, level-triggered, watched by this one thread: each ready
// connection is read once per wake-up and answered at once.
class AsyncEcho {
 public:
  AsyncEcho(int listener, int signal_fd, AsyncFaults faults)
      : listener_(listener),
        signal_fd_(signal_fd),
        faults_(faults),
        until_corrupt_(faults.corrupt_every),
        until_close_(faults.close_every) {
    epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_ < 0) {
      std::perror("tcp_fork_echo: epoll_create1");
      std::exit(1);
    }
    watch(listener_, EPOLLIN, EPOLL_CTL_ADD);
    watch(signal_fd_, EPOLLIN, EPOLL_CTL_ADD);
  }

  void run() {
    std::array<epoll_event, kEvents> ready{};
    bool accepting = true;
    for (;;) {
      int n = ::epoll_wait(epoll_, ready.data(), kEvents, accepting ? -1 : kAcceptPauseMs);
      if (n < 0 && errno != EINTR) {
        std::perror("tcp_fork_echo: epoll_wait");
        break;
      }
      if (!accepting) {
        accepting = true;
        watch(listener_, EPOLLIN, EPOLL_CTL_ADD);
      }
      bool stop = false;
      for (int k = 0; k < n; ++k) {
        int fd = ready[static_cast<std::size_t>(k)].data.fd;
        std::uint32_t what = ready[static_cast<std::size_t>(k)].events;
        if (fd == signal_fd_) {
          // The descriptor carries only the stop signals.
          signalfd_siginfo info;
          if (::read(signal_fd_, &info, sizeof info) == sizeof info) stop = true;
        } else if (fd == listener_) {
          if (!accept_all()) {
            accepting = false;
            ::epoll_ctl(epoll_, EPOLL_CTL_DEL, listener_, nullptr);
          }
        } else {
          serve(fd, what);
        }
      }
      if (stop) break;
    }
    for (std::size_t fd = 0; fd < connections_.size(); ++fd)
      if (connections_[fd]) close_connection(static_cast<int>(fd));
    std::size_t open_at_stop = stats_.open;
    ::close(listener_);
    ::close(signal_fd_);
    ::close(epoll_);
    std::fprintf(stderr,
                 "tcp_fork_echo: model async: accepted %llu, closed by clients %llu, open at stop "
                 "%zu, max open %zu, accept errors %llu, corrupted %llu, closed by server %llu\n",
                 stats_.accepted, stats_.closed, open_at_stop, stats_.max_open,
                 stats_.accept_errors, stats_.corrupted, stats_.dropped);
  }

 private:
  // What a connection holds: only the bytes its socket would not take at
  // once, while it is not read (a client slow to read its replies).
  struct Connection {
    std::string unsent;
    std::size_t sent = 0;
  };

  void watch(int fd, std::uint32_t events, int op) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    ::epoll_ctl(epoll_, op, fd, &ev);
  }

  // Accepts until the backlog is empty; false when out of descriptors or
  // memory, after which the caller pauses accepting.
  bool accept_all() {
    for (;;) {
      int fd = ::accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
        if (errno == EINTR || errno == ECONNABORTED) continue;
        ++stats_.accept_errors;
        return !(errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM);
      }
      ++stats_.accepted;
      auto index = static_cast<std::size_t>(fd);
      if (connections_.size() <= index) connections_.resize(index + 1);
      connections_[index] = std::make_unique<Connection>();
      stats_.max_open = std::max(stats_.max_open, ++stats_.open);
      watch(fd, EPOLLIN, EPOLL_CTL_ADD);
    }
  }

  void serve(int fd, std::uint32_t what) {
    Connection* c = connections_[static_cast<std::size_t>(fd)].get();
    if (!c) return;  // closed earlier in this wake-up
    if (!c->unsent.empty()) {
      if (what & (EPOLLOUT | EPOLLERR | EPOLLHUP)) send_unsent(fd, *c);
      return;
    }
    ssize_t n = ::recv(fd, buffer_.data(), buffer_.size(), 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    if (n <= 0) {
      if (n == 0) ++stats_.closed;
      close_connection(fd);
      return;
    }
    auto length = static_cast<std::size_t>(n);
    upper_case(buffer_.data(), length);
    if (faults_.corrupt_every != 0 && --until_corrupt_ == 0) {
      // '#' differs from any upper-cased first byte but '#' itself.
      buffer_[0] = buffer_[0] == '#' ? '!' : '#';
      until_corrupt_ = faults_.corrupt_every;
      ++stats_.corrupted;
    }
    bool close_after = faults_.close_every != 0 && --until_close_ == 0;
    if (close_after) until_close_ = faults_.close_every;
    ssize_t sent = ::send(fd, buffer_.data(), length, MSG_NOSIGNAL);
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) sent = 0;
    if (sent < 0) {
      close_connection(fd);
      return;
    }
    if (close_after) {
      // What the socket did not take is lost with it: the client sees a
      // short reply, then the close.
      ++stats_.dropped;
      close_connection(fd);
      return;
    }
    if (static_cast<std::size_t>(sent) == length) return;
    // The shared buffer is the next connection's: keep the rest, and read
    // this connection no more until it is sent.
    c->unsent.assign(buffer_.data() + sent, length - static_cast<std::size_t>(sent));
    c->sent = 0;
    watch(fd, EPOLLOUT, EPOLL_CTL_MOD);
  }

  void send_unsent(int fd, Connection& c) {
    ssize_t sent = ::send(fd, c.unsent.data() + c.sent, c.unsent.size() - c.sent, MSG_NOSIGNAL);
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    if (sent < 0) {
      close_connection(fd);
      return;
    }
    c.sent += static_cast<std::size_t>(sent);
    if (c.sent < c.unsent.size()) return;
    std::string().swap(c.unsent);
    watch(fd, EPOLLIN, EPOLL_CTL_MOD);
  }

  // Closing the socket takes it out of the epoll set.
  void close_connection(int fd) {
    ::close(fd);
    connections_[static_cast<std::size_t>(fd)].reset();
    --stats_.open;
  }

  int listener_;
  int signal_fd_;
  AsyncFaults faults_;
  std::uint64_t until_corrupt_;
  std::uint64_t until_close_;
  int epoll_ = -1;
  Stats stats_;
  std::vector<std::unique_ptr<Connection>> connections_;  // by descriptor
  std::array<char, kReadChunk> buffer_;
};

}  // namespace

void serve_async(int listener, int signal_fd, AsyncFaults faults) {
  AsyncEcho server(listener, signal_fd, faults);
  server.run();
}

}  // namespace drover::target
