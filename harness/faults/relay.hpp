// What the fault proxy's two relays share, and how it makes them. Private
// to harness/faults: fault_proxy.cpp, udp_relay.cpp and tcp_relay.cpp.
//
// Thread-safety: Shared::set() from any thread; everything else on the
// proxy's own thread.
#pragma once

#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/core/asio.hpp"
#include "harness/faults/fault_proxy.hpp"

namespace drover::proxy_detail {

using tcp = asio::ip::tcp;
using udp = asio::ip::udp;
using Mode = NetworkFault::Mode;
using ErrorCode = boost::system::error_code;

inline constexpr std::size_t kMaxRead = 65536;  // any UDP datagram whole
inline constexpr std::size_t kReadBatch = 64;   // datagrams per wake-up, so others get a turn
inline constexpr std::size_t kUdpDelayedLimit = 32u << 20;
inline constexpr std::size_t kTcpPipeLimit = 1u << 20;
inline constexpr int kSocketBuffer = 4 << 20;  // the kernel caps it at rmem_max / wmem_max
inline constexpr Duration kUdpIdle = std::chrono::seconds(60);
inline constexpr Duration kSweepPeriod = std::chrono::seconds(5);
inline constexpr Duration kConnectTimeout = std::chrono::seconds(3);
inline constexpr Duration kAcceptBackoff = std::chrono::milliseconds(10);
inline constexpr Duration kStopGrace = std::chrono::milliseconds(500);

inline const auto kNever = TimePoint::max();

inline auto with(ErrorCode& ec) {
  return asio::redirect_error(asio::use_awaitable, ec);
}

// Written by the proxy thread, read by any thread. Each event is counted
// before its effect can be seen (a reply received, a reset), so a reader who
// saw the effect also sees the count.
using Counter = std::atomic<std::uint64_t>;
inline void count(Counter& c) {
  c.fetch_add(1, std::memory_order_relaxed);
}
inline void take_back(Counter& c) {
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

[[noreturn]] inline void fail_listen(const char* transport, const std::string& host,
                                     const ErrorCode& ec) {
  throw std::runtime_error(std::string("fault proxy: cannot listen on ") + transport + " " + host +
                           ":0: " + ec.message());
}

std::unique_ptr<Relay> make_udp_relay(asio::io_context& io, Shared& shared,
                                      const std::string& listen_host,
                                      const std::string& upstream_host, int upstream_port);
std::unique_ptr<Relay> make_tcp_relay(asio::io_context& io, Shared& shared,
                                      const std::string& listen_host,
                                      const std::string& upstream_host, int upstream_port);

}  // namespace drover::proxy_detail
