// End-to-end tests of FaultProxy (harness/faults/fault_proxy.hpp): real
// loopback traffic through the proxy to small upper-casing echo servers that
// live in this file (one thread each), for every fault mode on UDP and TCP.
// Every wait is bounded; the whole file runs in about 10 s.
#include "harness/faults/fault_proxy.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/eventually.hpp"
#include "tests/support/loopback.hpp"

namespace drover::test::fault_proxy_test {
namespace {

using namespace std::chrono_literals;
using Mode = NetworkFault::Mode;
using Ms = std::chrono::milliseconds;

double millis_since(TimePoint start) {
  return to_millis(Clock::now() - start);
}

sockaddr_in loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  return a;
}

// Binds type on 127.0.0.1:0; returns the socket and its port.
std::pair<Socket, int> bound(int type) {
  Socket s(socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  sockaddr_in a = loopback(0);
  socklen_t length = sizeof a;
  int big = 4 << 20;
  setsockopt(s.fd(), SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  setsockopt(s.fd(), SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
  if (bind(s.fd(), reinterpret_cast<sockaddr*>(&a), length) < 0 ||
      getsockname(s.fd(), reinterpret_cast<sockaddr*>(&a), &length) < 0 ||
      (type == SOCK_STREAM && listen(s.fd(), 128) < 0))
    throw std::runtime_error("cannot bind a loopback socket");
  return {std::move(s), ntohs(a.sin_port)};
}

// Replies to every datagram with its upper-case, until destroyed.
class UdpEcho {
 public:
  UdpEcho() {
    std::tie(socket_, port_) = bound(SOCK_DGRAM);
    thread_ = std::thread([this] { run(); });
  }
  ~UdpEcho() {
    stop_ = true;
    thread_.join();
  }
  int port() const { return port_; }

 private:
  void run() {
    std::vector<char> buffer(65536);
    while (!stop_) {
      pollfd p{socket_.fd(), POLLIN, 0};
      if (poll(&p, 1, 20) <= 0) continue;
      for (;;) {
        sockaddr_storage from{};
        socklen_t length = sizeof from;
        ssize_t n = recvfrom(socket_.fd(), buffer.data(), buffer.size(), 0,
                             reinterpret_cast<sockaddr*>(&from), &length);
        if (n < 0) break;
        std::string reply = upper(std::string(buffer.data(), static_cast<std::size_t>(n)));
        sendto(socket_.fd(), reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from),
               length);
      }
    }
  }

  Socket socket_;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Echoes the upper-case of what each connection sends, one poll loop for all.
class TcpEcho {
 public:
  TcpEcho() {
    std::tie(listen_, port_) = bound(SOCK_STREAM);
    thread_ = std::thread([this] { run(); });
  }
  ~TcpEcho() {
    stop_ = true;
    thread_.join();
  }
  int port() const { return port_; }

 private:
  struct Connection {
    Socket socket;
    std::string out;
  };

  void run() {
    std::vector<Connection> connections;
    std::vector<char> buffer(65536);
    while (!stop_) {
      std::vector<pollfd> fds{{listen_.fd(), POLLIN, 0}};
      for (auto& c : connections)
        fds.push_back(
            {c.socket.fd(), static_cast<short>(POLLIN | (c.out.empty() ? 0 : POLLOUT)), 0});
      if (poll(fds.data(), fds.size(), 20) <= 0) continue;
      for (std::size_t i = 0; i < connections.size(); ++i) {
        Connection& c = connections[i];
        bool dead = false;
        if (fds[i + 1].revents & (POLLIN | POLLHUP | POLLERR)) {
          ssize_t n = recv(c.socket.fd(), buffer.data(), buffer.size(), 0);
          if (n > 0) c.out += upper(std::string(buffer.data(), static_cast<std::size_t>(n)));
          dead = n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR);
        }
        if (!dead && !c.out.empty()) {
          ssize_t n = send(c.socket.fd(), c.out.data(), c.out.size(), MSG_NOSIGNAL);
          if (n > 0) c.out.erase(0, static_cast<std::size_t>(n));
          dead = n < 0 && errno != EAGAIN && errno != EINTR;
        }
        if (dead) c.socket.reset();
      }
      std::erase_if(connections, [](const Connection& c) { return c.socket.fd() < 0; });
      if (fds[0].revents & POLLIN)
        for (int fd;
             (fd = accept4(listen_.fd(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0;)
          connections.push_back({Socket(fd), {}});
    }
  }

  Socket listen_;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

Endpoint at(const FaultProxy& proxy) {
  return {"127.0.0.1", proxy.port()};
}

Socket udp_client(const FaultProxy& proxy) {
  Socket s = Socket::connected(at(proxy), SOCK_DGRAM, 1000ms);
  int big = 4 << 20;
  setsockopt(s.fd(), SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  return s;
}

Socket tcp_client(const FaultProxy& proxy) {
  return Socket::connected(at(proxy), SOCK_STREAM, 1000ms);
}

// Sends line and returns what comes back within timeout (nullopt if nothing).
std::optional<std::string> round_trip(Socket& s, const std::string& line, Ms timeout = 2000ms) {
  if (!s.send_all(line, timeout)) return std::nullopt;
  return s.receive_exactly(line.size(), timeout);
}

NetworkFault fault(Mode mode) {
  NetworkFault f;
  f.mode = mode;
  return f;
}

// ---- UDP -------------------------------------------------------------------

TEST(FaultProxyUdp, ForwardsEveryDatagramBothWays) {
  UdpEcho echo;
  FaultProxy proxy(ProxyTransport::kUdp, "127.0.0.1", echo.port(), 1);
  EXPECT_EQ(proxy.address(), "127.0.0.1:" + std::to_string(proxy.port()));
  Socket client = udp_client(proxy);
  ASSERT_GE(client.fd(), 0);
  for (int i = 0; i < 1000; ++i) {
    std::string request = "request-" + std::to_string(i);
    ASSERT_TRUE(client.send_all(request, 1000ms));
    auto reply = client.receive(1000ms, 256);
    ASSERT_TRUE(reply) << "no reply to " << request;
    ASSERT_EQ(*reply, upper(request));
  }
  ProxyStats stats = proxy.stats();
  EXPECT_EQ(stats.forwarded, 2000u);
  EXPECT_EQ(stats.dropped + stats.delayed + stats.blackholed, 0u);
}

TEST(FaultProxyUdp, SendsEachReplyToItsOwnClient) {
  UdpEcho echo;
  FaultProxy proxy(ProxyTransport::kUdp, "127.0.0.1", echo.port(), 1);
  std::vector<Socket> clients;
  for (int c = 0; c < 4; ++c) clients.push_back(udp_client(proxy));
  for (int i = 0; i < 50; ++i)
    for (int c = 0; c < 4; ++c)
      ASSERT_TRUE(
          clients[c].send_all("client-" + std::to_string(c) + "-" + std::to_string(i), 1000ms));
  for (int c = 0; c < 4; ++c)
    for (int i = 0; i < 50; ++i)
      ASSERT_EQ(clients[c].receive(1000ms, 64),
                "CLIENT-" + std::to_string(c) + "-" + std::to_string(i));
}

// Open loop at 20,000 datagrams/s for 1 s: the proxy keeps up, losing none.
TEST(FaultProxyUdp, KeepsUpWithTwentyThousandDatagramsPerSecond) {
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "a throughput figure means nothing in a sanitizer build";
#endif
  UdpEcho echo;
  FaultProxy proxy(ProxyTransport::kUdp, "127.0.0.1", echo.port(), 1);
  Socket client = udp_client(proxy);
  ASSERT_GE(client.fd(), 0);
  constexpr int kTotal = 20'000;
  std::atomic<int> answered{0};
  std::thread receiver([&] {
    const TimePoint deadline = Clock::now() + 3s;
    while (answered < kTotal && Clock::now() < deadline)
      if (client.receive(50ms, 64)) ++answered;
  });
  const TimePoint start = Clock::now();
  for (int i = 0; i < kTotal; ++i) {
    if (i % 20 == 0) std::this_thread::sleep_until(start + i * 50us);  // 20 per ms
    ASSERT_TRUE(client.send_all("datagram", 1000ms));
  }
  receiver.join();
  const double seconds = millis_since(start) / 1000;
  std::printf("%d of %d answered in %.2f s\n", answered.load(), kTotal, seconds);
  EXPECT_GE(answered, kTotal * 99 / 100);
  EXPECT_LT(seconds, 3.0);  // 1 s of traffic; slack for a busy machine
}

TEST(FaultProxyUdp, DropsRequestsAtTheAskedRate) {
  UdpEcho echo;
  FaultProxy proxy(ProxyTransport::kUdp, "127.0.0.1", echo.port(), 42);
  NetworkFault drop = fault(Mode::kDrop);
  drop.rate = 0.05;
  proxy.apply(drop);
  Socket client = udp_client(proxy);
  ASSERT_GE(client.fd(), 0);

  // At most kWindow unanswered, so no socket buffer overflows and loses
  // datagrams of its own; one unanswered for 150 ms is given up on (its
  // reply still counts if it comes later).
  constexpr int kTotal = 10'000;
  constexpr std::size_t kWindow = 32;
  std::vector<bool> answered(kTotal);
  std::map<int, TimePoint> outstanding;
  int next = 0;
  const TimePoint deadline = Clock::now() + 20s;
  while ((next < kTotal || !outstanding.empty()) && Clock::now() < deadline) {
    for (; next < kTotal && outstanding.size() < kWindow; ++next) {
      ASSERT_TRUE(client.send_all("seq-" + std::to_string(next), 1000ms));
      outstanding[next] = Clock::now();
    }
    if (auto reply = client.receive(5ms, 64)) {
      int seq = std::stoi(reply->substr(4));
      answered.at(seq) = true;
      outstanding.erase(seq);
    }
    while (!outstanding.empty() && outstanding.begin()->second < Clock::now() - 150ms)
      outstanding.erase(outstanding.begin());
  }
  ASSERT_EQ(next, kTotal) << "did not finish sending in time";
  while (auto reply = client.receive(200ms, 64)) answered.at(std::stoi(reply->substr(4))) = true;

  const auto lost = static_cast<std::uint64_t>(std::count(answered.begin(), answered.end(), false));
  const double loss = static_cast<double>(lost) / kTotal;
  EXPECT_NEAR(loss, 0.05, 0.02);
  // Every drop is a loss; any other loss (none is expected) stays tiny.
  ProxyStats stats = proxy.stats();
  EXPECT_LE(stats.dropped, lost);
  EXPECT_LE(lost - stats.dropped, 20u);
  EXPECT_EQ(stats.forwarded, 2 * (kTotal - stats.dropped));
}

TEST(FaultProxyUdp, DelaysRequestsByLatencyAndJitter) {
  UdpEcho echo;
  FaultProxy proxy(ProxyTransport::kUdp, "127.0.0.1", echo.port(), 7);
  NetworkFault latency = fault(Mode::kLatency);
  latency.latency = 50ms;
  latency.jitter = 10ms;
  proxy.apply(latency);
  Socket client = udp_client(proxy);
  ASSERT_GE(client.fd(), 0);

  // 200 requests 5 ms apart, so the test takes 1 s rather than 200 RTTs.
  constexpr int kTotal = 200;
  std::vector<TimePoint> sent(kTotal);
  std::vector<double> rtt_ms;
  const TimePoint start = Clock::now();
  int next = 0;
  while (static_cast<int>(rtt_ms.size()) < kTotal && Clock::now() < start + 5s) {
    if (next < kTotal && Clock::now() >= start + next * 5ms) {
      sent[next] = Clock::now();  // before sending: a stall after it would shorten the RTT
      ASSERT_TRUE(client.send_all("t-" + std::to_string(next), 1000ms));
      ++next;
    }
    if (auto reply = client.receive(1ms, 64))
      rtt_ms.push_back(millis_since(sent.at(std::stoi(reply->substr(2)))));
  }
  ASSERT_EQ(rtt_ms.size(), static_cast<std::size_t>(kTotal));
  std::sort(rtt_ms.begin(), rtt_ms.end());
  EXPECT_GE(rtt_ms.front(), 40.0);  // latency - jitter, one way, replies not delayed
  EXPECT_GE(rtt_ms[kTotal / 2], 45.0);
  // A busy machine delays some replies further (this loop, the echo server):
  // the fastest tenth still shows the proxy's own 50 +- 10 ms.
  EXPECT_LE(rtt_ms[kTotal / 10], 70.0);
  EXPECT_EQ(proxy.stats().delayed, static_cast<std::uint64_t>(kTotal));
}

TEST(FaultProxyUdp, ThrottlesToTheBandwidth) {
  UdpEcho echo;
  FaultProxy proxy(ProxyTransport::kUdp, "127.0.0.1", echo.port(), 3);
  NetworkFault bandwidth = fault(Mode::kBandwidth);
  bandwidth.bytes_per_s = 20'000;
  proxy.apply(bandwidth);
  Socket client = udp_client(proxy);
  ASSERT_GE(client.fd(), 0);
  // 10 x 1000 B at 20 kB/s: the last request crosses the link after 0.5 s.
  const TimePoint start = Clock::now();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(client.send_all(std::string(1000, 'a'), 1000ms));
  for (int i = 0; i < 10; ++i) {
    auto reply = client.receive(3000ms, 2000);
    ASSERT_TRUE(reply) << "reply " << i;
    EXPECT_EQ(*reply, std::string(1000, 'A'));
  }
  EXPECT_GE(millis_since(start), 450.0);
  EXPECT_LT(millis_since(start), 3000.0);
}

TEST(FaultProxyUdp, BlackholeAndResetSwallowEverythingUntilCleared) {
  UdpEcho echo;
  FaultProxy proxy(ProxyTransport::kUdp, "127.0.0.1", echo.port(), 5);
  Socket client = udp_client(proxy);
  ASSERT_GE(client.fd(), 0);
  for (Mode mode : {Mode::kBlackhole, Mode::kReset}) {
    proxy.apply(fault(mode));
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(client.send_all("lost", 1000ms));
    EXPECT_FALSE(client.receive(300ms, 64));
    proxy.clear();
    EXPECT_EQ(round_trip(client, "back"), "BACK");
  }
  EXPECT_EQ(proxy.stats().blackholed, 10u);
}

// ---- TCP -------------------------------------------------------------------

TEST(FaultProxyTcp, ForwardsLinesBothWays) {
  TcpEcho echo;
  FaultProxy proxy(ProxyTransport::kTcp, "127.0.0.1", echo.port(), 1);
  Socket client = tcp_client(proxy);
  ASSERT_GE(client.fd(), 0);
  for (int i = 0; i < 100; ++i) {
    std::string line = "hello " + std::to_string(i) + "\n";
    ASSERT_EQ(round_trip(client, line), upper(line));
  }
  EXPECT_GE(proxy.stats().forwarded, 200u);
}

TEST(FaultProxyTcp, LatencyAddsToEachRoundTrip) {
  TcpEcho echo;
  FaultProxy proxy(ProxyTransport::kTcp, "127.0.0.1", echo.port(), 1);
  NetworkFault latency = fault(Mode::kLatency);
  latency.latency = 100ms;
  proxy.apply(latency);
  Socket client = tcp_client(proxy);
  ASSERT_GE(client.fd(), 0);
  for (int i = 0; i < 3; ++i) {
    const TimePoint start = Clock::now();
    ASSERT_EQ(round_trip(client, "slow\n"), "SLOW\n");
    EXPECT_GE(millis_since(start), 100.0);
    EXPECT_LT(millis_since(start), 1000.0);
  }
  proxy.clear();
  const TimePoint start = Clock::now();
  ASSERT_EQ(round_trip(client, "fast\n"), "FAST\n");
  EXPECT_LT(millis_since(start), 100.0);
}

TEST(FaultProxyTcp, BandwidthThrottlesAStream) {
  TcpEcho echo;
  FaultProxy proxy(ProxyTransport::kTcp, "127.0.0.1", echo.port(), 1);
  NetworkFault bandwidth = fault(Mode::kBandwidth);
  bandwidth.bytes_per_s = 100'000;
  proxy.apply(bandwidth);
  Socket client = tcp_client(proxy);
  ASSERT_GE(client.fd(), 0);
  const std::string data(200'000, 'b');
  const TimePoint start = Clock::now();
  bool sent = false;
  std::thread sender([&] { sent = client.send_all(data, 10s); });
  auto echoed = client.receive_exactly(data.size(), 10s);
  sender.join();
  const double elapsed = millis_since(start);
  ASSERT_TRUE(sent);
  ASSERT_TRUE(echoed);
  EXPECT_EQ(*echoed, upper(data));
  EXPECT_GE(elapsed, 1500.0);  // 2 s at 100 kB/s
  EXPECT_LT(elapsed, 6000.0);
}

TEST(FaultProxyTcp, ResetClosesOpenConnectionsAndRefusesNewOnes) {
  TcpEcho echo;
  FaultProxy proxy(ProxyTransport::kTcp, "127.0.0.1", echo.port(), 1);
  std::vector<Socket> open;
  for (int i = 0; i < 3; ++i) {
    open.push_back(tcp_client(proxy));
    ASSERT_EQ(round_trip(open.back(), "up\n"), "UP\n");
  }
  proxy.apply(fault(Mode::kReset));
  for (Socket& s : open) EXPECT_TRUE(s.closed_by_peer(500ms));
  // The handshake completes in the kernel, so the proxy accepts the new
  // connection and resets it; on a busy machine the reset can come before
  // connect() reports, and then it is what connect() reports.
  Socket during = tcp_client(proxy);
  if (during.fd() >= 0) {
    EXPECT_TRUE(during.closed_by_peer(500ms));
  }
  EXPECT_EQ(proxy.stats().resets, 4u);

  proxy.clear();
  Socket after = tcp_client(proxy);
  EXPECT_EQ(round_trip(after, "again\n"), "AGAIN\n");
}

TEST(FaultProxyTcp, BlackholeSwallowsBytesUntilCleared) {
  TcpEcho echo;
  FaultProxy proxy(ProxyTransport::kTcp, "127.0.0.1", echo.port(), 1);
  Socket client = tcp_client(proxy);
  ASSERT_EQ(round_trip(client, "before\n"), "BEFORE\n");
  proxy.apply(fault(Mode::kBlackhole));
  ASSERT_TRUE(client.send_all("lost\n", 1000ms));
  EXPECT_FALSE(client.receive(300ms, 64));
  Socket opened_during = tcp_client(proxy);
  ASSERT_TRUE(opened_during.send_all("lost too\n", 1000ms));
  EXPECT_FALSE(opened_during.receive(300ms, 64));
  EXPECT_GE(proxy.stats().blackholed, 2u);

  // The same connections forward again; what was swallowed stays lost.
  proxy.clear();
  EXPECT_EQ(round_trip(client, "after\n"), "AFTER\n");
  EXPECT_EQ(round_trip(opened_during, "after too\n"), "AFTER TOO\n");
}

TEST(FaultProxyTcp, DropRefusesNewConnectionsAtTheAskedRate) {
  TcpEcho echo;
  FaultProxy proxy(ProxyTransport::kTcp, "127.0.0.1", echo.port(), 9);
  Socket kept = tcp_client(proxy);
  ASSERT_EQ(round_trip(kept, "kept\n"), "KEPT\n");
  NetworkFault drop = fault(Mode::kDrop);
  drop.rate = 0.3;
  proxy.apply(drop);
  int refused = 0;
  for (int i = 0; i < 200; ++i) {
    Socket s = tcp_client(proxy);
    if (round_trip(s, "x\n", 1000ms) != "X\n") ++refused;
  }
  EXPECT_NEAR(refused / 200.0, 0.3, 0.1);
  EXPECT_EQ(proxy.stats().dropped, static_cast<std::uint64_t>(refused));
  EXPECT_EQ(round_trip(kept, "still\n"), "STILL\n");  // open connections are untouched
}

// ---- both ------------------------------------------------------------------

TEST(FaultProxy, StopsPromptlyWithTrafficInFlight) {
  TcpEcho tcp_echo;
  UdpEcho udp_echo;
  auto tcp = std::make_unique<FaultProxy>(ProxyTransport::kTcp, "127.0.0.1", tcp_echo.port(), 1);
  auto udp = std::make_unique<FaultProxy>(ProxyTransport::kUdp, "127.0.0.1", udp_echo.port(), 1);
  std::vector<Socket> clients;
  for (int i = 0; i < 20; ++i) {
    clients.push_back(tcp_client(*tcp));
    ASSERT_EQ(round_trip(clients.back(), "open\n"), "OPEN\n");
  }
  NetworkFault latency = fault(Mode::kLatency);
  latency.latency = 10s;
  tcp->apply(latency);
  udp->apply(latency);
  for (Socket& s : clients) ASSERT_TRUE(s.send_all("queued\n", 1000ms));
  Socket udp_client_socket = udp_client(*udp);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(udp_client_socket.send_all("queued", 1000ms));
  // In flight: every request read by its proxy and held back.
  ASSERT_TRUE(
      eventually([&] { return tcp->stats().delayed >= 20 && udp->stats().delayed >= 100; }, 5000ms))
      << "delayed: TCP " << tcp->stats().delayed << " of 20, UDP " << udp->stats().delayed
      << " of 100";

  const TimePoint start = Clock::now();
  tcp.reset();
  udp.reset();
  EXPECT_LT(millis_since(start), 1000.0);
  for (Socket& s : clients) EXPECT_TRUE(s.closed_by_peer(500ms));
}

TEST(FaultProxy, RejectsABadListenAddressOrFault) {
  try {
    FaultProxy proxy(ProxyTransport::kTcp, "127.0.0.1", 9, 1, "192.0.2.1");
    FAIL() << "listening on a foreign address succeeded";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("192.0.2.1"), std::string::npos) << e.what();
  }
  EXPECT_THROW(FaultProxy(ProxyTransport::kUdp, "127.0.0.1", 0, 1), std::runtime_error);
  FaultProxy proxy(ProxyTransport::kUdp, "127.0.0.1", 9, 1);
  NetworkFault drop = fault(Mode::kDrop);
  drop.rate = 1.5;
  EXPECT_THROW(proxy.apply(drop), std::invalid_argument);
  EXPECT_THROW(proxy.apply(fault(Mode::kBandwidth)), std::invalid_argument);
}

}  // namespace
}  // namespace drover::test::fault_proxy_test
