// End-to-end: in the open model a load thread's UDP clients share one socket
// and replies are matched to requests by content. Against servers that
// corrupt, reorder, duplicate and delay replies, every operation still ends
// with the outcome it would have on a socket of its own.
//
// Other tests run beside these (ctest -j), so a load thread may wake late
// and miss starts: outcomes are asserted as fractions of the operations
// that ran, and the schedule's arrivals as each either run or counted a
// missed start.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

#include "tests/cli/drover_cli.hpp"
#include "tests/support/loopback.hpp"

namespace drover::test::udp_replies_test {
namespace {

using nlohmann::json;
using Steady = std::chrono::steady_clock;

constexpr int kClients = 32;

std::string open_scenario(const std::string& target, const std::string& timeout) {
  return R"({"name": "udp-replies",
    "targets": {"echo": )" +
         target + R"(},
    "fleets": [{"name": "c", "target": "echo", "clients": )" +
         std::to_string(kClients) + R"(,
                "op": {"send": "{seq} {random:24}", "expect": "upper", "timeout": ")" +
         timeout + R"("}}],
    "load": {"model": "open", "rate": 500, "duration": "2s"}})";
}

// A UDP server that answers upper(request), but every reply twice, the
// replies to each pair of requests in reverse order, and every tenth
// request's replies a second late.
class UnrulyEchoServer {
 public:
  UnrulyEchoServer() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), len) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      throw std::runtime_error("cannot bind a UDP socket on 127.0.0.1");
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~UnrulyEchoServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  int port() const { return port_; }
  long requests() const { return requests_; }

 private:
  struct Reply {
    Steady::time_point at;
    std::string text;
    sockaddr_in peer;
  };

  void serve() {
    std::vector<Reply> queued;
    while (!stop_) {
      Steady::time_point now = Steady::now();
      for (std::size_t i = 0; i < queued.size();) {
        if (queued[i].at <= now) {
          const Reply& r = queued[i];
          ::sendto(fd_, r.text.data(), r.text.size(), 0, reinterpret_cast<const sockaddr*>(&r.peer),
                   sizeof r.peer);
          queued.erase(queued.begin() + static_cast<std::ptrdiff_t>(i));
        } else {
          ++i;
        }
      }
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 1) <= 0) continue;
      char buffer[2048];
      sockaddr_in peer{};
      socklen_t len = sizeof peer;
      ssize_t n =
          ::recvfrom(fd_, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr*>(&peer), &len);
      if (n < 0) continue;
      long k = ++requests_;
      std::string reply = test::upper(std::string(buffer, static_cast<std::size_t>(n)));
      now = Steady::now();
      // The first of a pair waits for the second (or 5 ms), which goes first.
      auto at = k % 10 == 0  ? now + std::chrono::milliseconds(1000)
                : k % 2 == 1 ? now + std::chrono::milliseconds(5)
                             : now;
      queued.push_back({at, reply, peer});
      queued.push_back({at, reply, peer});
      std::stable_sort(queued.begin(), queued.end(),
                       [](const Reply& a, const Reply& b) { return a.at < b.at; });
    }
  }

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<long> requests_{0};
  std::thread thread_;
};

class UdpRepliesTest : public ::testing::Test {
 protected:
  json run(const std::string& text) {
    fs::path run_dir = dir_.path() / "run";
    Finished f = run_drover(
        {"run", dir_.write("s.json", text).string(), "--out", run_dir.string(), "--quiet"},
        dir_.path());
    last_ = f;
    return read_summary(run_dir);
  }
  TempDir dir_;
  Finished last_;
};

TEST_F(UdpRepliesTest, CorruptedRepliesAreWrongRepliesToTheirOwnRequests) {
  json s = run(
      open_scenario(R"({"kind": "udp_echo", "args": {"threads": 1, "corrupt_every": 10}})", "1s"));
  json t = s["totals"];
  auto ops = t["ops"].get<double>();
  expect_every_arrival_accounted_for(t, 1000, kClients);
  // Every tenth reply, counted across the clients.
  EXPECT_NEAR(t["errors_by_class"]["wrong_reply"].get<double>(), ops / 10, 1) << t;
  EXPECT_EQ(t["errors_by_class"]["timeout"], 0) << t;
  EXPECT_EQ(t["late_replies"], 0) << t << last_.out << last_.err;
}

TEST_F(UdpRepliesTest, ReorderedDuplicatedAndLateRepliesAreToldApart) {
  UnrulyEchoServer server;
  json s = run(open_scenario(
      R"({"address": "127.0.0.1:)" + std::to_string(server.port()) + R"(", "protocol": "udp"})",
      "300ms"));
  json t = s["totals"];
  auto ops = t["ops"].get<double>();
  auto ok = t["ok"].get<double>();
  auto timeouts = t["errors_by_class"]["timeout"].get<double>();
  expect_every_arrival_accounted_for(t, 1000, kClients);
  EXPECT_EQ(t["errors_by_class"]["wrong_reply"], 0)
      << "a reordered or duplicate reply was taken for another request's: " << t;
  // The tenth requests' replies, a second late, and those alone: 300 ms
  // leaves the others room on a busy machine.
  EXPECT_NEAR(timeouts, ops / 10, 1) << t;
  EXPECT_EQ(ok + timeouts, ops) << t;
  // Every answered request's second reply, and both of every delayed one
  // that came before the run ended, are late (a last few may come after).
  EXPECT_GE(t["late_replies"].get<double>(), 0.95 * ok) << t;
  EXPECT_LE(t["late_replies"].get<double>(), 2 * static_cast<double>(server.requests())) << t;
}

}  // namespace
}  // namespace drover::test::udp_replies_test
