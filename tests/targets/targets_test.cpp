// End-to-end tests of the reference targets (targets/): each test starts the
// built executable (or the Python server) as a real process on loopback and
// checks what drover relies on: the READY line, upper-cased replies, the
// broken modes, the children of tcp_fork_echo, and a clean exit on SIGTERM.
// Every wait is bounded; every started process is killed and reaped by its
// TestProcess, even when an assertion fails.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/eventually.hpp"
#include "tests/support/loopback.hpp"
#include "tests/targets/echo_client.hpp"
#include "tests/targets/running_target.hpp"
#include "tests/targets/target_process.hpp"

namespace drover::test::targets_test {
namespace {

using namespace std::chrono_literals;

// ---- udp_echo --------------------------------------------------------------

struct UdpTally {
  int correct = 0, wrong = 0, missing = 0;
};

// Each client socket sends `count` numbered datagrams, at most `window` of
// them unanswered, and matches replies by number (thread-per-datagram may
// reorder them). A reply not seen within a second counts the rest as missing.
UdpTally drive_udp(const Endpoint& server, int clients, int count, std::size_t window) {
  std::vector<UdpTally> tallies(clients);
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      UdpTally& t = tallies[c];
      Socket s = Socket::connected(server, SOCK_DGRAM, 1000ms);
      std::map<int, std::string> outstanding;
      int next = 0;
      while (s.fd() >= 0 && (next < count || !outstanding.empty())) {
        for (; next < count && outstanding.size() < window; ++next) {
          std::string request = "seq=" + std::to_string(next) + " client=" + std::to_string(c) +
                                " mixed Case payload, 0-9 and \xff stay";
          if (s.send_all(request, 1000ms)) outstanding[next] = request;
        }
        auto reply = s.receive(1000ms);
        if (!reply) break;
        auto it =
            outstanding.find(std::atoi(reply->c_str() + std::min(reply->size(), std::size_t{4})));
        if (it == outstanding.end()) {
          ++t.wrong;
          continue;
        }
        ++(*reply == upper(it->second) ? t.correct : t.wrong);
        outstanding.erase(it);
      }
      t.missing = static_cast<int>(outstanding.size()) + (count - next);
    });
  }
  for (auto& t : threads) t.join();
  UdpTally total;
  for (const auto& t : tallies) {
    total.correct += t.correct;
    total.wrong += t.wrong;
    total.missing += t.missing;
  }
  return total;
}

class UdpEcho : public ::testing::TestWithParam<const char*> {
 protected:
  std::vector<std::string> flags(std::vector<std::string> more = {}) const {
    more.insert(more.begin(), {"--model", GetParam()});
    return more;
  }
};

TEST_P(UdpEcho, RepliesWithTheUpperCaseOfTheRequest) {
  RunningTarget t("udp_echo", flags());
  ASSERT_TRUE(t.ready()) << t.said();
  EXPECT_EQ(t.endpoint().host, "127.0.0.1");
  Socket s = Socket::connected(t.endpoint(), SOCK_DGRAM, 1000ms);
  ASSERT_GE(s.fd(), 0);
  const std::string request = "Hello, drover! abc-xyz {z} \x01\xe9";
  ASSERT_TRUE(s.send_all(request, 1000ms));
  EXPECT_EQ(s.receive(2000ms), std::optional<std::string>("HELLO, DROVER! ABC-XYZ {Z} \x01\xe9"));
}

TEST_P(UdpEcho, AnswersEveryDatagramOfSeveralClientsCorrectly) {
  RunningTarget t("udp_echo", flags({"--threads", "3"}));
  ASSERT_TRUE(t.ready()) << t.said();
  UdpTally tally = drive_udp(t.endpoint(), 6, 500, 4);
  EXPECT_EQ(tally.correct, 3000);
  EXPECT_EQ(tally.wrong, 0);
  EXPECT_EQ(tally.missing, 0);
}

TEST_P(UdpEcho, CorruptEveryThirdReplyIsWrongAboutAThirdOfTheTime) {
  RunningTarget t("udp_echo", flags({"--corrupt-every", "3"}));
  ASSERT_TRUE(t.ready()) << t.said();
  UdpTally tally = drive_udp(t.endpoint(), 1, 300, 1);
  EXPECT_EQ(tally.missing, 0);
  EXPECT_EQ(tally.correct + tally.wrong, 300);
  EXPECT_NEAR(tally.wrong, 100, 30);
}

TEST_P(UdpEcho, ServesIpv6AndPrintsItInBrackets) {
  RunningTarget t("udp_echo", flags({"--host", "::1"}));
  ASSERT_TRUE(t.ready()) << t.said();
  EXPECT_EQ(t.endpoint().host, "::1");
  Socket s = Socket::connected(t.endpoint(), SOCK_DGRAM, 1000ms);
  ASSERT_TRUE(s.send_all("over six", 1000ms));
  EXPECT_EQ(s.receive(2000ms), std::optional<std::string>("OVER SIX"));
}

TEST_P(UdpEcho, ExitsZeroQuicklyOnSigtermAndSigint) {
  for (int sig : {SIGTERM, SIGINT}) {
    RunningTarget t("udp_echo", flags());
    ASSERT_TRUE(t.ready()) << t.said();
    EXPECT_EQ(drive_udp(t.endpoint(), 2, 50, 2).correct, 100);
    const auto start = Clock::now();
    EXPECT_EQ(stop_with(t.process(), sig, 2000ms), 0) << "signal " << sig;
    EXPECT_LT(Clock::now() - start, 1000ms) << "signal " << sig;
    EXPECT_NE(t.process().stderr_text().find("received 100, sent 100"), std::string::npos)
        << t.said();
  }
}

TEST_P(UdpEcho, RejectsABadFlagWithStatusTwoNamingIt) {
  for (const auto& [flag, value] : std::vector<std::pair<std::string, std::string>>{
           {"--bogus", "1"}, {"--threads", "zero"}, {"--batch", "0"}, {"--port", "70000"}}) {
    RunningTarget t("udp_echo", flags({flag, value}));
    auto status = t.process().wait_exit(2000ms);
    ASSERT_TRUE(status) << flag;
    EXPECT_EQ(exit_code(*status), 2) << flag;
    EXPECT_NE(t.process().stderr_text().find(flag), std::string::npos) << t.said();
  }
}

INSTANTIATE_TEST_SUITE_P(Models, UdpEcho, ::testing::Values("workers", "thread-per-datagram"),
                         [](const auto& info) {
                           return std::string(info.param) == "workers" ? "Workers"
                                                                       : "ThreadPerDatagram";
                         });

// ---- tcp_fork_echo -----------------------------------------------------------

std::vector<Socket> open_connections(const Endpoint& server, int n) {
  std::vector<Socket> connections;
  for (int i = 0; i < n; ++i) connections.push_back(Socket::connected(server, SOCK_STREAM, 1000ms));
  return connections;
}

TEST(TcpForkEcho, UpperCasesWithOneChildPerConnectionAndReapsThem) {
  RunningTarget t("tcp_fork_echo", {});
  ASSERT_TRUE(t.ready()) << t.said();
  auto connections = open_connections(t.endpoint(), 3);
  for (std::size_t i = 0; i < connections.size(); ++i) {
    ASSERT_GE(connections[i].fd(), 0);
    expect_echo(connections[i], "connection " + std::to_string(i) + " says hello");
  }
  // Each reply came from a forked child, so all three exist by now.
  auto children = children_of(t.process().pid());
  EXPECT_EQ(count_in_state(children, false), 3u);
  EXPECT_EQ(count_in_state(children, true), 0u);
  expect_echo(connections[1], "still served after the others spoke\n");
  connections.clear();
  EXPECT_TRUE(eventually([&] { return children_of(t.process().pid()).empty(); }, 1000ms))
      << "children left: " << children_of(t.process().pid()).size();
  EXPECT_EQ(stop_with(t.process(), SIGTERM, 3000ms), 0);
}

TEST(TcpForkEcho, NoReapLeavesZombiesUntilShutdown) {
  RunningTarget t("tcp_fork_echo", {"--no-reap"});
  ASSERT_TRUE(t.ready()) << t.said();
  auto connections = open_connections(t.endpoint(), 2);
  for (auto& c : connections) expect_echo(c, "zombie maker");
  connections.clear();
  const pid_t server = t.process().pid();
  auto zombies_and_live = [&](std::size_t zombies, std::size_t live) {
    auto children = children_of(server);
    return count_in_state(children, true) == zombies && count_in_state(children, false) == live;
  };
  ASSERT_TRUE(eventually([&] { return zombies_and_live(2, 0); }, 1000ms));
  // The server has been told of both deaths (SIGCHLD) and gone on serving:
  // a reaping server would have reaped them by the time it serves another.
  Socket another = Socket::connected(t.endpoint(), SOCK_STREAM, 1000ms);
  expect_echo(another, "served after the deaths");
  EXPECT_TRUE(zombies_and_live(2, 1)) << "zombies must stay while the server runs";
  another.reset();
  ASSERT_TRUE(eventually([&] { return zombies_and_live(3, 0); }, 1000ms));
  auto zombies = children_of(server);
  EXPECT_EQ(stop_with(t.process(), SIGTERM, 3000ms), 0);
  for (const auto& z : zombies) EXPECT_FALSE(process_state(z.pid)) << "pid " << z.pid;
}

TEST(TcpForkEcho, MaxChildrenHoldsBackTheNextConnection) {
  RunningTarget t("tcp_fork_echo", {"--max-children", "1"});
  ASSERT_TRUE(t.ready()) << t.said();
  auto first = Socket::connected(t.endpoint(), SOCK_STREAM, 1000ms);
  expect_echo(first, "first");
  // The second connection completes in the backlog but is not accepted.
  auto second = Socket::connected(t.endpoint(), SOCK_STREAM, 1000ms);
  ASSERT_GE(second.fd(), 0);
  ASSERT_TRUE(second.send_all("second", 1000ms));
  EXPECT_FALSE(second.receive(400ms)) << "answered while the first connection is open";
  EXPECT_EQ(children_of(t.process().pid()).size(), 1u);
  first.reset();
  EXPECT_EQ(second.receive_exactly(6, 2000ms), std::optional<std::string>("SECOND"));
}

TEST(TcpForkEcho, SigtermStopsTheChildrenAndExitsZero) {
  RunningTarget t("tcp_fork_echo", {});
  ASSERT_TRUE(t.ready()) << t.said();
  auto connections = open_connections(t.endpoint(), 2);
  for (auto& c : connections) expect_echo(c, "open while stopping");
  auto children = children_of(t.process().pid());
  ASSERT_EQ(children.size(), 2u);
  const auto start = Clock::now();
  EXPECT_EQ(stop_with(t.process(), SIGTERM, 3000ms), 0) << t.said();
  EXPECT_LT(Clock::now() - start, 1000ms);
  for (const auto& c : children) EXPECT_FALSE(process_state(c.pid)) << "pid " << c.pid;
  for (auto& c : connections) EXPECT_TRUE(c.closed_by_peer(1000ms));
  EXPECT_NE(t.process().stderr_text().find("accepted 2, reaped 2"), std::string::npos) << t.said();
}

TEST(TcpForkEcho, ChildrenDieWithAKilledServer) {
  RunningTarget t("tcp_fork_echo", {});
  ASSERT_TRUE(t.ready()) << t.said();
  auto connection = Socket::connected(t.endpoint(), SOCK_STREAM, 1000ms);
  expect_echo(connection, "orphan to be");
  auto children = children_of(t.process().pid());
  ASSERT_EQ(children.size(), 1u);
  t.process().signal(SIGKILL);
  ASSERT_TRUE(t.process().wait_exit(1000ms));
  // Orphans come to this test process (a subreaper): dead means zombie or gone.
  EXPECT_TRUE(
      eventually([&] { return process_state(children[0].pid).value_or('Z') == 'Z'; }, 1000ms));
}

TEST(TcpForkEcho, RejectsABadFlagWithStatusTwoNamingIt) {
  for (const auto& flags : std::vector<std::vector<std::string>>{
           {"--max-children", "-1"}, {"--no-reap=yes"}, {"--fork-bomb"}, {"--port"}}) {
    RunningTarget t("tcp_fork_echo", flags);
    auto status = t.process().wait_exit(2000ms);
    ASSERT_TRUE(status) << flags[0];
    EXPECT_EQ(exit_code(*status), 2) << flags[0];
    EXPECT_NE(t.process().stderr_text().find(flags[0].substr(0, flags[0].find('='))),
              std::string::npos)
        << t.said();
  }
}

// ---- the classic lesson's Python servers -------------------------------------

TestProcess start_python(const std::string& script, int port) {
  return TestProcess({"/usr/bin/python3",
                      std::string(DROVER_SOURCE_DIR) + "/targets/python/" + script, "127.0.0.1",
                      std::to_string(port)});
}

TEST(PythonServers, UdpServerUpperCases) {
  const int port = free_loopback_port(SOCK_DGRAM);
  ASSERT_NE(port, 0);
  TestProcess server = start_python("udp_server.py", port);
  Socket s = Socket::connected({"127.0.0.1", port}, SOCK_DGRAM, 1000ms);
  ASSERT_GE(s.fd(), 0);
  // Retried until the server is up: a datagram sent before it binds is lost.
  std::optional<std::string> reply;
  eventually([&] { return s.send_all("hello python", 500ms) && (reply = s.receive(100ms)); },
             5000ms);
  EXPECT_EQ(reply, std::optional<std::string>("HELLO PYTHON")) << server.stderr_text();
}

TEST(PythonServers, TcpServerUpperCases) {
  const int port = free_loopback_port(SOCK_STREAM);
  ASSERT_NE(port, 0);
  TestProcess server = start_python("tcp_server.py", port);
  Socket s;
  eventually(
      [&] {
        return (s = Socket::connected({"127.0.0.1", port}, SOCK_STREAM, 500ms)).fd() >= 0;
      },
      5000ms);
  ASSERT_GE(s.fd(), 0) << server.stderr_text();
  expect_echo(s, "hello python");
  expect_echo(s, "and again");
}

}  // namespace
}  // namespace drover::test::targets_test
