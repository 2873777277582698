// TargetSupervisor and the readiness probes, against real processes: the
// fixture scripts in tests/data/process and a fake reference target copied
// into a temporary targets folder. Every run folder is unique, and every
// target carries DROVER_RUN_DIR=<it>; a guard SIGKILLs whatever still
// carries it when a test ends, pass or fail.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/core/host_port.hpp"
#include "harness/process/output_capture.hpp"
#include "harness/process/proc_table.hpp"
#include "harness/process/supervisor.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/files.hpp"
#include "tests/support/processes.hpp"
#include "tests/support/temp_dir.hpp"

namespace drover::supervisor_test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::testing::HasSubstr;

const fs::path kData = fs::path(DROVER_SOURCE_DIR) / "tests" / "data" / "process";
// Debian's python3: a python first in PATH may be a slow shim.
constexpr const char* kPython = "/usr/bin/python3";

using test::eventually;
using test::read_file;
using test::TempDir;

class SupervisorTest : public ::testing::Test {
 protected:
  SupervisorTest() {
    fs::copy_file(kData / "fake_reference_target.sh", targets_.path() / "udp_echo");
    fs::permissions(targets_.path() / "udp_echo", fs::perms::owner_all);
  }

  SupervisorOptions options() const {
    SupervisorOptions o;
    o.run_dir = run_dir();
    o.targets_dir = targets_.path().string();
    o.env = {{"DROVER_RUN_DIR", run_dir()}};
    return o;
  }
  std::string run_dir() const { return run_.path().string(); }
  std::vector<int> marked() const { return processes_with_env("DROVER_RUN_DIR", run_dir()); }

  static TargetSpec reference(std::string name) {
    TargetSpec s;
    s.name = std::move(name);
    s.source = TargetSpec::Source::kReference;
    s.kind = "udp_echo";
    s.ready.timeout = 5s;
    return s;
  }
  static TargetSpec command(std::string name, std::vector<std::string> argv) {
    TargetSpec s;
    s.name = std::move(name);
    s.source = TargetSpec::Source::kCommand;
    s.kind = "command";
    s.argv = std::move(argv);
    s.ready.timeout = 5s;
    return s;
  }

  TempDir run_{"drover-run-"};
  TempDir targets_{"drover-targets-"};
  test::StrayProcessGuard guard_{"DROVER_RUN_DIR", run_.path().string()};
  HostPtr host_ = make_local_host();
};

TEST_F(SupervisorTest, ReferenceTargetAnnouncesItsAddress) {
  TargetSupervisor supervisor(*host_, options());
  auto spec = reference("echo");
  spec.env = {{"ECHO_EXTRA", "yes"}};
  supervisor.start(spec);
  EXPECT_EQ(supervisor.address_of("echo"), "127.0.0.1:5555");
  const int pid = supervisor.pid_of("echo");
  EXPECT_TRUE(is_running(pid));
  // The run marker and the target's own env both reach it.
  EXPECT_EQ(marked(), std::vector<int>{pid});
  EXPECT_EQ(processes_with_env("ECHO_EXTRA", "yes"), std::vector<int>{pid});

  auto results = supervisor.results();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].name, "echo");
  EXPECT_EQ(results[0].kind, "udp_echo");
  EXPECT_EQ(results[0].address, "127.0.0.1:5555");
  EXPECT_EQ(results[0].pid, pid);
  EXPECT_EQ(results[0].logs,
            (std::vector<std::string>{"logs/echo.stdout.log", "logs/echo.stderr.log"}));
  EXPECT_TRUE(fs::exists(run_.path() / "logs" / "echo.stdout.log"));
}

TEST_F(SupervisorTest, CommandTargetGetsAFreePortAndWaitsForTcp) {
  TargetSupervisor supervisor(*host_, options());
  auto spec = command("web", {kPython, (kData / "tcp_server.py").string(), "{port}", "0.3"});
  spec.protocol = Protocol::kTcp;
  spec.wants_free_port = true;
  spec.address = "127.0.0.1:{port}";
  spec.ready.probe = ReadySpec::Probe::kTcpConnect;
  spec.ready.address = "127.0.0.1:{port}";
  const TimePoint before = Clock::now();
  supervisor.start(spec);
  EXPECT_GE(Clock::now() - before, 300ms);  // the server listens only after its delay

  const std::string& address = supervisor.address_of("web");
  auto hp = parse_host_port(address);
  ASSERT_TRUE(hp.has_value()) << address;
  EXPECT_EQ(hp->host, "127.0.0.1");
  // The server was told the port the address names, and serves on it now.
  EXPECT_TRUE(wait_tcp_accepts(address, Clock::now()));
  EXPECT_EQ(read_file(run_.path() / "logs" / "web.stdout.log"), "listening on " + address + "\n");

  supervisor.stop_all();
  auto results = supervisor.results();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].kind, "command");
  EXPECT_FALSE(results[0].exited_during_run);
  EXPECT_EQ(results[0].exit_description, "exited with status 0 after SIGTERM");
}

TEST_F(SupervisorTest, CommandTargetWaitsForItsUdpPortToBeBound) {
  TargetSupervisor supervisor(*host_, options());
  auto spec = command("upper", {kPython, (kData / "udp_server.py").string(), "{port}", "0.3"});
  spec.protocol = Protocol::kUdp;
  spec.wants_free_port = true;
  spec.address = "127.0.0.1:{port}";
  spec.ready.probe = ReadySpec::Probe::kUdpBound;
  spec.ready.address = "127.0.0.1:{port}";
  supervisor.start(spec);

  // Ready means it answers now: one datagram, one upper-cased reply.
  auto hp = parse_host_port(supervisor.address_of("upper"));
  ASSERT_TRUE(hp.has_value());
  UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(hp->port));
  ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  ASSERT_EQ(::sendto(sock.get(), "ping", 4, 0, reinterpret_cast<sockaddr*>(&to), sizeof to), 4);
  pollfd readable{sock.get(), POLLIN, 0};
  ASSERT_EQ(::poll(&readable, 1, 2000), 1);
  char reply[16] = {};
  ASSERT_EQ(::recv(sock.get(), reply, sizeof reply, 0), 4);
  EXPECT_EQ(std::string(reply, 4), "PING");
}

TEST_F(SupervisorTest, TargetThatNeverBecomesReadyFailsAfterItsTimeout) {
  TargetSupervisor supervisor(*host_, options());
  auto spec = command("mute", {"sleep", "30"});
  spec.wants_free_port = true;
  spec.ready.probe = ReadySpec::Probe::kTcpConnect;
  spec.ready.address = "127.0.0.1:{port}";
  spec.ready.timeout = 1s;
  const TimePoint before = Clock::now();
  try {
    supervisor.start(spec);
    FAIL() << "expected TargetStartError";
  } catch (const TargetStartError& e) {
    EXPECT_THAT(e.what(), HasSubstr("target \"mute\": not ready after 1s (waiting for a TCP "
                                    "connection to 127.0.0.1:"));
    EXPECT_THAT(e.what(), HasSubstr("see logs/mute.stdout.log and logs/mute.stderr.log"));
  }
  const Duration took = Clock::now() - before;
  EXPECT_GE(took, 1s);
  EXPECT_LT(took, 3s);
  EXPECT_TRUE(marked().empty());
  auto results = supervisor.results();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_FALSE(is_running(results[0].pid));
}

TEST_F(SupervisorTest, TargetWithoutItsReadyLineFailsAfterItsTimeout) {
  TargetSupervisor supervisor(*host_, options());
  auto spec = command("quiet", {"sh", "-c", "echo starting; exec sleep 30"});
  spec.ready.stdout_regex = "^READY";
  spec.ready.timeout = 500ms;
  try {
    supervisor.start(spec);
    FAIL() << "expected TargetStartError";
  } catch (const TargetStartError& e) {
    EXPECT_THAT(e.what(), HasSubstr("not ready after 500ms (waiting for a stdout line matching "
                                    "\"^READY\")"));
  }
  EXPECT_TRUE(marked().empty());
}

TEST_F(SupervisorTest, TargetThatExitsAtOnceFailsWithItsStderr) {
  TargetSupervisor supervisor(*host_, options());
  auto spec = command("broken", {"sh", (kData / "fails_at_once.sh").string()});
  spec.ready.probe = ReadySpec::Probe::kTcpConnect;
  spec.ready.address = "127.0.0.1:1";
  const TimePoint before = Clock::now();
  try {
    supervisor.start(spec);
    FAIL() << "expected TargetStartError";
  } catch (const TargetStartError& e) {
    EXPECT_THAT(e.what(), HasSubstr("target \"broken\": exited with status 1 before it was ready"));
    EXPECT_THAT(e.what(), HasSubstr("\n    loading config\n    fatal: no config file at "
                                    "/nonexistent/server.conf"));
  }
  EXPECT_LT(Clock::now() - before, 2s);  // not the whole timeout
}

TEST_F(SupervisorTest, TargetThatExitsBeforeItsReadyLineIsReportedAsExited) {
  TargetSupervisor supervisor(*host_, options());
  auto spec = command("broken", {"sh", (kData / "fails_at_once.sh").string()});
  spec.ready.stdout_regex = "^READY";
  try {
    supervisor.start(spec);
    FAIL() << "expected TargetStartError";
  } catch (const TargetStartError& e) {
    EXPECT_THAT(e.what(), HasSubstr("target \"broken\": exited with status 1 before it was ready"));
  }
  auto results = supervisor.results();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].exit_description, "exited with status 1 before it was ready");
  EXPECT_EQ(results[0].logs,
            (std::vector<std::string>{"logs/broken.stdout.log", "logs/broken.stderr.log"}));
}

TEST_F(SupervisorTest, MissingReferenceExecutableIsNamed) {
  SupervisorOptions opts = options();
  opts.targets_dir = (run_.path() / "no-targets").string();
  TargetSupervisor supervisor(*host_, opts);
  try {
    supervisor.start(reference("echo"));
    FAIL() << "expected TargetStartError";
  } catch (const TargetStartError& e) {
    EXPECT_EQ(std::string(e.what()), "target \"echo\": reference target executable not found at " +
                                         opts.targets_dir +
                                         "/udp_echo (build drover, or set DROVER_TARGETS_DIR)");
  }
}

TEST_F(SupervisorTest, CommandThatCannotStartIsNamed) {
  TargetSupervisor supervisor(*host_, options());
  try {
    supervisor.start(command("ghost", {"nonexistent-server-4711"}));
    FAIL() << "expected TargetStartError";
  } catch (const TargetStartError& e) {
    EXPECT_EQ(std::string(e.what()),
              "target \"ghost\": cannot start \"nonexistent-server-4711\": No such file or "
              "directory");
  }
}

TEST_F(SupervisorTest, PollExitsReportsAKilledTargetOnce) {
  TargetSupervisor supervisor(*host_, options());
  supervisor.start(reference("echo"));
  EXPECT_TRUE(supervisor.poll_exits().empty());
  ASSERT_EQ(::kill(supervisor.pid_of("echo"), SIGKILL), 0);

  std::vector<std::string> exited;
  EXPECT_TRUE(eventually([&] {
    exited = supervisor.poll_exits();
    return !exited.empty();
  }));
  EXPECT_EQ(exited, std::vector<std::string>{"echo"});
  EXPECT_TRUE(supervisor.poll_exits().empty());

  supervisor.stop_all();
  auto results = supervisor.results();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_TRUE(results[0].exited_during_run);
  EXPECT_EQ(results[0].exit_description, "killed by signal 9 (Killed)");
}

TEST_F(SupervisorTest, StopAllIsIdempotentAndLeavesNothingBehind) {
  std::vector<int> pids;
  {
    TargetSupervisor supervisor(*host_, options());
    supervisor.start(reference("first"));
    auto web = command("second", {"sh", "-c", "sleep 30 & sleep 30 & echo up; wait"});
    web.ready.stdout_regex = "^up$";
    supervisor.start(web);
    // The fake target, sh and its two sleeps (which may still be starting).
    EXPECT_TRUE(eventually([&] {
      pids = marked();
      return pids.size() == 4;
    })) << pids.size();

    supervisor.stop_all();
    EXPECT_TRUE(eventually([&] { return marked().empty(); }));
    supervisor.stop_all();
    auto results = supervisor.results();
    ASSERT_EQ(results.size(), 2u);
    EXPECT_EQ(results[0].exit_description, "killed by signal 15 (Terminated)");
    EXPECT_EQ(results[1].exit_description, "killed by signal 15 (Terminated)");
    EXPECT_FALSE(results[0].exited_during_run);
  }
  for (int pid : pids) EXPECT_FALSE(is_running(pid)) << pid;
}

TEST_F(SupervisorTest, DestructorStopsEveryTarget) {
  int pid = 0;
  {
    TargetSupervisor supervisor(*host_, options());
    supervisor.start(reference("echo"));
    pid = supervisor.pid_of("echo");
  }
  EXPECT_FALSE(is_running(pid));
  EXPECT_TRUE(marked().empty());
}

TEST_F(SupervisorTest, AddressTargetStartsNothing) {
  TargetSupervisor supervisor(*host_, options());
  TargetSpec spec;
  spec.name = "remote";
  spec.source = TargetSpec::Source::kAddress;
  spec.kind = "address";
  spec.address = "127.0.0.1:9";
  supervisor.start(spec);
  EXPECT_EQ(supervisor.address_of("remote"), "127.0.0.1:9");
  EXPECT_EQ(supervisor.pid_of("remote"), 0);
  EXPECT_TRUE(supervisor.zombie_children("remote").empty());
  auto results = supervisor.results();
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].kind, "address");
  EXPECT_TRUE(results[0].logs.empty());
  EXPECT_TRUE(marked().empty());
}

TEST_F(SupervisorTest, ReportsZombieChildrenOfATarget) {
  TargetSupervisor supervisor(*host_, options());
  auto spec = command("leaky", {"sh", "-c", "sleep 0.1 & echo up; exec sleep 30"});
  spec.ready.stdout_regex = "^up$";
  supervisor.start(spec);
  EXPECT_TRUE(eventually([&] { return supervisor.zombie_children("leaky").size() == 1; }));
}

// This machine as a host whose files cannot be fetched: a remote host whose
// connection broke after its targets started.
class HostThatCannotCopyBack final : public Host {
 public:
  std::string name() const override { return "unreachable"; }
  ProcessPtr start(const ProcessSpec& spec) override { return local_->start(spec); }
  CommandOutput run(const std::vector<std::string>& argv, const std::string& cwd,
                    TimePoint deadline, std::size_t max_output) override {
    return local_->run(argv, cwd, deadline, max_output);
  }
  void copy_to(const std::string& local_path, const std::string& host_path) override {
    local_->copy_to(local_path, host_path);
  }
  void copy_from(const std::string& host_path, const std::string&) override {
    throw HostError("cannot copy " + host_path + ": the connection is gone");
  }
  std::vector<int> zombie_children(int pid) override { return local_->zombie_children(pid); }

 private:
  HostPtr local_ = make_local_host();
};

TEST_F(SupervisorTest, ALogThatStaysBehindIsAWarningNotStderr) {
  std::vector<std::pair<std::string, std::string>> warnings;
  SupervisorOptions with_notify = options();
  with_notify.notify = [&](const std::string& source, const std::string& message) {
    warnings.emplace_back(source, message);
  };
  HostThatCannotCopyBack remote;
  TargetPlacement placement{&remote, "127.0.0.1", targets_.path().string()};
  ::testing::internal::CaptureStderr();
  {
    TargetSupervisor supervisor(*host_, with_notify);
    supervisor.start(reference("echo"), &placement);
    supervisor.stop_all();
  }
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  ASSERT_EQ(warnings.size(), 2u);  // its stdout and its stderr log
  EXPECT_EQ(warnings[0].first, "target echo");
  EXPECT_THAT(warnings[0].second, HasSubstr("echo.stdout.log stays behind: cannot copy"));
}

TEST(HostPort, ParsesHostAndPort) {
  auto v4 = parse_host_port("127.0.0.1:8080");
  ASSERT_TRUE(v4.has_value());
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 8080);
  auto v6 = parse_host_port("[::1]:9000");
  ASSERT_TRUE(v6.has_value());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 9000);
  EXPECT_EQ(parse_host_port("localhost:1")->host, "localhost");
  for (const char* bad : {"", "127.0.0.1", "127.0.0.1:", ":80", "h:0", "h:65536", "h:8x", "::1:80",
                          "[::1]80", "[::1]"}) {
    EXPECT_FALSE(parse_host_port(bad).has_value()) << bad;
  }
}

// A socket bound to 127.0.0.1 on a free port, for the probe tests.
struct BoundSocket {
  explicit BoundSocket(int type) : fd(::socket(AF_INET, type | SOCK_CLOEXEC, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof a;
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &length) != 0) {
      throw std::runtime_error("bind failed");
    }
    address = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  }
  UniqueFd fd;
  std::string address;
};

TEST(Probes, UdpBoundSeesABoundSocketOnly) {
  BoundSocket bound(SOCK_DGRAM);
  EXPECT_TRUE(wait_udp_bound(bound.address, Clock::now() + 1s));
  EXPECT_TRUE(wait_udp_bound("localhost:" + bound.address.substr(10), Clock::now() + 1s));

  const std::string free_address = "127.0.0.1:" + std::to_string(pick_free_port(Protocol::kUdp));
  const TimePoint before = Clock::now();
  EXPECT_FALSE(wait_udp_bound(free_address, before + 200ms));
  const Duration took = Clock::now() - before;
  EXPECT_GE(took, 200ms);
  EXPECT_LT(took, 1s);
}

TEST(Probes, TcpAcceptsOnlyWhenListening) {
  BoundSocket listening(SOCK_STREAM);
  ASSERT_EQ(::listen(listening.fd.get(), 4), 0);
  EXPECT_TRUE(wait_tcp_accepts(listening.address, Clock::now() + 1s));

  BoundSocket not_listening(SOCK_STREAM);  // bound, so the port stays unused
  const TimePoint before = Clock::now();
  EXPECT_FALSE(wait_tcp_accepts(not_listening.address, before + 300ms));
  const Duration took = Clock::now() - before;
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 1s);
}

TEST(Probes, PickFreePortGivesABindablePort) {
  for (Protocol protocol : {Protocol::kUdp, Protocol::kTcp}) {
    const int port = pick_free_port(protocol);
    EXPECT_GT(port, 0);
    UniqueFd fd(::socket(AF_INET, (protocol == Protocol::kUdp ? SOCK_DGRAM : SOCK_STREAM), 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(port));
    EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0) << port;
  }
}

}  // namespace
}  // namespace drover::supervisor_test
