// The fault proxy's UDP relay (fault_proxy.hpp says what each fault does).
#include <deque>
#include <map>

#include "harness/faults/relay.hpp"

namespace drover::proxy_detail {
namespace {

// ---- UDP -------------------------------------------------------------------

class UdpRelay final : public Relay {
 public:
  UdpRelay(asio::io_context& io, Shared& shared, const std::string& listen_host,
           const std::string& upstream_host, int upstream_port)
      : Relay(io, shared), listen_(io), release_timer_(io), sweep_timer_(io) {
    auto local = resolve<udp>(io, listen_host, 0, "udp", "listen");
    upstream_ = resolve<udp>(io, upstream_host, upstream_port, "udp", "upstream", &local);
    ErrorCode ec;
    listen_.open(local.protocol(), ec);
    if (!ec) listen_.bind(local, ec);
    if (!ec) listen_.non_blocking(true, ec);
    if (ec) fail_listen("udp", listen_host, ec);
    listen_.set_option(udp::socket::receive_buffer_size(kSocketBuffer), ec);
    listen_.set_option(udp::socket::send_buffer_size(kSocketBuffer), ec);
    host = listen_.local_endpoint().address();
    port = listen_.local_endpoint().port();
  }

  void start() override {
    spawn(serve_requests());
    spawn(release_delayed());
    spawn(sweep_idle());
  }

  void shutdown() override {
    ErrorCode ignored;
    listen_.close(ignored);
    for (auto& [client, session] : sessions_) session->upstream.close(ignored);
    sessions_.clear();
    delayed_.clear();
    release_timer_.cancel();
    sweep_timer_.cancel();
  }

  void reset_all() override {}  // kReset is a blackhole for UDP

 private:
  struct Session {
    Session(asio::io_context& io, const udp::endpoint& from) : client(from), upstream(io) {}
    udp::endpoint client;
    udp::socket upstream;  // connected to the target
    TimePoint last_active{};
    TimePoint request_link_free{}, reply_link_free{};
  };
  using SessionPtr = std::shared_ptr<Session>;
  struct Delayed {
    SessionPtr session;
    bool reply;
    std::vector<char> data;
  };

  asio::awaitable<void> serve_requests() {
    ErrorCode ec;
    while (!shared_.stopping) {
      co_await listen_.async_wait(udp::socket::wait_read, with(ec));
      if (ec) break;  // closed
      for (std::size_t i = 0; i < kReadBatch; ++i) {
        udp::endpoint from;
        std::size_t n = listen_.receive_from(asio::buffer(buffer_), from, 0, ec);
        if (ec) break;
        if (SessionPtr session = session_for(from)) on_datagram(session, false, n);
      }
    }
  }

  asio::awaitable<void> serve_replies(SessionPtr session) {
    ErrorCode ec;
    while (!shared_.stopping && session->upstream.is_open()) {
      co_await session->upstream.async_wait(udp::socket::wait_read, with(ec));
      if (ec || shared_.stopping) break;
      for (std::size_t i = 0; i < kReadBatch; ++i) {
        std::size_t n = session->upstream.receive(asio::buffer(buffer_), 0, ec);
        if (ec == asio::error::would_block || ec == asio::error::bad_descriptor) break;
        if (!ec)
          on_datagram(session, true, n);  // else ICMP port unreachable: the target is not there
      }
    }
  }

  SessionPtr session_for(const udp::endpoint& client) {
    auto it = sessions_.find(client);
    if (it != sessions_.end()) return it->second;
    auto session = std::make_shared<Session>(io_, client);
    ErrorCode ec;
    session->upstream.open(upstream_.protocol(), ec);
    if (!ec) session->upstream.connect(upstream_, ec);
    if (!ec) session->upstream.non_blocking(true, ec);
    if (ec) return nullptr;  // out of descriptors: the datagram is lost
    session->upstream.set_option(udp::socket::receive_buffer_size(kSocketBuffer), ec);
    sessions_.emplace(client, session);
    spawn(serve_replies(session));
    return session;
  }

  // The datagram of n bytes in buffer_, judged by the fault of the moment.
  void on_datagram(const SessionPtr& session, bool reply, std::size_t n) {
    const NetworkFault& f = shared_.current();
    TimePoint now = session->last_active = Clock::now();
    if (f.mode == Mode::kReset || f.mode == Mode::kBlackhole) return count(shared_.blackholed);
    if (f.mode == Mode::kBandwidth) {
      TimePoint& link_free = reply ? session->reply_link_free : session->request_link_free;
      return delay(session, reply, Shared::paced(f, now, link_free, n), n);
    }
    if (!reply && f.mode == Mode::kLatency)
      return delay(session, reply, now + shared_.one_way_delay(f), n);
    if (!reply && f.mode == Mode::kDrop && shared_.chance(f.rate)) return count(shared_.dropped);
    send(*session, reply, buffer_.data(), n);
  }

  // A full socket buffer loses the datagram, as the kernel would.
  void send(Session& session, bool reply, const char* data, std::size_t n) {
    ErrorCode ec;
    count(shared_.forwarded);
    if (reply)
      listen_.send_to(asio::buffer(data, n), session.client, 0, ec);
    else
      session.upstream.send(asio::buffer(data, n), 0, ec);
    if (ec) take_back(shared_.forwarded);
  }

  void delay(const SessionPtr& session, bool reply, TimePoint due, std::size_t n) {
    if (delayed_bytes_ + n > kUdpDelayedLimit) return count(shared_.dropped);
    delayed_bytes_ += n;
    count(shared_.delayed);
    delayed_.emplace(due, Delayed{session, reply, {buffer_.data(), buffer_.data() + n}});
    if (due < armed_) release_timer_.cancel();  // wake the releaser to wait less
  }

  asio::awaitable<void> release_delayed() {
    ErrorCode ec;
    while (!shared_.stopping) {
      TimePoint now = Clock::now();
      while (!delayed_.empty() && delayed_.begin()->first <= now) {
        auto node = delayed_.extract(delayed_.begin());
        Delayed& d = node.mapped();
        delayed_bytes_ -= d.data.size();
        if (d.session->upstream.is_open())  // else swept meanwhile
          send(*d.session, d.reply, d.data.data(), d.data.size());
      }
      armed_ = delayed_.empty() ? kNever : delayed_.begin()->first;
      release_timer_.expires_at(armed_);
      co_await release_timer_.async_wait(with(ec));
    }
  }

  asio::awaitable<void> sweep_idle() {
    ErrorCode ec;
    while (!shared_.stopping) {
      sweep_timer_.expires_after(kSweepPeriod);
      co_await sweep_timer_.async_wait(with(ec));
      if (shared_.stopping) break;
      TimePoint idle_since = Clock::now() - kUdpIdle;
      std::erase_if(sessions_, [&](const auto& entry) {
        if (entry.second->last_active >= idle_since) return false;
        entry.second->upstream.close(ec);
        return true;
      });
    }
  }

  udp::endpoint upstream_;
  udp::socket listen_;
  std::map<udp::endpoint, SessionPtr> sessions_;
  std::multimap<TimePoint, Delayed> delayed_;  // equal due times: first in, first out
  std::size_t delayed_bytes_ = 0;
  TimePoint armed_ = kNever;  // when release_timer_ fires
  asio::steady_timer release_timer_;
  asio::steady_timer sweep_timer_;
};

}  // namespace

std::unique_ptr<Relay> make_udp_relay(asio::io_context& io, Shared& shared,
                                      const std::string& listen_host,
                                      const std::string& upstream_host, int upstream_port) {
  return std::make_unique<UdpRelay>(io, shared, listen_host, upstream_host, upstream_port);
}

}  // namespace drover::proxy_detail
