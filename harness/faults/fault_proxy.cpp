#include "harness/faults/fault_proxy.hpp"

#include <algorithm>
#include <atomic>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

#include "harness/core/asio.hpp"

namespace drover {
namespace {

using tcp = asio::ip::tcp;
using udp = asio::ip::udp;
using Mode = NetworkFault::Mode;
using ErrorCode = boost::system::error_code;

constexpr std::size_t kMaxRead = 65536;  // any UDP datagram whole
constexpr std::size_t kReadBatch = 64;   // datagrams per wake-up, so others get a turn
constexpr std::size_t kUdpDelayedLimit = 32u << 20;
constexpr std::size_t kTcpPipeLimit = 1u << 20;
constexpr int kSocketBuffer = 4 << 20;  // the kernel caps it at rmem_max / wmem_max
constexpr Duration kUdpIdle = std::chrono::seconds(60);
constexpr Duration kSweepPeriod = std::chrono::seconds(5);
constexpr Duration kConnectTimeout = std::chrono::seconds(3);
constexpr Duration kAcceptBackoff = std::chrono::milliseconds(10);
constexpr Duration kStopGrace = std::chrono::milliseconds(500);

const auto kNever = TimePoint::max();

auto with(ErrorCode& ec) {
  return asio::redirect_error(asio::use_awaitable, ec);
}

// Written by the proxy thread, read by any thread. Each event is counted
// before its effect can be seen (a reply received, a reset), so a reader who
// saw the effect also sees the count.
using Counter = std::atomic<std::uint64_t>;
void count(Counter& c) {
  c.fetch_add(1, std::memory_order_relaxed);
}
void take_back(Counter& c) {
  c.fetch_sub(1, std::memory_order_relaxed);
}

// What both relays share: the fault, its randomness, the counters.
class Shared {
 public:
  explicit Shared(std::uint64_t seed) : random_(seed) {}

  // Any thread.
  void set(const NetworkFault& fault) {
    std::lock_guard lock(mutex_);
    fault_ = fault;
    generation_.fetch_add(1, std::memory_order_release);
  }

  // Proxy thread only: the fault now, re-read only when it changed.
  const NetworkFault& current() {
    if (generation_.load(std::memory_order_acquire) != seen_) {
      std::lock_guard lock(mutex_);
      current_ = fault_;
      seen_ = generation_.load(std::memory_order_relaxed);
    }
    return current_;
  }
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(random_) < p; }
  Duration one_way_delay(const NetworkFault& f) {
    double jitter = static_cast<double>(f.jitter.count());
    double offset =
        jitter == 0 ? 0 : std::uniform_real_distribution<double>(-jitter, jitter)(random_);
    return std::max(Duration(0), f.latency + Duration(static_cast<Duration::rep>(offset)));
  }
  // When n bytes entering a link of f.bytes_per_s, free from link_free on,
  // have crossed it; advances link_free.
  static TimePoint paced(const NetworkFault& f, TimePoint now, TimePoint& link_free,
                         std::size_t n) {
    auto crossing = Duration(static_cast<Duration::rep>(n * 1'000'000'000ull / f.bytes_per_s));
    link_free = std::max(now, link_free) + crossing;
    return link_free;
  }

  bool stopping = false;  // proxy thread only
  Counter forwarded{0}, dropped{0}, delayed{0}, resets{0}, blackholed{0};

 private:
  std::mutex mutex_;
  NetworkFault fault_;
  std::atomic<std::uint64_t> generation_{0};
  NetworkFault current_;  // proxy thread only, from here down
  std::uint64_t seen_ = 0;
  std::mt19937_64 random_;
};

// One transport's forwarding. Everything but the constructor runs on the
// proxy thread.
class Relay {
 public:
  Relay(asio::io_context& io, Shared& shared) : io_(io), shared_(shared) {}
  virtual ~Relay() = default;
  virtual void start() = 0;
  virtual void shutdown() = 0;   // close everything
  virtual void reset_all() = 0;  // kReset was applied
  asio::ip::address host;        // where it listens, set by the constructor
  int port = 0;

 protected:
  // An exception (a bug) ends its coroutine only, never the proxy thread.
  void spawn(asio::awaitable<void> task) {
    asio::co_spawn(io_, std::move(task), [](const std::exception_ptr&) {});
  }
  asio::io_context& io_;
  Shared& shared_;
  std::vector<char> buffer_ = std::vector<char>(kMaxRead);  // one read at a time
};

template <class Protocol>
typename Protocol::endpoint resolve(asio::io_context& io, const std::string& host, int port,
                                    const char* transport, const char* role,
                                    const typename Protocol::endpoint* like = nullptr) {
  typename Protocol::resolver resolver(io);
  ErrorCode ec;
  auto found = resolver.resolve(host, std::to_string(port), ec);
  if (ec || found.empty())
    throw std::runtime_error(std::string("fault proxy: cannot resolve ") + role + " " + transport +
                             " address " + host + ":" + std::to_string(port) + ": " +
                             (ec ? ec.message() : "no address"));
  for (const auto& entry : found)
    if (like && entry.endpoint().protocol() == like->protocol()) return entry.endpoint();
  return found.begin()->endpoint();
}

[[noreturn]] void fail_listen(const char* transport, const std::string& host, const ErrorCode& ec) {
  throw std::runtime_error(std::string("fault proxy: cannot listen on ") + transport + " " + host +
                           ":0: " + ec.message());
}

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

// ---- TCP -------------------------------------------------------------------

// One direction of a connection: chunks read, waiting for their due time.
struct Pipe {
  explicit Pipe(asio::io_context& io) : wake_writer(io), wake_reader(io) {}
  struct Chunk {
    TimePoint due;
    std::vector<char> data;
  };
  std::deque<Chunk> chunks;  // due times never decrease: a stream keeps its order
  std::size_t bytes = 0;
  TimePoint last_due{}, link_free{};
  bool eof = false;
  asio::steady_timer wake_writer, wake_reader;  // condition variables, by cancel()
};

struct Link {
  Link(asio::io_context& io, tcp::socket accepted)
      : client(std::move(accepted)), upstream(io), requests(io), replies(io), connect_timer(io) {}
  tcp::socket client, upstream;
  Pipe requests, replies;
  asio::steady_timer connect_timer;
  std::uint64_t id = 0;
  int open_directions = 2;
  bool closed = false;
};
using LinkPtr = std::shared_ptr<Link>;

void reset_socket(tcp::socket& socket) {
  ErrorCode ignored;
  socket.set_option(tcp::socket::linger(true, 0), ignored);  // close sends RST
  socket.close(ignored);
}

class TcpRelay final : public Relay {
 public:
  TcpRelay(asio::io_context& io, Shared& shared, const std::string& listen_host,
           const std::string& upstream_host, int upstream_port)
      : Relay(io, shared), acceptor_(io), backoff_(io) {
    auto local = resolve<tcp>(io, listen_host, 0, "tcp", "listen");
    upstream_ = resolve<tcp>(io, upstream_host, upstream_port, "tcp", "upstream", &local);
    ErrorCode ec;
    acceptor_.open(local.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(local, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) fail_listen("tcp", listen_host, ec);
    host = acceptor_.local_endpoint().address();
    port = acceptor_.local_endpoint().port();
  }

  void start() override { spawn(accept_clients()); }

  void shutdown() override {
    ErrorCode ignored;
    acceptor_.close(ignored);
    backoff_.cancel();
    for (auto& [id, link] : std::map(links_)) close(*link, false);  // a copy: close() erases
  }

  void reset_all() override {
    for (auto& [id, link] : std::map(links_)) {
      count(shared_.resets);
      close(*link, true);
    }
  }

 private:
  asio::awaitable<void> accept_clients() {
    ErrorCode ec;
    while (!shared_.stopping) {
      tcp::socket client(io_);
      co_await acceptor_.async_accept(client, with(ec));
      if (shared_.stopping || !acceptor_.is_open()) break;
      if (ec) {  // out of descriptors, say: wait rather than spin
        backoff_.expires_after(kAcceptBackoff);
        co_await backoff_.async_wait(with(ec));
        continue;
      }
      const NetworkFault& f = shared_.current();
      if (f.mode == Mode::kReset) {
        count(shared_.resets);
        reset_socket(client);
      } else if (f.mode == Mode::kDrop && shared_.chance(f.rate)) {
        count(shared_.dropped);
        reset_socket(client);
      } else {
        auto link = std::make_shared<Link>(io_, std::move(client));
        link->id = next_id_++;
        links_.emplace(link->id, link);
        spawn(connect(link));
      }
    }
  }

  asio::awaitable<void> connect(LinkPtr link) {
    link->connect_timer.expires_after(kConnectTimeout);
    link->connect_timer.async_wait([link](const ErrorCode& ec) {
      ErrorCode ignored;
      if (!ec) link->upstream.close(ignored);
    });
    ErrorCode ec;
    co_await link->upstream.async_connect(upstream_, with(ec));
    link->connect_timer.cancel();
    if (link->closed) co_return;
    if (ec) co_return close(*link, true);          // as a refused connection would look
    if (shared_.current().mode == Mode::kReset) {  // applied while connecting
      count(shared_.resets);
      co_return close(*link, true);
    }
    for (tcp::socket* socket : {&link->client, &link->upstream}) {
      socket->set_option(tcp::no_delay(true), ec);  // pass chunks on as they come
      socket->non_blocking(true, ec);
    }
    spawn(pump_in(link, link->client, link->requests, false));
    spawn(pump_out(link, link->upstream, link->requests));
    spawn(pump_in(link, link->upstream, link->replies, true));
    spawn(pump_out(link, link->client, link->replies));
  }

  // Reads what `from` sends into pipe, judged by the fault of the moment.
  asio::awaitable<void> pump_in(LinkPtr link, tcp::socket& from, Pipe& pipe, bool reply) {
    ErrorCode ec;
    while (!link->closed) {
      if (pipe.bytes >= kTcpPipeLimit) {  // let TCP flow control slow the sender
        pipe.wake_reader.expires_at(kNever);
        co_await pipe.wake_reader.async_wait(with(ec));
        continue;
      }
      co_await from.async_wait(tcp::socket::wait_read, with(ec));
      if (link->closed) break;
      if (ec) co_return close(*link, true);
      const NetworkFault& f = shared_.current();
      if (f.mode == Mode::kReset) {
        count(shared_.resets);
        co_return close(*link, true);
      }
      std::size_t cap = kMaxRead;
      if (f.mode == Mode::kBandwidth)
        cap = std::clamp<std::size_t>(f.bytes_per_s / 50, 512, kMaxRead);
      std::size_t n = from.read_some(asio::buffer(buffer_.data(), cap), ec);
      if (ec == asio::error::would_block) continue;
      if (ec == asio::error::eof) {
        pipe.eof = true;
        pipe.wake_writer.cancel();
        break;
      }
      if (ec) co_return close(*link, true);
      take(f, pipe, reply, n);
    }
  }

  void take(const NetworkFault& f, Pipe& pipe, bool reply, std::size_t n) {
    if (f.mode == Mode::kBlackhole) return count(shared_.blackholed);
    TimePoint now = Clock::now();
    TimePoint due = now;
    if (f.mode == Mode::kLatency && !reply) due = now + shared_.one_way_delay(f);
    if (f.mode == Mode::kBandwidth) due = Shared::paced(f, now, pipe.link_free, n);
    due = std::max(due, pipe.last_due);
    pipe.last_due = due;
    if (due > now) count(shared_.delayed);
    pipe.chunks.push_back({due, std::vector<char>(buffer_.data(), buffer_.data() + n)});
    pipe.bytes += n;
    pipe.wake_writer.cancel();
  }

  // Writes pipe's chunks to `to` when due; passes the end of stream on.
  asio::awaitable<void> pump_out(LinkPtr link, tcp::socket& to, Pipe& pipe) {
    ErrorCode ec;
    while (!link->closed) {
      if (pipe.chunks.empty()) {
        if (pipe.eof) {
          to.shutdown(tcp::socket::shutdown_send, ec);
          if (--link->open_directions == 0) close(*link, false);
          co_return;
        }
        pipe.wake_writer.expires_at(kNever);
        co_await pipe.wake_writer.async_wait(with(ec));
        continue;
      }
      // A reference stays valid while the reader appends to the deque.
      Pipe::Chunk& front = pipe.chunks.front();
      if (front.due > Clock::now()) {
        pipe.wake_writer.expires_at(front.due);
        co_await pipe.wake_writer.async_wait(with(ec));
        continue;
      }
      count(shared_.forwarded);
      co_await asio::async_write(to, asio::buffer(front.data), with(ec));
      if (link->closed) break;
      if (ec) {
        take_back(shared_.forwarded);
        co_return close(*link, true);
      }
      pipe.bytes -= front.data.size();
      pipe.chunks.pop_front();
      pipe.wake_reader.cancel();
    }
  }

  // Closes both sides; with reset, each side gets an RST instead of a FIN.
  // Pending operations end with operation_aborted; the chunks stay until the
  // last coroutine holding the link ends, so no write loses its buffer.
  void close(Link& link, bool reset) {
    if (link.closed) return;
    link.closed = true;
    ErrorCode ignored;
    for (tcp::socket* socket : {&link.client, &link.upstream}) {
      if (reset) socket->set_option(tcp::socket::linger(true, 0), ignored);
      socket->close(ignored);
    }
    for (asio::steady_timer* timer :
         {&link.connect_timer, &link.requests.wake_writer, &link.requests.wake_reader,
          &link.replies.wake_writer, &link.replies.wake_reader})
      timer->cancel();
    links_.erase(link.id);
  }

  tcp::endpoint upstream_;
  tcp::acceptor acceptor_;
  asio::steady_timer backoff_;
  std::map<std::uint64_t, LinkPtr> links_;
  std::uint64_t next_id_ = 0;
};

void validate(const NetworkFault& f) {
  if (f.mode == Mode::kDrop && !(f.rate >= 0 && f.rate <= 1))
    throw std::invalid_argument("fault proxy: drop rate must be in [0, 1]");
  if (f.mode == Mode::kLatency && (f.latency < Duration(0) || f.jitter < Duration(0)))
    throw std::invalid_argument("fault proxy: latency and jitter must not be negative");
  if (f.mode == Mode::kBandwidth && f.bytes_per_s == 0)
    throw std::invalid_argument("fault proxy: bandwidth must be above 0 bytes/s");
}

}  // namespace

struct FaultProxy::Impl {
  Impl(ProxyTransport transport, const std::string& upstream_host, int upstream_port,
       std::uint64_t seed, const std::string& listen)
      : shared(seed), is_tcp(transport == ProxyTransport::kTcp) {
    if (upstream_port < 1 || upstream_port > 65535)
      throw std::runtime_error("fault proxy: upstream " + upstream_host + ":" +
                               std::to_string(upstream_port) + " has no valid port");
    if (is_tcp)
      relay = std::make_unique<TcpRelay>(io, shared, listen, upstream_host, upstream_port);
    else
      relay = std::make_unique<UdpRelay>(io, shared, listen, upstream_host, upstream_port);
    port = relay->port;
    address = relay->host.is_v6() ? "[" + relay->host.to_string() + "]" : relay->host.to_string();
    address += ":" + std::to_string(port);
    relay->start();
    thread = std::thread([this] {
      io.run();
      finished.set_value();
    });
  }

  void stop() {
    asio::post(io, [this] {
      shared.stopping = true;
      relay->shutdown();
    });
    // Every coroutine ends once its socket is closed; if one does not in
    // time, its frame is destroyed with the io_context.
    if (done.wait_for(kStopGrace) != std::future_status::ready) io.stop();
    thread.join();
  }

  asio::io_context io{1};  // first in, last out: sockets need it to close
  Shared shared;
  bool is_tcp;
  int port = 0;
  std::string address;
  std::unique_ptr<Relay> relay;
  std::promise<void> finished;
  std::future<void> done = finished.get_future();
  std::thread thread;
};

FaultProxy::FaultProxy(ProxyTransport transport, std::string upstream_host, int upstream_port,
                       std::uint64_t seed, std::string listen_host)
    : impl_(std::make_unique<Impl>(transport, upstream_host, upstream_port, seed, listen_host)) {}

FaultProxy::~FaultProxy() {
  impl_->stop();
}

int FaultProxy::port() const {
  return impl_->port;
}

std::string FaultProxy::address() const {
  return impl_->address;
}

void FaultProxy::apply(const NetworkFault& fault) {
  validate(fault);
  impl_->shared.set(fault);
  if (fault.mode == Mode::kReset && impl_->is_tcp)
    asio::post(impl_->io, [impl = impl_.get()] { impl->relay->reset_all(); });
}

void FaultProxy::clear() {
  impl_->shared.set(NetworkFault{});
}

ProxyStats FaultProxy::stats() const {
  const Shared& s = impl_->shared;
  auto get = [](const Counter& c) { return c.load(std::memory_order_relaxed); };
  return {get(s.forwarded), get(s.dropped), get(s.delayed), get(s.resets), get(s.blackholed)};
}

}  // namespace drover
