#include "harness/drivers/tcp_arrivals.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <optional>
#include <string>

#include "harness/core/shown_bytes.hpp"
#include "harness/drivers/expectation.hpp"
#include "harness/drivers/failure_rule.hpp"
#include "harness/drivers/framing.hpp"

namespace drover {
namespace {

// Ready connections taken from the epoll set per call.
constexpr int kEvents = 256;
// One read per ready connection per wake-up, into a buffer of this size.
constexpr std::size_t kReadChunk = 65536;
// As LineChannel: after a failed connect the client waits this long.
constexpr auto kReconnectPause = std::chrono::milliseconds(10);

// What a failed send or receive (errno err, or 0 when the server closed the
// connection) ends the operations on the connection with.
Outcome broken_by(int err) {
  return err == ECONNREFUSED ? Outcome::kConnectError : Outcome::kIoError;
}

class TcpArrivals final : public ArrivalBatch {
 public:
  TcpArrivals(asio::io_context& io, const TcpPlan& plan, std::vector<ClientLog> logs, Done done)
      : plan_(plan),
        check_(plan.expectation, &plan.data),
        events_(io),
        timer_(io),
        done_(std::move(done)) {
    std::size_t per = std::max<std::size_t>(1, plan.clients_per_connection);
    const std::size_t conns = (logs.size() + per - 1) / per;
    conns_.reserve(conns);
    for (std::size_t c = 0; c < conns; ++c) conns_.emplace_back(plan.framing);
    clients_.reserve(logs.size());
    for (ClientLog& log : logs) clients_.emplace_back(std::move(log));
    for (std::uint32_t i = 0; i < clients_.size(); ++i) {
      Client& k = clients_[i];
      k.client = k.log.index_in_fleet();
      k.random_state = k.log.random_seed();
      // Spread, not in blocks: the clients reused most are the last ones.
      k.conn = static_cast<std::uint32_t>(i % conns_.size());
      ++conns_[k.conn].clients;
    }
    for (Conn& c : conns_) c.fifo.resize(c.clients);
    pending_.reserve(conns_.size());
    receive_.resize(kReadChunk);

    int epoll = ::epoll_create1(EPOLL_CLOEXEC);
    open_error_ = epoll < 0;
    if (!open_error_) {
      events_.assign(epoll);
      // A connection that cannot be made now is tried again by the first
      // operation on it, which then counts the failure.
      for (std::uint32_t c = 0; c < conns_.size(); ++c) connect(c);
      asio::co_spawn(io, watch_events(), asio::detached);
    }
    asio::co_spawn(io, watch_deadlines(), asio::detached);
  }

  ~TcpArrivals() override {
    for (std::uint32_t c = 0; c < conns_.size(); ++c) close_socket(c);
  }

  void add(std::uint32_t client, std::uint64_t seq, TimePoint intended) override {
    Client& k = clients_[client];
    k.intended = intended;
    if (open_error_) {
      finish(client, Outcome::kConnectError, Clock::now());
      return;
    }
    k.seq = seq;
    k.random_before = k.random_state;
    k.rows.clear();
    if (!plan_.payload.render(k.request, k.client, seq, k.random_state, &k.rows)) {
      finish(client, Outcome::kDataExhausted, Clock::now());
      return;
    }
    TimePoint now = Clock::now();
    Conn& c = conns_[k.conn];
    if (c.broken) {
      // As a session's write then read on the broken connection would.
      Outcome outcome = *c.broken;
      c.broken.reset();
      k.error = c.error;
      finish(client, outcome, now);
      return;
    }
    k.deadline = now + plan_.timeout;
    k.outstanding = true;
    if (c.state == State::kClosed && !connect(k.conn)) {
      k.error = c.error;
      hold(client, Outcome::kConnectError, now);
      return;
    }
    Expected<std::string> request = frame_request(plan_.framing, k.request);
    if (!request) {
      // Only a payload too long for its length header: never sent.
      finish(client, Outcome::kIoError, now);
      return;
    }
    c.out.append(*request);
    c.fifo[(c.head + c.waiting++) % c.fifo.size()] = client;
    // A connection still being made sends once it is.
    if (c.state == State::kOpen && !c.pending) {
      c.pending = true;
      pending_.push_back(k.conn);
    }
  }

  void flush() override {
    for (std::uint32_t c : pending_) {
      conns_[c].pending = false;
      if (conns_[c].state == State::kOpen) send_out(c);
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
    for (std::uint32_t c = 0; c < conns_.size(); ++c) close_socket(c);
  }

 private:
  enum class State : std::uint8_t { kClosed, kConnecting, kOpen };

  struct Client {
    explicit Client(ClientLog l) : log(std::move(l)) {}
    ClientLog log;
    std::uint64_t client = 0;  // index in the fleet, as payloads see it
    std::uint64_t random_state = 1;
    std::uint32_t conn = 0;
    // The outstanding operation: on its connection's fifo, or held.
    bool outstanding = false;
    bool held = false;  // ended with held_outcome, kept busy until deadline
    Outcome held_outcome = Outcome::kOk;
    int error = -1;  // errno that ended its operation (failure_rule.hpp's errno_text)
    std::uint64_t seq = 0;
    std::uint64_t random_before = 0;  // random_state before its request
    RowsTaken rows;                   // the data rows its request took
    TimePoint intended{};
    TimePoint deadline{};
    std::string request;  // its payload
  };

  struct Conn {
    explicit Conn(const FramingSpec& framing) : framer(framing) {}
    int fd = -1;
    State state = State::kClosed;
    bool watching_writes = false;  // EPOLLOUT in its epoll mask
    bool pending = false;          // in pending_
    // Broke while idle: the next operation ends with this outcome.
    std::optional<Outcome> broken;
    int error = -1;           // errno that last ended it (0: closed by the server)
    std::size_t clients = 0;  // sharing it
    std::string out;          // requests not yet (wholly) sent, in order
    std::size_t out_sent = 0;
    std::string unread;  // bytes read but not yet judged
    Framer framer;       // where the reply at the start of unread ends
    // The clients whose requests were put on it and not yet answered, in
    // order: a ring with room for every client sharing it.
    std::vector<std::uint32_t> fifo;
    std::size_t head = 0;
    std::size_t waiting = 0;
  };

  // Starts connecting connection c; false when that failed at once.
  bool connect(std::uint32_t i) {
    Conn& c = conns_[i];
    const asio::ip::tcp::endpoint& target = plan_.target;
    int fd = ::socket(target.protocol().family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      c.error = errno;
      return false;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int r = ::connect(fd, target.data(), static_cast<socklen_t>(target.size()));
    if (r != 0 && errno != EINPROGRESS) {
      c.error = errno;
      ::close(fd);
      return false;
    }
    c.fd = fd;
    c.state = r == 0 ? State::kOpen : State::kConnecting;
    c.watching_writes = c.state == State::kConnecting;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP | (c.watching_writes ? EPOLLOUT : 0u);
    ev.data.u32 = i;
    if (::epoll_ctl(events_.native_handle(), EPOLL_CTL_ADD, fd, &ev) != 0) {
      c.error = errno;
      close_socket(i);
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

  // Closing the socket takes it out of the epoll set. What it held goes.
  void close_socket(std::uint32_t i) {
    Conn& c = conns_[i];
    if (c.fd >= 0) ::close(c.fd);
    c.fd = -1;
    c.state = State::kClosed;
    c.watching_writes = false;
    c.out.clear();
    c.out_sent = 0;
    c.unread.clear();
    c.framer.reset();
  }

  // Drops connection c: every operation still on it ends with outcome (after
  // the reconnect pause when pause is set), as it would on a connection of
  // its own that ended so.
  void drop(std::uint32_t i, Outcome outcome, bool pause, TimePoint now) {
    close_socket(i);
    Conn& c = conns_[i];
    std::size_t n = c.waiting;
    c.waiting = 0;
    for (std::size_t k = 0; k < n; ++k) {
      std::uint32_t client = c.fifo[(c.head + k) % c.fifo.size()];
      clients_[client].error = c.error;
      if (pause)
        hold(client, outcome, now);
      else
        finish(client, outcome, now);
    }
    c.head = 0;
  }

  // Sends what the socket takes of c's requests; the rest when it is
  // writable again.
  void send_out(std::uint32_t i) {
    Conn& c = conns_[i];
    while (c.out_sent < c.out.size()) {
      ssize_t n = ::send(c.fd, c.out.data() + c.out_sent, c.out.size() - c.out_sent,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        c.out_sent += static_cast<std::size_t>(n);
        continue;
      }
      int err = errno;
      if (n < 0 && err == EINTR) continue;
      if (n < 0 && (err == EAGAIN || err == EWOULDBLOCK)) {
        watch_writes(i, true);
        return;
      }
      c.error = err;
      broke(i, broken_by(err), Clock::now());
      return;
    }
    c.out.clear();
    c.out_sent = 0;
    watch_writes(i, false);
    // Replies may already be whole: bytes that came early, or none at all
    // for an empty payload of fixed framing.
    if (c.waiting > 0) take_replies(i, Clock::now());
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
        if (what & EPOLLOUT) send_out(i);
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
      c.error = err;
      drop(i, Outcome::kConnectError, true, now);
      return;
    }
    c.state = State::kOpen;
    if (!c.out.empty())
      send_out(i);
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
      c.error = n == 0 ? 0 : errno;
      broke(i, broken_by(c.error), now);
      return false;
    }
    std::string_view data(receive_.data(), static_cast<std::size_t>(n));
    if (!c.unread.empty() || c.waiting == 0) {
      c.unread.append(data);
      take_replies(i, now);
    } else {
      std::size_t used = judge(i, data, now);
      if (used < data.size()) c.unread.assign(data.substr(used));
    }
    // Bytes held unjudged (a reply not yet whole, or bytes no request asked
    // for) are bounded as LineChannel bounds a line.
    if (c.unread.size() > largest_wire_reply(plan_.framing)) broke(i, Outcome::kReplyTooLarge, now);
    return static_cast<std::size_t>(n) == receive_.size();
  }

  void take_replies(std::uint32_t i, TimePoint now) {
    Conn& c = conns_[i];
    std::size_t used = judge(i, c.unread, now);
    c.unread.erase(0, used);
  }

  // Judges the whole replies at the start of data, each for the oldest
  // request still waiting on connection i; returns the bytes they took (all
  // of data when a reply broke the framing and the connection went).
  std::size_t judge(std::uint32_t i, std::string_view data, TimePoint now) {
    Conn& c = conns_[i];
    std::size_t used = 0;
    while (c.waiting > 0) {
      std::uint32_t client = c.fifo[c.head];
      Client& k = clients_[client];
      const Frame frame = c.framer.next(data.substr(used), k.request.size());
      if (frame.status == FrameStatus::kNeedMore) break;
      if (frame.status != FrameStatus::kReply) {
        broke(
            i,
            frame.status == FrameStatus::kTooLarge ? Outcome::kReplyTooLarge : Outcome::kWrongReply,
            now);
        return data.size();
      }
      c.head = (c.head + 1) % c.fifo.size();
      --c.waiting;
      used += frame.consumed;
      if (check_.matches(k.request, frame.text, k.client, k.seq, k.random_before, k.rows))
        finish(client, Outcome::kOk, now);
      else
        finish_wrong(client, frame.text, now);
    }
    return used;
  }

  // Connection i failed: the operations on it end with outcome; with none,
  // the next one will.
  void broke(std::uint32_t i, Outcome outcome, TimePoint now) {
    Conn& c = conns_[i];
    if (c.waiting == 0) c.broken = outcome;
    drop(i, outcome, false, now);
  }

  // Ends client's operation with outcome after the reconnect pause.
  void hold(std::uint32_t client, Outcome outcome, TimePoint now) {
    Client& k = clients_[client];
    k.held = true;
    k.held_outcome = outcome;
    k.deadline = now + kReconnectPause;
    if (k.deadline < timer_.expiry()) timer_.cancel();  // wakes the watcher sooner
  }

  asio::awaitable<void> watch_deadlines() {
    boost::system::error_code ec;
    while (!closed_) {
      TimePoint now = Clock::now();
      TimePoint next = now + plan_.timeout;
      for (std::uint32_t i = 0; i < clients_.size(); ++i) {
        Client& k = clients_[i];
        if (!k.outstanding) continue;
        if (k.deadline <= now) expire(i, now);
        if (k.outstanding) next = std::min(next, k.deadline);
      }
      timer_.expires_at(std::max(next, now + kBatchDeadlineSlack));
      co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }

  // A client's operation passed its deadline. Its connection's place in the
  // stream is lost with it, so the connection goes, and with it every
  // operation still on it: a shared connection's requests time out together.
  void expire(std::uint32_t client, TimePoint now) {
    Client& k = clients_[client];
    if (k.held) {
      finish(client, k.held_outcome, now);
      return;
    }
    // A session's connect that times out ends in a timeout, after the pause.
    drop(k.conn, Outcome::kTimeout, conns_[k.conn].state == State::kConnecting, now);
  }

  // Records client's outcome and frees it.
  void finish(std::uint32_t client, Outcome outcome, TimePoint now) {
    Client& k = clients_[client];
    k.outstanding = false;
    k.held = false;
    if (outcome == Outcome::kOk) {
      k.log.op(0, outcome, k.intended, now);
    } else {
      k.log.failed(0, outcome, k.intended, now, [&](FailureExample& e) {
        e.request = show_bytes(k.request);
        e.rule =
            unanswered_rule(outcome, plan_.timeout, errno_text(k.error), plan_.framing.max_reply);
      });
      k.error = -1;
    }
    done_(client);
  }

  // Records client's wrong reply, with an example if the sample keeps it.
  void finish_wrong(std::uint32_t client, std::string_view reply, TimePoint now) {
    Client& k = clients_[client];
    k.outstanding = false;
    k.held = false;
    k.log.failed(0, Outcome::kWrongReply, k.intended, now, [&](FailureExample& e) {
      e.request = show_bytes(k.request);
      e.received = show_bytes(reply);
      ReplyCheck::Mismatch m = check_.explain(k.request, reply, k.client, k.seq, k.random_before,
                                              k.rows, plan_.framing.kind);
      e.expected = show_bytes(m.expected);
      e.rule = std::move(m.rule);
    });
    done_(client);
  }

  const TcpPlan& plan_;
  ReplyCheck check_;
  asio::posix::stream_descriptor events_;  // the epoll set of the connections
  asio::steady_timer timer_;
  Done done_;
  std::vector<Client> clients_;
  std::vector<Conn> conns_;
  std::vector<std::uint32_t> pending_;  // connections with requests to send
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
