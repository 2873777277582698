// End-to-end: servers that misbehave on purpose cannot exhaust drover. A TCP
// server that answers every connection with bytes and never a newline ends
// each operation of every kind of fleet (closed model, open model, a
// correctness workload) with reply_too_large; a target whose READY-like line
// runs to megabytes leaves drover neither crashed nor holding it whole. In
// each, drover's peak memory (VmHWM) stays far below what the server sent.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "tests/cli/drover_cli.hpp"
#include "tests/support/memory.hpp"

namespace drover::test::misbehaving_servers_test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// Far above what drover needs for these few clients, far below what the
// servers send (a run without the bounds held hundreds of megabytes).
constexpr double kPeakLimitMb = 200;

// Accepts every connection on loopback and writes 'x' to it, never a
// newline, as fast as it takes them, until the client goes. One thread;
// stops when destroyed.
class EndlessLineServer {
 public:
  EndlessLineServer() {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&a), len) == 0 &&
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len) == 0 &&
        ::listen(listener_, 1024) == 0) {
      port_ = ntohs(a.sin_port);
    }
    thread_ = std::thread([this] { serve(); });
  }
  ~EndlessLineServer() {
    done_ = true;
    thread_.join();
    for (int fd : connections_) ::close(fd);
    ::close(listener_);
  }
  int port() const { return port_; }
  double sent_mb() const { return static_cast<double>(sent_) / (1 << 20); }

 private:
  void serve() {
    const std::string chunk(65536, 'x');
    while (!done_) {
      std::vector<pollfd> fds{{listener_, POLLIN, 0}};
      for (int fd : connections_) fds.push_back({fd, POLLOUT, 0});
      if (::poll(fds.data(), fds.size(), 50) <= 0) continue;
      std::vector<int> open;
      if (fds[0].revents & POLLIN) {
        int fd = ::accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) open.push_back(fd);
      }
      for (std::size_t i = 1; i < fds.size(); ++i) {
        bool gone = (fds[i].revents & (POLLERR | POLLHUP)) != 0;
        if (!gone && (fds[i].revents & POLLOUT)) {
          ssize_t n = ::send(fds[i].fd, chunk.data(), chunk.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
          if (n > 0) sent_ += static_cast<std::size_t>(n);
          gone = n < 0 && errno != EAGAIN && errno != EINTR;
        }
        if (gone) {
          ::close(fds[i].fd);
        } else {
          open.push_back(fds[i].fd);
        }
      }
      connections_ = std::move(open);
    }
  }

  int listener_ = -1;
  int port_ = 0;
  std::vector<int> connections_;  // the server thread's
  std::atomic<std::size_t> sent_{0};
  std::atomic<bool> done_{false};
  std::thread thread_;
};

class MisbehavingServersTest : public ::testing::Test {
 protected:
  // Runs the scenario, sampling drover's memory while it runs.
  json run(const std::string& text) {
    fs::path run_dir = dir_.path() / ("run" + std::to_string(runs_++));
    DroverProcess drover(
        {"run", dir_.write("s.json", text).string(), "--out", run_dir.string(), "--quiet"},
        dir_.path());
    RssSampler memory(drover.pid());
    last_ = drover.wait(90s);
    memory.stop();
    peak_mb_ = memory.peak_mb();
    EXPECT_GT(memory.samples(), 0);
    return fs::exists(run_dir / "summary.json") ? read_summary(run_dir) : json{};
  }

  // A scenario with the endless server as its one target.
  std::string against_server(const std::string& protocol, const std::string& fleets,
                             const std::string& load) const {
    return R"({"name": "endless-line", "targets": {"s": {"address": "127.0.0.1:)" +
           std::to_string(server_.port()) + R"(", "protocol": ")" + protocol +
           R"("}}, "fleets": [)" + fleets + R"(], "load": )" + load + "}";
  }

  // Every operation ended reply_too_large, and there were some.
  void expect_every_operation_too_large(const json& summary) {
    const json& t = summary["totals"];
    EXPECT_GT(t["ops"].get<double>(), 0) << t;
    EXPECT_EQ(t["errors_by_class"]["reply_too_large"], t["ops"]) << t;
    EXPECT_EQ(t["ok"], 0) << t;
  }

  void expect_peak_below_limit() {
    EXPECT_GT(peak_mb_, 0);
    if (kMemoryIsMeasured) {
      EXPECT_LT(peak_mb_, kPeakLimitMb);
    }
  }

  void expect_memory_bounded() {
    expect_peak_below_limit();
    // Each operation took more than the cap: what drover held was a fraction.
    if (kMemoryIsMeasured) {
      EXPECT_GT(server_.sent_mb(), 2 * peak_mb_) << "drover held more";
    }
  }

  EndlessLineServer server_;
  TempDir dir_;
  Finished last_;
  double peak_mb_ = 0;
  int runs_ = 0;
};

const std::string kLineOp =
    R"({"send": "hello {seq}", "expect": "echo", "framing": "line", "timeout": "2s"})";

TEST_F(MisbehavingServersTest, AClosedModelTcpFleetEndsEachOperationAtTheLineCap) {
  ASSERT_GT(server_.port(), 0);
  json s = run(
      against_server("tcp", R"({"name": "c", "target": "s", "clients": 4, "op": )" + kLineOp + "}",
                     R"({"model": "closed", "duration": "2s"})"));
  ASSERT_FALSE(s.is_null()) << last_.out << last_.err;
  expect_every_operation_too_large(s);
  expect_memory_bounded();
  EXPECT_EQ(last_.exit_code, 1) << last_.out << last_.err;
}

TEST_F(MisbehavingServersTest, AnOpenModelTcpFleetEndsEachOperationAtTheLineCap) {
  ASSERT_GT(server_.port(), 0);
  json s = run(
      against_server("tcp", R"({"name": "c", "target": "s", "clients": 4, "op": )" + kLineOp + "}",
                     R"({"model": "open", "rate": 200, "duration": "2s"})"));
  ASSERT_FALSE(s.is_null()) << last_.out << last_.err;
  expect_every_operation_too_large(s);
  expect_memory_bounded();
  EXPECT_EQ(last_.exit_code, 1) << last_.out << last_.err;
}

// A pool's submitters read RESULT lines through the same channel as queue
// and tickets clients; every task is left unknown, none answered.
TEST_F(MisbehavingServersTest, APoolWorkloadEndsEachOperationAtTheLineCap) {
  ASSERT_GT(server_.port(), 0);
  json s = run(against_server("pool",
                              R"({"name": "p", "target": "s", "clients": 4,
          "op": {"workload": "submit", "n_max": 100, "work": "1ms", "inflight": 2, "timeout": "2s"}})",
                              R"({"model": "closed", "duration": "2s"})"));
  ASSERT_FALSE(s.is_null()) << last_.out << last_.err;
  expect_every_operation_too_large(s);
  expect_memory_bounded();
  EXPECT_NE(last_.exit_code, 0) << last_.out << last_.err;
}

// A command target's first line: "READY tcp 127.0.0.1:" and 20 MB of digits,
// with no end, then `then`. A ready regex that recurses per digit would
// overflow drover's stack on any 64 KiB of it.
std::string long_ready_line_target(const std::string& then, const std::string& ready) {
  return R"({"command": ["sh", "-c", "printf 'READY tcp 127.0.0.1:'; )"
         R"(head -c 20000000 /dev/zero | tr '\\0' 9; )" +
         then + R"("], "ready": )" + ready + "}";
}

TEST_F(MisbehavingServersTest, AMultiMegabyteReadyLineIsNoReadyLine) {
  std::string target = long_ready_line_target(
      "sleep 30", R"({"stdout": "^READY tcp [0-9.]+:[0-9]+$", "timeout": "3s"},
                     "protocol": "tcp", "address": "127.0.0.1:9")");
  json s = run(R"({"name": "long-ready", "targets": {"s": )" + target + R"(},
      "fleets": [{"name": "c", "target": "s", "clients": 1, "op": {"send": "x"}}],
      "load": {"model": "closed", "duration": "1s"}})");
  EXPECT_EQ(last_.exit_code, 3) << last_.out << last_.err;
  EXPECT_NE((last_.out + last_.err).find("not ready after"), std::string::npos)
      << last_.out << last_.err;
  // The line as the target printed it, digits and all, whole in its log.
  std::string log = read_file(dir_.path() / "run0" / "logs" / "s.stdout.log");
  EXPECT_EQ(log.size(), 20'000'020u);
  EXPECT_EQ(log.substr(log.size() - 3), "999");
  expect_peak_below_limit();
}

TEST_F(MisbehavingServersTest, AProperReadyLineAfterAMultiMegabyteOneIsFound) {
  std::string echo = std::string(DROVER_TARGETS_DIR) + "/udp_echo";
  std::string target = long_ready_line_target(
      "echo; exec " + echo + " --port {port}",
      R"({"stdout": "^READY udp [0-9.]+:[0-9]+$", "udp": "127.0.0.1:{port}", "timeout": "20s"})");
  json s = run(R"({"name": "long-ready", "targets": {"s": )" + target + R"(},
      "fleets": [{"name": "c", "target": "s", "clients": 2,
                  "op": {"send": "hello {seq}", "expect": "upper"}}],
      "load": {"model": "closed", "duration": "1s"}})");
  EXPECT_EQ(last_.exit_code, 0) << last_.out << last_.err;
  ASSERT_FALSE(s.is_null()) << last_.out << last_.err;
  EXPECT_GT(s["totals"]["ok"].get<double>(), 0) << s["totals"];
  expect_peak_below_limit();
}

}  // namespace
}  // namespace drover::test::misbehaving_servers_test
