#include "harness/drivers/udp_arrivals.hpp"

#include <netinet/udp.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <string>

#include "harness/core/shown_bytes.hpp"
#include "harness/drivers/expectation.hpp"
#include "harness/drivers/failure_rule.hpp"
#include "harness/drivers/reply_matcher.hpp"

namespace drover {
namespace {

using udp = asio::ip::udp;

// Datagrams per sendmmsg / recvmmsg call.
constexpr std::size_t kBatch = 64;
// What udp_echo asks for too: a scheduling stall of a few milliseconds on a
// busy machine must not overflow the socket's buffers.
constexpr int kSocketBuffer = 4 * 1024 * 1024;
// Datagrams of one size sent as one segmented message: at most this long
// each (well under an Ethernet MTU, which a segment must fit) and this much
// together (an IP packet's limit, with room for headers).
constexpr std::size_t kMaxSegment = 1400;
constexpr std::size_t kMaxSegmented = 60000;

class UdpArrivals final : public ArrivalBatch {
 public:
  UdpArrivals(asio::io_context& io, const UdpPlan& plan, std::vector<ClientLog> clients, Done done)
      : plan_(plan),
        check_(plan.expectation, &plan.data),
        socket_(io),
        timer_(io),
        matcher_(clients.size()),
        done_(std::move(done)) {
    ops_.reserve(clients.size());
    for (ClientLog& log : clients) ops_.emplace_back(std::move(log));
    for (Op& op : ops_) {
      op.client = op.log.index_in_fleet();
      op.random_state = op.log.random_seed();
    }
    pending_.reserve(ops_.size());
    receive_.resize(kBatch * plan.receive_size);
    for (std::size_t i = 0; i < kBatch; ++i) {
      receive_iov_[i] = {&receive_[i * plan.receive_size], plan.receive_size};
      receive_msgs_[i] = {};
      receive_msgs_[i].msg_hdr.msg_iov = &receive_iov_[i];
      receive_msgs_[i].msg_hdr.msg_iovlen = 1;
    }

    boost::system::error_code ec;
    socket_.open(plan.target.protocol(), ec);
    if (!ec) socket_.connect(plan.target, ec);
    if (!ec) socket_.non_blocking(true, ec);
    open_error_ = static_cast<bool>(ec);
    if (!open_error_) {
      grow_buffer(SO_RCVBUFFORCE, SO_RCVBUF);
      grow_buffer(SO_SNDBUFFORCE, SO_SNDBUF);
      asio::co_spawn(io, read_replies(), asio::detached);
    }
    asio::co_spawn(io, watch_deadlines(), asio::detached);
  }

  void add(std::uint32_t client, std::uint64_t seq, TimePoint intended) override {
    Op& op = ops_[client];
    op.intended = intended;
    if (open_error_) {
      finish(client, Outcome::kConnectError, Clock::now());
      return;
    }
    op.seq = seq;
    op.random_before = op.random_state;
    op.rows.clear();
    if (!plan_.payload.render(op.request, op.client, seq, op.random_state, &op.rows)) {
      finish(client, Outcome::kDataExhausted, Clock::now());
      return;
    }
    check_.expected_reply(op.request, op.client, seq, op.random_before, matcher_.expected(client),
                          op.rows);
    matcher_.begin(client);
    op.deadline = Clock::now() + plan_.timeout;
    pending_.push_back(client);
  }

  void flush() override {
    std::size_t next = 0;
    while (next < pending_.size()) {
      std::size_t n = 0;
      while (next < pending_.size() && n < kBatch) {
        std::uint32_t c = pending_[next++];
        if (!matcher_.outstanding(c)) continue;  // timed out while waiting to go
        chunk_[n] = c;
        send_iov_[n] = {ops_[c].request.data(), ops_[c].request.size()};
        ++n;
      }
      std::size_t messages = group(n);
      std::size_t sent = 0;  // messages
      while (sent < messages) {
        int r = ::sendmmsg(socket_.native_handle(), &send_msgs_[sent],
                           static_cast<unsigned>(messages - sent), MSG_DONTWAIT);
        if (r > 0) {
          sent += static_cast<std::size_t>(r);
          continue;
        }
        int err = errno;
        if (r < 0 && err == EINTR) continue;
        Message& m = message_[sent];
        if (r < 0 && (err == EAGAIN || err == EWOULDBLOCK)) {
          keep_unsent(m.first, n, next);
          return;
        }
        if (m.count > 1 && segments_) {
          // The route or the kernel cannot segment: send one datagram a
          // message from now on, this batch included.
          segments_ = false;
          keep_unsent(m.first, n, next);
          next = 0;
          break;
        }
        // The message failed; its operations end with the error.
        TimePoint now = Clock::now();
        for (std::size_t i = m.first; i < m.first + m.count; ++i)
          finish(chunk_[i], err == ECONNREFUSED ? Outcome::kConnectError : Outcome::kIoError, now,
                 err);
        ++sent;
      }
      if (sent < messages) continue;  // regrouped without segmentation
    }
    pending_.clear();
  }

  void poll() override {
    if (!open_error_ && !closed_) read_ready();
  }

  void close() override {
    closed_ = true;
    timer_.cancel();
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

 private:
  struct Op {
    explicit Op(ClientLog l) : log(std::move(l)) {}
    ClientLog log;
    std::uint64_t client = 0;  // index in the fleet, as payloads see it
    std::uint64_t random_state = 1;
    std::uint64_t seq = 0;            // of its last request
    std::uint64_t random_before = 0;  // random_state before its last request
    RowsTaken rows;                   // the data rows its last request took
    std::string request;
    TimePoint intended{};
    TimePoint deadline{};
  };

  // One socket holds the replies of all the share's clients: its buffers
  // grow past the system's limit (net.core.rmem_max) if drover may, else
  // up to it.
  void grow_buffer(int force, int option) {
    int size = kSocketBuffer;
    int fd = socket_.native_handle();
    if (::setsockopt(fd, SOL_SOCKET, force, &size, sizeof size) != 0)
      ::setsockopt(fd, SOL_SOCKET, option, &size, sizeof size);
  }

  struct Message {
    std::size_t first;  // in chunk_
    std::size_t count;
  };

  // Builds the messages for the chunk's n datagrams (send_iov_) and returns
  // how many. Consecutive datagrams of one size go out as one message that
  // the kernel cuts into datagrams again (UDP_SEGMENT): one trip through
  // the IP stack and the loopback per message rather than per datagram. The
  // receiver sees separate datagrams either way.
  std::size_t group(std::size_t n) {
    std::size_t messages = 0;
    for (std::size_t i = 0; i < n;) {
      std::size_t size = send_iov_[i].iov_len;
      std::size_t count = 1;
      if (segments_ && size > 0 && size <= kMaxSegment) {
        while (i + count < n && send_iov_[i + count].iov_len == size &&
               (count + 1) * size <= kMaxSegmented)
          ++count;
      }
      mmsghdr& h = send_msgs_[messages];
      h = {};
      h.msg_hdr.msg_iov = &send_iov_[i];
      h.msg_hdr.msg_iovlen = count;
      if (count > 1) {
        Control& c = control_[messages];
        c = {};
        h.msg_hdr.msg_control = c.bytes;
        h.msg_hdr.msg_controllen = sizeof c.bytes;
        cmsghdr* cm = CMSG_FIRSTHDR(&h.msg_hdr);
        cm->cmsg_level = SOL_UDP;
        cm->cmsg_type = UDP_SEGMENT;
        cm->cmsg_len = CMSG_LEN(sizeof(std::uint16_t));
        auto segment = static_cast<std::uint16_t>(size);
        std::memcpy(CMSG_DATA(cm), &segment, sizeof segment);
      }
      message_[messages++] = {i, count};
      i += count;
    }
    return messages;
  }

  // A full send buffer: what was not sent waits for the next flush (or its
  // deadline), first in first out.
  void keep_unsent(std::size_t sent, std::size_t n, std::size_t next) {
    std::size_t k = 0;
    for (std::size_t i = sent; i < n; ++i) pending_[k++] = chunk_[i];
    for (std::size_t j = next; j < pending_.size(); ++j) pending_[k++] = pending_[j];
    pending_.resize(k);
  }

  asio::awaitable<void> read_replies() {
    boost::system::error_code ec;
    while (!closed_) {
      co_await socket_.async_wait(udp::socket::wait_read,
                                  asio::redirect_error(asio::use_awaitable, ec));
      if (closed_ || ec) break;
      read_ready();
    }
  }

  // Reads until the socket is empty.
  void read_ready() {
    for (;;) {
      int r = ::recvmmsg(socket_.native_handle(), receive_msgs_.data(),
                         static_cast<unsigned>(kBatch), MSG_DONTWAIT, nullptr);
      if (r < 0) {
        int err = errno;
        if (err == EINTR) continue;
        if (err == EAGAIN || err == EWOULDBLOCK) return;
        // A connected UDP socket reports ICMP port unreachable as refused;
        // the request it answers is most likely the oldest one.
        std::int64_t oldest = matcher_.oldest();
        if (oldest >= 0)
          finish(static_cast<std::uint32_t>(oldest),
                 err == ECONNREFUSED ? Outcome::kConnectError : Outcome::kIoError, Clock::now(),
                 err);
        if (err == ECONNREFUSED) continue;
        return;
      }
      TimePoint now = Clock::now();
      for (int i = 0; i < r; ++i) {
        std::string_view reply(static_cast<const char*>(receive_iov_[i].iov_base),
                               receive_msgs_[i].msg_len);
        ReplyMatcher::Match m = matcher_.match(reply);
        switch (m.kind) {
          case ReplyMatcher::Match::Kind::kAnswer:
            finish(m.op, Outcome::kOk, now);
            break;
          case ReplyMatcher::Match::Kind::kWrong:
            finish_wrong(m.op, reply, now);
            break;
          case ReplyMatcher::Match::Kind::kLate:
            if (!ops_.empty()) ops_[0].log.late_reply(0);
            break;
        }
      }
      if (static_cast<std::size_t>(r) < kBatch) return;
    }
  }

  asio::awaitable<void> watch_deadlines() {
    boost::system::error_code ec;
    while (!closed_) {
      flush();  // what a full send buffer held back
      TimePoint now = Clock::now();
      TimePoint next = now + plan_.timeout;
      for (std::uint32_t i = 0; i < ops_.size(); ++i) {
        if (!matcher_.outstanding(i)) continue;
        if (ops_[i].deadline <= now)
          finish(i, Outcome::kTimeout, now);
        else
          next = std::min(next, ops_[i].deadline);
      }
      timer_.expires_at(std::max(next, now + kBatchDeadlineSlack));
      co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }

  // Records op's outcome and frees its client. A reply that still comes
  // for an operation that ended unanswered is late.
  // err: the errno that ended it, when one did.
  void finish(std::uint32_t op, Outcome outcome, TimePoint now, int err = -1) {
    matcher_.abandon(op);
    Op& o = ops_[op];
    if (outcome == Outcome::kOk) {
      o.log.op(0, outcome, o.intended, now);
    } else {
      o.log.failed(0, outcome, o.intended, now, [&](FailureExample& e) {
        if (!open_error_) e.request = show_bytes(o.request);
        e.rule = unanswered_rule(outcome, plan_.timeout, errno_text(err));
      });
    }
    done_(op);
  }

  // Records op's wrong reply, with an example if the sample keeps it.
  void finish_wrong(std::uint32_t op, std::string_view reply, TimePoint now) {
    matcher_.abandon(op);
    Op& o = ops_[op];
    o.log.failed(0, Outcome::kWrongReply, o.intended, now, [&](FailureExample& e) {
      e.request = show_bytes(o.request);
      e.received = show_bytes(reply);
      ReplyCheck::Mismatch m =
          check_.explain(o.request, reply, o.client, o.seq, o.random_before, o.rows);
      e.expected = show_bytes(m.expected);
      e.rule = std::move(m.rule);
    });
    done_(op);
  }

  const UdpPlan& plan_;
  ReplyCheck check_;
  udp::socket socket_;
  asio::steady_timer timer_;
  ReplyMatcher matcher_;
  Done done_;
  std::vector<Op> ops_;
  std::vector<std::uint32_t> pending_;  // added, not yet sent
  bool open_error_ = false;
  bool closed_ = false;

  std::array<std::uint32_t, kBatch> chunk_{};
  std::array<iovec, kBatch> send_iov_{};
  std::array<mmsghdr, kBatch> send_msgs_{};
  std::array<Message, kBatch> message_{};
  struct Control {
    alignas(cmsghdr) char bytes[CMSG_SPACE(sizeof(std::uint16_t))];
  };
  std::array<Control, kBatch> control_{};
  bool segments_ = true;  // until the kernel refuses UDP_SEGMENT
  std::vector<char> receive_;
  std::array<iovec, kBatch> receive_iov_{};
  std::array<mmsghdr, kBatch> receive_msgs_{};
};

}  // namespace

ArrivalBatchPtr make_udp_arrivals(asio::io_context& io, const UdpPlan& plan,
                                  std::vector<ClientLog> clients, ArrivalBatch::Done done) {
  return std::make_unique<UdpArrivals>(io, plan, std::move(clients), std::move(done));
}

}  // namespace drover
