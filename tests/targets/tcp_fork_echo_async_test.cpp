// End-to-end tests of tcp_fork_echo --model async: every connection served
// by the one server process (no children), the same upper-cased echo as the
// fork model, replies a slow reader cannot take at once kept until sent, more
// connections than the usual soft limit of 1024 open files, and a clean exit
// on SIGTERM, and its broken twins (--corrupt-every, --close-every). The
// fork model's own tests are in targets_test.cpp.
#include <gtest/gtest.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/resource.h>

#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/eventually.hpp"
#include "tests/targets/echo_client.hpp"
#include "tests/targets/running_target.hpp"

namespace drover::test::tcp_fork_echo_async_test {
namespace {

using namespace std::chrono_literals;

RunningTarget start_async(std::vector<std::string> flags = {}) {
  flags.insert(flags.begin(), {"--model", "async"});
  return RunningTarget("tcp_fork_echo", flags);
}

// True once the server has stopped taking this client's bytes (its
// receive window is shut: bytes wait here unsent) while its replies wait
// unread here: the server holds a reply its socket would not take, and
// reads no more of the connection until that is sent.
bool server_holds_a_reply(int fd) {
  int unread = 0, unsent = 0;
  return ioctl(fd, FIONREAD, &unread) == 0 && ioctl(fd, SIOCOUTQNSD, &unsent) == 0 && unread > 0 &&
         unsent > 0;
}

// The soft limit in /proc/<pid>/limits ("Max open files  SOFT  HARD  files").
long soft_open_files(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/limits");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Max open files", 0) == 0) return std::stol(line.substr(14));
  }
  return -1;
}

TEST(TcpForkEchoAsync, UpperCasesEveryConnectionInOneProcess) {
  RunningTarget t = start_async();
  ASSERT_TRUE(t.ready()) << t.said();
  std::vector<Socket> connections;
  for (int i = 0; i < 3; ++i)
    connections.push_back(Socket::connected(t.endpoint(), SOCK_STREAM, 1000ms));
  for (std::size_t i = 0; i < connections.size(); ++i) {
    ASSERT_GE(connections[i].fd(), 0);
    expect_echo(connections[i], "connection " + std::to_string(i) + " says Hello, \xff stays");
  }
  expect_echo(connections[0], "and again\n");
  EXPECT_TRUE(children_of(t.pid()).empty());
}

TEST(TcpForkEchoAsync, AReplyTheClientIsSlowToReadIsKeptUntilSent) {
  RunningTarget t = start_async();
  ASSERT_TRUE(t.ready()) << t.said();
  Socket s = Socket::connected(t.endpoint(), SOCK_STREAM, 1000ms);
  ASSERT_GE(s.fd(), 0);
  // More than the socket buffers hold: the server's sends fill up while this
  // client is not reading, and the rest must wait in the server.
  std::string big;
  for (int i = 0; big.size() < (32u << 20); ++i) big += "chunk " + std::to_string(i) + " abc\n";
  bool sent = false;
  std::thread writer([&] { sent = s.send_all(big, 10000ms); });
  const bool held = eventually([&] { return server_holds_a_reply(s.fd()); }, 10000ms);
  auto reply = s.receive_exactly(big.size(), 10000ms);
  writer.join();
  EXPECT_TRUE(held) << "the server never stopped taking the request while its replies waited";
  EXPECT_TRUE(sent);
  ASSERT_TRUE(reply);
  EXPECT_TRUE(*reply == upper(big)) << "the reply differs from the upper-cased request";
  // Another connection was served meanwhile and still is.
  Socket other = Socket::connected(t.endpoint(), SOCK_STREAM, 1000ms);
  expect_echo(other, "still here");
}

TEST(TcpForkEchoAsync, ServesMoreConnectionsThanTheUsualSoftLimitOfOpenFiles) {
  constexpr int kConnections = 1500;
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &saved), 0);
  if (saved.rlim_max != RLIM_INFINITY && saved.rlim_max < 2 * kConnections)
    GTEST_SKIP() << "needs a hard RLIMIT_NOFILE of " << 2 * kConnections << ", it is "
                 << saved.rlim_max;
  // The target starts with the usual soft limit of 1024 and must raise it;
  // this test needs as many descriptors itself.
  rlimit usual{1024, saved.rlim_max}, all{saved.rlim_max, saved.rlim_max};
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &usual), 0);
  RunningTarget t = start_async();
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &all), 0);
  struct Restore {
    rlimit limit;
    ~Restore() { setrlimit(RLIMIT_NOFILE, &limit); }
  } restore{saved};
  ASSERT_TRUE(t.ready()) << t.said();
  EXPECT_EQ(soft_open_files(t.pid()), static_cast<long>(saved.rlim_max));

  std::vector<Socket> connections;
  for (int i = 0; i < kConnections; ++i) {
    connections.push_back(Socket::connected(t.endpoint(), SOCK_STREAM, 2000ms));
    ASSERT_GE(connections.back().fd(), 0) << "connection " << i;
  }
  int correct = 0;
  for (std::size_t i = 0; i < connections.size(); ++i) {
    std::string text = "client " + std::to_string(i);
    if (connections[i].send_all(text, 1000ms) &&
        connections[i].receive_exactly(text.size(), 2000ms) == upper(text))
      ++correct;
  }
  EXPECT_EQ(correct, kConnections);
  connections.clear();
  EXPECT_EQ(stop_with(t.process(), SIGTERM, 3000ms), 0);
  EXPECT_NE(t.process().stderr_text().find("max open 1500"), std::string::npos) << t.said();
}

TEST(TcpForkEchoAsync, SigtermClosesTheConnectionsAndExitsZeroWithItsStats) {
  RunningTarget t = start_async();
  ASSERT_TRUE(t.ready()) << t.said();
  Socket a = Socket::connected(t.endpoint(), SOCK_STREAM, 1000ms);
  Socket b = Socket::connected(t.endpoint(), SOCK_STREAM, 1000ms);
  expect_echo(a, "open while stopping");
  expect_echo(b, "me too");
  const auto start = Clock::now();
  EXPECT_EQ(stop_with(t.process(), SIGTERM, 3000ms), 0) << t.said();
  EXPECT_LT(Clock::now() - start, 1000ms);
  EXPECT_TRUE(a.closed_by_peer(1000ms));
  EXPECT_TRUE(b.closed_by_peer(1000ms));
  EXPECT_NE(t.process().stderr_text().find("model async: accepted 2,"), std::string::npos)
      << t.said();
}

TEST(TcpForkEchoAsync, CorruptEveryMakesEveryNthReplyWrongAcrossConnections) {
  RunningTarget t = start_async({"--corrupt-every", "3"});
  ASSERT_TRUE(t.ready()) << t.said();
  Socket a = Socket::connected(t.endpoint(), SOCK_STREAM, 1000ms);
  Socket b = Socket::connected(t.endpoint(), SOCK_STREAM, 1000ms);
  int wrong = 0;
  for (int i = 0; i < 6; ++i) {
    Socket& s = i % 2 == 0 ? a : b;
    std::string text = "request " + std::to_string(i);
    ASSERT_TRUE(s.send_all(text, 1000ms));
    auto reply = s.receive_exactly(text.size(), 2000ms);
    ASSERT_TRUE(reply) << i;
    if (*reply != upper(text)) {
      ++wrong;
      EXPECT_EQ(reply->substr(1), upper(text).substr(1)) << "only the first byte changes";
      EXPECT_EQ(i % 3, 2) << "reply " << i << " is not a third one";
    }
  }
  EXPECT_EQ(wrong, 2);
  EXPECT_EQ(stop_with(t.process(), SIGTERM, 3000ms), 0);
  EXPECT_NE(t.process().stderr_text().find("corrupted 2,"), std::string::npos) << t.said();
}

TEST(TcpForkEchoAsync, CloseEveryClosesTheConnectionAfterEveryNthReply) {
  RunningTarget t = start_async({"--close-every", "2"});
  ASSERT_TRUE(t.ready()) << t.said();
  Socket a = Socket::connected(t.endpoint(), SOCK_STREAM, 1000ms);
  expect_echo(a, "first");
  expect_echo(a, "second, then closed");
  EXPECT_TRUE(a.closed_by_peer(1000ms));
  Socket b = Socket::connected(t.endpoint(), SOCK_STREAM, 1000ms);
  expect_echo(b, "third");
  EXPECT_EQ(stop_with(t.process(), SIGTERM, 3000ms), 0);
  EXPECT_NE(t.process().stderr_text().find("closed by server 1"), std::string::npos) << t.said();
}

TEST(TcpForkEchoAsync, RefusesTheFlagsAboutChildrenWithStatusTwo) {
  for (const auto& flags :
       std::vector<std::vector<std::string>>{{"--no-reap"}, {"--max-children", "4"}}) {
    RunningTarget t = start_async(flags);
    auto status = t.process().wait_exit(2000ms);
    ASSERT_TRUE(status) << flags[0];
    EXPECT_EQ(exit_code(*status), 2) << flags[0];
    EXPECT_NE(t.process().stderr_text().find(flags[0] + ": only with --model fork"),
              std::string::npos)
        << t.said();
  }
  for (const char* flag : {"--corrupt-every", "--close-every"}) {
    RunningTarget fork("tcp_fork_echo", {flag, "2"});
    auto status = fork.process().wait_exit(2000ms);
    ASSERT_TRUE(status) << flag;
    EXPECT_EQ(exit_code(*status), 2) << flag;
    EXPECT_NE(fork.process().stderr_text().find(std::string(flag) + ": only with --model async"),
              std::string::npos)
        << fork.said();
  }
  RunningTarget bad("tcp_fork_echo", {"--model", "threads"});
  auto status = bad.process().wait_exit(2000ms);
  ASSERT_TRUE(status);
  EXPECT_EQ(exit_code(*status), 2);
}

}  // namespace
}  // namespace drover::test::tcp_fork_echo_async_test
