#include "harness/drivers/tcp_arrivals.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <string>

#include "harness/drivers/expectation.hpp"
#include "harness/drivers/reply_framing.hpp"

namespace drover {
namespace {

// Ready connections taken from the epoll set per call.
constexpr int kEvents = 256;
// One read per ready connection per wake-up, into a buffer of this size.
constexpr std::size_t kReadChunk = 65536;
// Bytes a connection may hold unjudged (a reply not yet whole, or bytes no
// request asked for); past it the connection is dropped as broken.
constexpr std::size_t kMaxUnread = 1 << 20;
// As LineChannel: after a failed connect the client waits this long.
constexpr auto kReconnectPause = std::chrono::milliseconds(10);
// As UdpArrivals: deadlines are looked at no more often than this.
constexpr auto kDeadlineSlack = std::chrono::milliseconds(1);

class TcpArrivals final : public ArrivalBatch {
 public:
  TcpArrivals(asio::io_context& io, const TcpPlan& plan, std::vector<ClientLog> clients, Done done)
      : plan_(plan), check_(plan.expectation), events_(io), timer_(io), done_(std::move(done)) {
    conns_.reserve(clients.size());
    for (ClientLog& log : clients) conns_.emplace_back(std::move(log));
    for (Conn& c : conns_) {
      c.client = c.log.index_in_fleet();
      c.random_state = c.log.random_seed();
    }
    pending_.reserve(conns_.size());
    receive_.resize(kReadChunk);

    int epoll = ::epoll_create1(EPOLL_CLOEXEC);
    open_error_ = epoll < 0;
    if (!open_error_) {
      events_.assign(epoll);
      // A connection that cannot be made now is tried again by its first
      // operation, which then counts the failure.
      for (std::uint32_t i = 0; i < conns_.size(); ++i) connect(i);
      asio::co_spawn(io, watch_events(), asio::detached);
    }
    asio::co_spawn(io, watch_deadlines(), asio::detached);
  }

  ~TcpArrivals() override {
    for (std::uint32_t i = 0; i < conns_.size(); ++i) drop(i);
  }

  void add(std::uint32_t client, std::uint64_t seq, TimePoint intended) override {
    Conn& c = conns_[client];
    c.intended = intended;
    if (open_error_) {
      finish(client, Outcome::kConnectError, Clock::now());
      return;
    }
    c.seq = seq;
    c.random_before = c.random_state;
    plan_.payload.render(c.request, c.client, seq, c.random_state);
    c.payload_size = c.request.size();
    if (plan_.framing == Framing::kLine) c.request += '\n';
    c.sent = 0;
    TimePoint now = Clock::now();
    if (c.broken) {
      // As a session's write then read on the broken connection would.
      c.broken = false;
      finish(client, Outcome::kIoError, now);
      return;
    }
    c.deadline = now + plan_.timeout;
    c.outstanding = true;
    if (c.state == State::kClosed && !connect(client)) {
      hold(client, Outcome::kConnectError, now);
      return;
    }
    // A connection still being made sends once it is.
    if (c.state == State::kOpen) pending_.push_back(client);
  }

  void flush() override {
    for (std::uint32_t i : pending_) {
      const Conn& c = conns_[i];
      if (c.outstanding && !c.held && c.state == State::kOpen) send_rest(i);
    }
    pending_.clear();
  }

  void poll() override {
    if (!open_error_ && !closed_) take_events();
  }

  void close() override {
    closed_ = true;
    timer_.cancel();
    boost::system::error_code ignored;
    events_.close(ignored);
    for (std::uint32_t i = 0; i < conns_.size(); ++i) drop(i);
  }

 private:
  enum class State : std::uint8_t { kClosed, kConnecting, kOpen };

  struct Conn {
    explicit Conn(ClientLog l) : log(std::move(l)) {}
    ClientLog log;
    std::uint64_t client = 0;  // index in the fleet, as payloads see it
    std::uint64_t random_state = 1;
    int fd = -1;
    State state = State::kClosed;
    bool watching_writes = false;  // EPOLLOUT in its epoll mask
    // The outstanding operation.
    bool outstanding = false;
    bool held = false;  // ended with held_outcome, kept busy until deadline
    Outcome held_outcome = Outcome::kOk;
    bool broken = false;  // broke while idle: the next operation fails
    std::uint64_t seq = 0;
    std::uint64_t random_before = 0;  // random_state before its request
    TimePoint intended{};
    TimePoint deadline{};
    std::string request;  // its payload, and '\n' for line framing
    std::size_t payload_size = 0;
    std::size_t sent = 0;
    std::string unread;  // bytes read but not yet judged
  };

  // Starts connecting client's connection; false when that failed at once.
  bool connect(std::uint32_t i) {
    Conn& c = conns_[i];
    const asio::ip::tcp::endpoint& target = plan_.target;
    int fd = ::socket(target.protocol().family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int r = ::connect(fd, target.data(), static_cast<socklen_t>(target.size()));
    if (r != 0 && errno != EINPROGRESS) {
      ::close(fd);
      return false;
    }
    c.fd = fd;
    c.state = r == 0 ? State::kOpen : State::kConnecting;
    c.watching_writes = c.state == State::kConnecting;
    c.unread.clear();
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP | (c.watching_writes ? EPOLLOUT : 0u);
    ev.data.u32 = i;
    if (::epoll_ctl(events_.native_handle(), EPOLL_CTL_ADD, fd, &ev) != 0) {
      drop(i);
      return false;
    }
    return true;
  }

  void watch_writes(std::uint32_t i, bool on) {
    Conn& c = conns_[i];
    if (c.watching_writes == on) return;
    c.watching_writes = on;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP | (on ? EPOLLOUT : 0u);
    ev.data.u32 = i;
    ::epoll_ctl(events_.native_handle(), EPOLL_CTL_MOD, c.fd, &ev);
  }

  // Closing the socket takes it out of the epoll set.
  void drop(std::uint32_t i) {
    Conn& c = conns_[i];
    if (c.fd >= 0) ::close(c.fd);
    c.fd = -1;
    c.state = State::kClosed;
    c.watching_writes = false;
    c.unread.clear();
  }

  // Sends what the socket takes of client's request; the rest when it is
  // writable again.
  void send_rest(std::uint32_t i) {
    Conn& c = conns_[i];
    while (c.sent < c.request.size()) {
      ssize_t n = ::send(c.fd, c.request.data() + c.sent, c.request.size() - c.sent,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        c.sent += static_cast<std::size_t>(n);
        continue;
      }
      int err = errno;
      if (n < 0 && err == EINTR) continue;
      if (n < 0 && (err == EAGAIN || err == EWOULDBLOCK)) {
        watch_writes(i, true);
        return;
      }
      broke(i, err, Clock::now());
      return;
    }
    watch_writes(i, false);
    // A reply may already be whole: bytes that came early, or none at all
    // for an empty payload of fixed framing.
    if (!c.unread.empty() || (plan_.framing == Framing::kFixed && c.payload_size == 0)) {
      std::size_t used = take_reply(i, c.unread, Clock::now());
      c.unread.erase(0, used);
    }
  }

  asio::awaitable<void> watch_events() {
    boost::system::error_code ec;
    while (!closed_) {
      // Whatever became ready while the thread did other work is taken in
      // before the wait is queued, so no readiness is left unseen.
      take_events();
      co_await events_.async_wait(asio::posix::stream_descriptor::wait_read,
                                  asio::redirect_error(asio::use_awaitable, ec));
      if (closed_ || ec) break;
    }
  }

  void take_events() {
    for (;;) {
      int n = ::epoll_wait(events_.native_handle(), ready_.data(), kEvents, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      TimePoint now = Clock::now();
      bool more = n == kEvents;
      for (int k = 0; k < n; ++k) {
        std::uint32_t i = ready_[static_cast<std::size_t>(k)].data.u32;
        std::uint32_t what = ready_[static_cast<std::size_t>(k)].events;
        Conn& c = conns_[i];
        if (c.state == State::kConnecting) {
          connected(i, now);
          continue;
        }
        if (c.state != State::kOpen) continue;  // dropped earlier in this batch
        if ((what & EPOLLOUT) && c.outstanding && !c.held) send_rest(i);
        if (c.state == State::kOpen && (what & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP)))
          more |= receive(i, now);
      }
      if (!more) return;
    }
  }

  void connected(std::uint32_t i, TimePoint now) {
    Conn& c = conns_[i];
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    if (err != 0) {
      drop(i);
      if (c.outstanding && !c.held) hold(i, Outcome::kConnectError, now);
      return;
    }
    c.state = State::kOpen;
    if (c.outstanding && !c.held)
      send_rest(i);
    else
      watch_writes(i, false);
  }

  // One read; true when it filled the buffer (more may be waiting).
  bool receive(std::uint32_t i, TimePoint now) {
    Conn& c = conns_[i];
    ssize_t n;
    do {
      n = ::recv(c.fd, receive_.data(), receive_.size(), MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return false;
    if (n <= 0) {
      broke(i, n == 0 ? 0 : errno, now);
      return false;
    }
    std::string_view data(receive_.data(), static_cast<std::size_t>(n));
    bool buffered = !c.unread.empty();
    if (buffered) {
      c.unread.append(data);
      data = c.unread;
    }
    std::size_t used = 0;
    if (c.outstanding && !c.held && c.sent == c.request.size()) used = take_reply(i, data, now);
    if (buffered) {
      c.unread.erase(0, used);
    } else if (used < data.size()) {
      c.unread.assign(data.substr(used));
    }
    if (c.unread.size() > kMaxUnread) broke(i, 0, now);
    return static_cast<std::size_t>(n) == receive_.size();
  }

  // Judges the reply at the start of data, if it is whole; returns the bytes
  // it took.
  std::size_t take_reply(std::uint32_t i, std::string_view data, TimePoint now) {
    Conn& c = conns_[i];
    auto framed = frame_reply(plan_.framing, c.payload_size, data);
    if (!framed) return 0;
    std::string_view sent(c.request.data(), c.payload_size);
    bool right = check_.matches(sent, framed->reply, c.client, c.seq, c.random_before);
    finish(i, right ? Outcome::kOk : Outcome::kWrongReply, now);
    return framed->consumed;
  }

  // The connection failed (err, or 0 when the server closed it): an
  // outstanding operation ends with it; an idle client's next one will.
  void broke(std::uint32_t i, int err, TimePoint now) {
    drop(i);
    Conn& c = conns_[i];
    if (c.outstanding && !c.held)
      finish(i, err == ECONNREFUSED ? Outcome::kConnectError : Outcome::kIoError, now);
    else if (!c.outstanding)
      c.broken = true;
  }

  // Ends client's operation with outcome after the reconnect pause; its
  // connection is dropped now.
  void hold(std::uint32_t i, Outcome outcome, TimePoint now) {
    drop(i);
    Conn& c = conns_[i];
    c.held = true;
    c.held_outcome = outcome;
    c.deadline = now + kReconnectPause;
    if (c.deadline < timer_.expiry()) timer_.cancel();  // wakes the watcher sooner
  }

  asio::awaitable<void> watch_deadlines() {
    boost::system::error_code ec;
    while (!closed_) {
      TimePoint now = Clock::now();
      TimePoint next = now + plan_.timeout;
      for (std::uint32_t i = 0; i < conns_.size(); ++i) {
        Conn& c = conns_[i];
        if (!c.outstanding) continue;
        if (c.deadline <= now) expire(i, now);
        if (c.outstanding) next = std::min(next, c.deadline);
      }
      timer_.expires_at(std::max(next, now + kDeadlineSlack));
      co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }

  void expire(std::uint32_t i, TimePoint now) {
    Conn& c = conns_[i];
    if (c.held) {
      finish(i, c.held_outcome, now);
    } else if (c.state == State::kConnecting) {
      // A TcpSession's connect that times out ends in a timeout, after the pause.
      hold(i, Outcome::kTimeout, now);
    } else {
      drop(i);
      finish(i, Outcome::kTimeout, now);
    }
  }

  // Records client's outcome and frees it.
  void finish(std::uint32_t i, Outcome outcome, TimePoint now) {
    Conn& c = conns_[i];
    c.outstanding = false;
    c.held = false;
    c.log.op(0, outcome, c.intended, now);
    done_(i);
  }

  const TcpPlan& plan_;
  ReplyCheck check_;
  asio::posix::stream_descriptor events_;  // the epoll set of the connections
  asio::steady_timer timer_;
  Done done_;
  std::vector<Conn> conns_;
  std::vector<std::uint32_t> pending_;  // added, to be sent by flush()
  std::array<epoll_event, kEvents> ready_{};
  std::vector<char> receive_;
  bool open_error_ = false;
  bool closed_ = false;
};

}  // namespace

ArrivalBatchPtr make_tcp_arrivals(asio::io_context& io, const TcpPlan& plan,
                                  std::vector<ClientLog> clients, ArrivalBatch::Done done) {
  return std::make_unique<TcpArrivals>(io, plan, std::move(clients), std::move(done));
}

}  // namespace drover
