// End-to-end: in the open model a load thread's TCP clients are served
// together (one epoll set, no coroutine per client). Against the reference
// echo and its broken twins, a server that never answers and a port nobody
// listens on, every operation still ends with the outcome a session of its
// own would give it, and every arrival of the schedule is accounted for;
// with clients sharing connections (clients_per_connection), replies still
// go to their requests, in the open models and in the closed one.
//
// Other tests run beside these (ctest -j), so a load thread may wake late
// and miss starts: each test asserts only what no schedule of the machine's
// threads changes, outcomes as fractions of the operations that ran. The
// open models' rate accuracy is open_loop_test's, which runs alone.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "tests/cli/drover_cli.hpp"
#include "tests/support/loopback.hpp"

namespace drover::test::tcp_replies_test {
namespace {

using nlohmann::json;

constexpr int kClients = 16;

// 1,000 operations offered at 500/s by 16 clients.
std::string open_scenario(const std::string& target, const std::string& op) {
  return R"({"name": "tcp-replies",
    "targets": {"echo": )" +
         target + R"(},
    "fleets": [{"name": "c", "target": "echo", "clients": )" +
         std::to_string(kClients) + R"(, "op": )" + op + R"(}],
    "load": {"model": "open", "rate": 500, "duration": "2s"}})";
}

const std::string kUpperFixed =
    R"({"send": "{seq} {random:24}", "expect": "upper", "framing": "fixed", "timeout": "1s"})";
const std::string kUpperLine =
    R"({"send": "hello {client}-{seq}", "expect": "upper", "framing": "line", "timeout": "1s"})";
// A regex fleet keeps a session per client: the path the batch must agree with.
const std::string kRegexLine =
    R"({"send": "hello {client}-{seq}", "expect": {"regex": "^HELLO [0-9]+-[0-9]+$"},
        "framing": "line", "timeout": "1s"})";

std::string async_echo(const std::string& args = "") {
  return R"({"kind": "tcp_fork_echo", "args": {"model": "async")" +
         (args.empty() ? "" : ", " + args) + "}}";
}

std::string address(int port) {
  return R"({"address": "127.0.0.1:)" + std::to_string(port) + R"(", "protocol": "tcp"})";
}

double count(const json& totals, const char* outcome) {
  return totals["errors_by_class"][outcome].get<double>();
}

double ops(const json& totals) {
  return totals["ops"].get<double>();
}

class TcpRepliesTest : public ::testing::Test {
 protected:
  json run(const std::string& text) {
    fs::path run_dir = dir_.path() / ("run" + std::to_string(runs_++));
    last_ = run_drover(
        {"run", dir_.write("s.json", text).string(), "--out", run_dir.string(), "--quiet"},
        dir_.path());
    return read_summary(run_dir);
  }
  TempDir dir_;
  Finished last_;
  int runs_ = 0;
};

TEST_F(TcpRepliesTest, EveryReplyIsRightAndEveryArrivalIsAccountedFor) {
  for (const std::string& op : {kUpperFixed, kUpperLine}) {
    SCOPED_TRACE(op);
    json s = run(open_scenario(async_echo(), op));
    json t = s["totals"];
    EXPECT_EQ(last_.exit_code, 0) << last_.out << last_.err;
    expect_every_arrival_accounted_for(t, 1000, kClients);
    EXPECT_EQ(t["ok"], t["ops"]) << t;
    EXPECT_EQ(t["errors"], 0) << t;
  }
}

// 16 clients, 8 to a connection: each load thread's clients share one or two.
std::string pipelined(std::string op) {
  return op.insert(op.size() - 1, R"(, "clients_per_connection": 8)");
}

TEST_F(TcpRepliesTest, ClientsSharingAConnectionGetTheirOwnReplies) {
  for (const std::string& op : {pipelined(kUpperFixed), pipelined(kUpperLine)}) {
    SCOPED_TRACE(op);
    json s = run(open_scenario(async_echo(), op));
    json t = s["totals"];
    EXPECT_EQ(last_.exit_code, 0) << last_.out << last_.err;
    expect_every_arrival_accounted_for(t, 1000, kClients);
    EXPECT_EQ(t["ok"], t["ops"]) << t;
  }
}

TEST_F(TcpRepliesTest, OnASharedConnectionEachCorruptedReplyIsOneWrongReply) {
  json s = run(open_scenario(async_echo(R"("corrupt_every": 10)"), pipelined(kUpperFixed)));
  json t = s["totals"];
  expect_every_arrival_accounted_for(t, 1000, kClients);
  // A read may carry several replies, of which the server corrupts the first.
  EXPECT_GT(count(t, "wrong_reply"), 0) << t;
  EXPECT_LE(count(t, "wrong_reply"), ops(t) / 10 + 1) << t;
  EXPECT_EQ(t["ok"].get<double>() + count(t, "wrong_reply"), ops(t)) << t;
  EXPECT_EQ(last_.exit_code, 1) << last_.out << last_.err;
}

TEST_F(TcpRepliesTest, ASharedConnectionTheServerClosesFailsTheNextRequestsOnIt) {
  json s = run(open_scenario(async_echo(R"("close_every": 4)"), pipelined(kUpperLine)));
  json t = s["totals"];
  expect_every_arrival_accounted_for(t, 1000, kClients);
  EXPECT_GT(count(t, "io_error"), 0) << t;
  // A close (after every fourth reply) fails at most the seven other
  // requests outstanding on its connection: more than a quarter are answered.
  EXPECT_GT(t["ok"].get<double>(), ops(t) / 4) << t;
  EXPECT_EQ(t["ok"].get<double>() + count(t, "io_error") + count(t, "wrong_reply"), ops(t)) << t;
}

TEST_F(TcpRepliesTest, CorruptedRepliesAreWrongRepliesAndFailTheRun) {
  json s = run(open_scenario(async_echo(R"("corrupt_every": 10)"), kUpperFixed));
  json t = s["totals"];
  expect_every_arrival_accounted_for(t, 1000, kClients);
  // Every tenth reply, counted across the connections.
  EXPECT_NEAR(count(t, "wrong_reply"), ops(t) / 10, 1) << t;
  EXPECT_EQ(t["ok"].get<double>() + count(t, "wrong_reply"), ops(t)) << t;
  EXPECT_EQ(last_.exit_code, 1) << "replies_correct must fail: " << last_.out << last_.err;
}

// The server closes a connection after every other reply: the client's next
// request on it fails (io_error) and the one after connects again. A regex
// fleet, served a session per client, must count the same.
TEST_F(TcpRepliesTest, ConnectionsTheServerClosesAreCountedAsASessionCountsThem) {
  for (const std::string& op : {kUpperLine, kRegexLine}) {
    SCOPED_TRACE(op);
    json s = run(open_scenario(async_echo(R"("close_every": 2)"), op));
    json t = s["totals"];
    auto ok = t["ok"].get<double>();
    auto io_errors = count(t, "io_error");
    expect_every_arrival_accounted_for(t, 1000, kClients);
    EXPECT_EQ(ok + io_errors, ops(t)) << t;
    // Every other reply closes its connection; each close fails the next
    // request on it, but for each client's last close, which the end of
    // the load may leave without a next request.
    EXPECT_NEAR(io_errors, ok / 2, kClients + 1) << t;
  }
}

TEST_F(TcpRepliesTest, NobodyListeningIsConnectErrors) {
  int port = test::free_loopback_port(SOCK_STREAM);
  ASSERT_GT(port, 0);
  for (const std::string& op : {kUpperFixed, pipelined(kUpperFixed)}) {
    SCOPED_TRACE(op);
    json t = run(open_scenario(address(port), op))["totals"];
    // A refused client is free again after its pause: most arrivals run.
    expect_every_arrival_accounted_for(t, 1000, kClients);
    EXPECT_EQ(count(t, "connect_error"), ops(t)) << t;
  }
}

TEST_F(TcpRepliesTest, AServerThatNeverAnswersIsTimeouts) {
  // Connections complete in the kernel's backlog and take the requests, but
  // nothing is ever read or answered.
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), len), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  ASSERT_EQ(::listen(fd, 4096), 0);
  std::string own = R"({"send": "{seq}", "expect": "echo", "framing": "line", "timeout": "50ms"})";
  for (const std::string& op : {own, pipelined(own)}) {
    json t = run(R"({"name": "tcp-silent", "targets": {"echo": )" + address(ntohs(a.sin_port)) +
                 R"(}, "fleets": [{"name": "c", "target": "echo", "clients": 16, "op": )" + op +
                 R"(}], "load": {"model": "open", "rate": 100, "duration": "1s"}})")["totals"];
    SCOPED_TRACE(op);
    expect_every_arrival_accounted_for(t, 100, kClients);
    EXPECT_EQ(count(t, "timeout"), ops(t)) << t << last_.out << last_.err;
  }
  ::close(fd);
}

// The closed model with clients sharing connections: each client's next
// request follows its reply (or its think time), and every client runs
// exactly its iterations.
std::string closed_scenario(const std::string& target, const std::string& op,
                            const std::string& load) {
  return R"({"name": "tcp-replies-closed", "targets": {"echo": )" + target +
         R"(}, "fleets": [{"name": "c", "target": "echo", "clients": 16, "op": )" + op +
         R"(}], "load": )" + load + "}";
}

TEST_F(TcpRepliesTest, ClosedModelClientsSharingAConnectionRunEveryIteration) {
  for (const std::string& op : {pipelined(kUpperFixed), pipelined(kUpperLine)}) {
    SCOPED_TRACE(op);
    json t = run(
        closed_scenario(async_echo(), op,
                        R"({"model": "closed", "duration": "20s", "iterations": 300})"))["totals"];
    EXPECT_EQ(last_.exit_code, 0) << last_.out << last_.err;
    EXPECT_EQ(ops(t), 16 * 300) << t;
    EXPECT_EQ(t["ok"], t["ops"]) << t;
  }
}

TEST_F(TcpRepliesTest, ClosedModelSharedConnectionsKeepTheThinkTime) {
  // 16 clients, 100 ms apart for 1 s: at most 10 iterations each (the first
  // at the start), and a late wake-up only makes fewer.
  json t = run(
      closed_scenario(async_echo(), pipelined(kUpperLine),
                      R"({"model": "closed", "duration": "1s", "think_time": "100ms"})"))["totals"];
  EXPECT_EQ(last_.exit_code, 0) << last_.out << last_.err;
  EXPECT_LE(ops(t), 16 * 10) << t;
  EXPECT_GE(ops(t), 16 * 5) << t;
  EXPECT_EQ(t["ok"], t["ops"]) << t;
}

TEST_F(TcpRepliesTest, ClosedModelSharedConnectionsTheServerClosesAreIoErrors) {
  json t = run(
      closed_scenario(async_echo(R"("close_every": 4)"), pipelined(kUpperLine),
                      R"({"model": "closed", "duration": "20s", "iterations": 100})"))["totals"];
  EXPECT_EQ(ops(t), 16 * 100) << t;
  EXPECT_GT(count(t, "io_error"), 0) << t;
  EXPECT_GT(t["ok"].get<double>(), ops(t) / 4) << t;
  EXPECT_EQ(t["ok"].get<double>() + count(t, "io_error") + count(t, "wrong_reply"), ops(t)) << t;
}

// A server that takes connections and requests but never answers: the 16
// clients share 2 connections (8 to each, on 1 load thread), each client's
// one request times out, and the closed model ends once they have.
TEST_F(TcpRepliesTest, ClosedModelClientsShareTheirConnectionsAndTimeOutTogether) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), len), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  ASSERT_EQ(::listen(fd, 4096), 0);
  std::string op = R"({"send": "{seq}", "expect": "echo", "framing": "line", "timeout": "300ms",
                       "clients_per_connection": 8})";
  fs::path run_dir = dir_.path() / "silent";
  last_ = run_drover({"run",
                      dir_.write("silent.json", closed_scenario(address(ntohs(a.sin_port)), op,
                                                                R"({"model": "closed",
                                                                    "duration": "20s",
                                                                    "iterations": 1})"))
                          .string(),
                      "--out", run_dir.string(), "--quiet", "--threads", "1"},
                     dir_.path());
  json t = read_summary(run_dir)["totals"];
  EXPECT_EQ(ops(t), 16) << t << last_.out << last_.err;
  EXPECT_EQ(count(t, "timeout"), 16) << t;
  int connections = 0;
  while (int c = ::accept(fd, nullptr, nullptr)) {
    if (c < 0) break;
    ++connections;
    ::close(c);
  }
  EXPECT_EQ(connections, 2);
  ::close(fd);
}

}  // namespace
}  // namespace drover::test::tcp_replies_test
