// LocalHost and the /proc reading it relies on, against real processes.
// Every process a test starts carries a marker environment entry; a guard
// SIGKILLs whatever still carries it when the test ends, pass or fail.
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "harness/process/host.hpp"
#include "harness/process/proc_table.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/files.hpp"
#include "tests/support/processes.hpp"
#include "tests/support/temp_dir.hpp"

namespace drover::local_host_test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr const char* kMarkerVar = "DROVER_TEST_MARKER";

using test::eventually;
// run() takes no environment: a marker argument finds its processes.
using test::processes_with_arg;
using test::read_file;
using test::TempDir;

// A marker value no other test of this process uses.
std::string next_marker() {
  static int counter = 0;
  return std::to_string(::getpid()) + "-" + std::to_string(++counter);
}

class LocalHostTest : public ::testing::Test {
 protected:
  ProcessSpec spec(std::string name, std::vector<std::string> argv) {
    ProcessSpec s;
    s.name = std::move(name);
    s.argv = std::move(argv);
    s.log_dir = (dir_.path() / "logs").string();
    s.env = {{kMarkerVar, marker_.value()}};
    return s;
  }

  TempDir dir_;
  test::StrayProcessGuard marker_{kMarkerVar, next_marker()};  // after dir_: runs first at teardown
  HostPtr host_ = make_local_host();
};

// 3 MB without a newline, then the ready line: the long "line" is cut, a
// regex with a group under a repeat neither crashes on its pieces nor
// matches them, and the ready line is still found.
TEST_F(LocalHostTest, AMultiMegabyteLineNeitherCrashesTheReadyMatchNorHidesTheReadyLine) {
  auto p = host_->start(spec("chatty", {"sh", "-c",
                                        "head -c 3000000 /dev/zero | tr '\\0' x; echo; "
                                        "echo READY; sleep 30"}));
  auto line = p->wait_for_stdout_line(Regex("^(x|y)*READY$"), Clock::now() + 20s);
  EXPECT_EQ(line, "READY");
  p->stop(1s);
}

TEST_F(LocalHostTest, CapturesOutputAndStopsWithSigterm) {
  auto p = host_->start(spec("greeter", {"sh", "-c", "echo hello; echo oops >&2; sleep 30"}));
  auto line = p->wait_for_stdout_line(Regex("^hello$"), Clock::now() + 5s);
  ASSERT_TRUE(line.has_value());
  EXPECT_EQ(*line, "hello");

  // Written as it arrives, not at the end.
  const fs::path logs = dir_.path() / "logs";
  EXPECT_EQ(read_file(logs / "greeter.stdout.log"), "hello\n");
  EXPECT_TRUE(eventually([&] { return read_file(logs / "greeter.stderr.log") == "oops\n"; }));
  EXPECT_EQ(p->log_files(), (std::vector<std::string>{(logs / "greeter.stdout.log").string(),
                                                      (logs / "greeter.stderr.log").string()}));

  const int pid = p->pid();
  EXPECT_FALSE(p->poll().has_value());
  const TimePoint before = Clock::now();
  ExitStatus status = p->stop(5s);
  EXPECT_LT(Clock::now() - before, 2s);
  EXPECT_FALSE(status.exited);
  EXPECT_EQ(status.signal, SIGTERM);
  EXPECT_EQ(status.describe(), "killed by signal 15 (Terminated)");
  EXPECT_FALSE(is_running(pid));
  EXPECT_EQ(p->stderr_tail(5), "oops");

  // Idempotent: the first status, no new signals.
  ExitStatus again = p->stop(5s);
  EXPECT_EQ(again.signal, SIGTERM);
  ASSERT_TRUE(p->poll().has_value());
  EXPECT_EQ(p->poll()->signal, SIGTERM);
}

TEST_F(LocalHostTest, ProgramThatCannotStartIsAHostErrorNamingIt) {
  try {
    host_->start(spec("missing", {"nonexistent-prog-4711"}));
    FAIL() << "expected HostError";
  } catch (const HostError& e) {
    EXPECT_STREQ(e.what(), "cannot start \"nonexistent-prog-4711\": No such file or directory");
  }

  // A file that is not executable.
  const fs::path script = dir_.path() / "not_executable.sh";
  std::ofstream(script) << "#!/bin/sh\n";
  fs::permissions(script, fs::perms::owner_read | fs::perms::owner_write);
  try {
    host_->start(spec("noexec", {script.string()}));
    FAIL() << "expected HostError";
  } catch (const HostError& e) {
    EXPECT_NE(std::string(e.what()).find(script.string()), std::string::npos) << e.what();
  }

  // A working directory that does not exist.
  auto bad_cwd = spec("badcwd", {"sleep", "30"});
  bad_cwd.cwd = (dir_.path() / "no-such-dir").string();
  try {
    host_->start(bad_cwd);
    FAIL() << "expected HostError";
  } catch (const HostError& e) {
    EXPECT_NE(std::string(e.what()).find("no-such-dir"), std::string::npos) << e.what();
  }
  // Nothing left behind: no zombie of ours, no marked process.
  EXPECT_TRUE(zombie_children_of(::getpid()).empty());
  EXPECT_TRUE(processes_with_env(kMarkerVar, marker_.value()).empty());
}

TEST_F(LocalHostTest, StartsInTheGivenWorkingDirectory) {
  auto s = spec("pwd", {"sh", "-c", "pwd; sleep 30"});
  s.cwd = dir_.path().string();
  auto p = host_->start(s);
  auto line = p->wait_for_stdout_line(Regex("^/"), Clock::now() + 5s);
  ASSERT_TRUE(line.has_value());
  EXPECT_EQ(fs::path(*line), fs::canonical(dir_.path()));
}

TEST_F(LocalHostTest, StopEndsTheWholeProcessGroup) {
  auto p = host_->start(spec("group", {"sh", "-c", "sleep 30 & sleep 30 & wait"}));
  std::vector<int> sleeps;
  ASSERT_TRUE(eventually([&] {
    sleeps = children_of(p->pid());
    return sleeps.size() == 2;
  }));
  for (int pid : sleeps) EXPECT_EQ(read_proc_entry(pid)->pgid, p->pid());
  p->stop(2s);
  for (int pid : sleeps) EXPECT_TRUE(eventually([&] { return !is_running(pid); })) << pid;
}

TEST_F(LocalHostTest, StopKillsMembersThatOutliveTheLeader) {
  // The leader dies of SIGTERM at once; its child ignores SIGTERM and must
  // still not survive the stop.
  auto p = host_->start(
      spec("straggler", {"sh", "-c", "(trap '' TERM; exec sleep 30) & echo up; wait"}));
  ASSERT_TRUE(p->wait_for_stdout_line(Regex("^up$"), Clock::now() + 5s));
  std::vector<int> children;
  ASSERT_TRUE(eventually([&] {
    children = children_of(p->pid());
    return children.size() == 1;
  }));
  const TimePoint before = Clock::now();
  EXPECT_EQ(p->stop(5s).signal, SIGTERM);
  EXPECT_LT(Clock::now() - before, 2s);
  EXPECT_TRUE(eventually([&] { return !is_running(children[0]); }));
}

TEST_F(LocalHostTest, IgnoredSigtermIsFollowedBySigkillAfterTheGrace) {
  auto p = host_->start(spec("stubborn", {"sh", "-c", "trap '' TERM; echo trapped; sleep 30"}));
  ASSERT_TRUE(p->wait_for_stdout_line(Regex("^trapped$"), Clock::now() + 5s));
  const TimePoint before = Clock::now();
  ExitStatus status = p->stop(300ms);
  const Duration took = Clock::now() - before;
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 3s);
  EXPECT_EQ(status.signal, SIGKILL);
  EXPECT_EQ(status.describe(), "killed by signal 9 (Killed)");
  // The group's other member (sleep) got SIGKILL too; on a busy machine it
  // may take a moment to be gone.
  EXPECT_TRUE(eventually([&] { return processes_with_env(kMarkerVar, marker_.value()).empty(); }));
}

TEST_F(LocalHostTest, EnvironmentIsDroversOwnPlusTheSpecs) {
  auto s = spec("env", {"sh", "-c", "echo \"value=$DROVER_TEST_VALUE\"; echo \"path=$PATH\""});
  s.env.emplace_back("DROVER_TEST_VALUE", "42 and more");
  auto p = host_->start(s);
  auto value = p->wait_for_stdout_line(Regex("^value="), Clock::now() + 5s);
  ASSERT_TRUE(value.has_value());
  EXPECT_EQ(*value, "value=42 and more");
  auto path = p->wait_for_stdout_line(Regex("^path="), Clock::now() + 5s);
  ASSERT_TRUE(path.has_value());
  EXPECT_EQ(*path, std::string("path=") + std::getenv("PATH"));
}

// The secrets drover read (a password's variable, SSH_AUTH_SOCK) stay
// drover's: neither a started process nor a command run gets them, the
// rest of drover's environment goes on as before, and a spec may still
// set one of those names itself.
TEST_F(LocalHostTest, WithheldVariablesReachNoChild) {
  ::setenv("DROVER_TEST_PASSWORD", "s3cret", 1);
  ::setenv("DROVER_TEST_PASSWORDS", "kept", 1);  // a longer name, not withheld
  ::setenv("DROVER_TEST_VISIBLE", "shown", 1);
  HostPtr host = make_local_host({"DROVER_TEST_PASSWORD", "DROVER_TEST_ABSENT"});
  auto s = spec("env", {"env"});
  // Its whole output once it ended by itself.
  auto dump = [&](const ProcessSpec& spec) {
    ProcessPtr p = host->start(spec);
    EXPECT_TRUE(eventually([&] { return p->poll().has_value(); }, 5s)) << "never ended";
    p->stop(0s);
    return "\n" + read_file(dir_.path() / "logs" / (spec.name + ".stdout.log"));
  };
  const std::string dumped = dump(s);
  const CommandOutput ran =
      host->run({"sh", "-c", "env", "sh", next_marker()}, "", Clock::now() + 5s, 1 << 20);
  for (const std::string& env : {dumped, "\n" + ran.out}) {
    EXPECT_EQ(env.find("s3cret"), std::string::npos) << env;
    EXPECT_NE(env.find("\nDROVER_TEST_PASSWORDS=kept\n"), std::string::npos) << env;
    EXPECT_NE(env.find("\nDROVER_TEST_VISIBLE=shown\n"), std::string::npos) << env;
    EXPECT_NE(env.find(std::string("\nPATH=") + std::getenv("PATH") + "\n"), std::string::npos);
  }
  s.name = "set";
  s.env.emplace_back("DROVER_TEST_PASSWORD", "given");
  EXPECT_NE(dump(s).find("\nDROVER_TEST_PASSWORD=given\n"), std::string::npos);
  ::unsetenv("DROVER_TEST_PASSWORD");
  ::unsetenv("DROVER_TEST_PASSWORDS");
  ::unsetenv("DROVER_TEST_VISIBLE");
}

// Restores the calling thread's signal mask and SIGPIPE disposition.
class SignalStateGuard {
 public:
  SignalStateGuard() {
    ::pthread_sigmask(SIG_SETMASK, nullptr, &mask_);
    ::sigaction(SIGPIPE, nullptr, &pipe_);
  }
  ~SignalStateGuard() {
    ::pthread_sigmask(SIG_SETMASK, &mask_, nullptr);
    ::sigaction(SIGPIPE, &pipe_, nullptr);
  }

 private:
  sigset_t mask_;
  struct sigaction pipe_;
};

std::string proc_status_field(int pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(field + ":", 0) == 0)
      return line.substr(line.find_first_not_of(" \t", field.size() + 1));
  }
  return "";
}

TEST_F(LocalHostTest, ChildDoesNotInheritBlockedOrIgnoredSignals) {
  SignalStateGuard restore;
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  sigaddset(&term, SIGINT);
  ASSERT_EQ(::pthread_sigmask(SIG_BLOCK, &term, nullptr), 0);
  ::signal(SIGPIPE, SIG_IGN);

  auto p = host_->start(spec("sleeper", {"sleep", "30"}));
  EXPECT_EQ(proc_status_field(p->pid(), "SigBlk"), "0000000000000000");
  // A background shell may have made the test ignore SIGQUIT too; only the
  // signals drover resets are promised.
  const auto ignored = std::stoull(proc_status_field(p->pid(), "SigIgn"), nullptr, 16);
  for (int sig : {SIGINT, SIGTERM, SIGPIPE, SIGCHLD}) {
    EXPECT_EQ(ignored & (1ULL << (sig - 1)), 0u) << "signal " << sig << " ignored";
  }
  const TimePoint before = Clock::now();
  ExitStatus status = p->stop(5s);
  EXPECT_LT(Clock::now() - before, 2s);
  EXPECT_EQ(status.signal, SIGTERM);  // not the SIGKILL after the grace
}

TEST_F(LocalHostTest, ChildInheritsOnlyItsStandardStreams) {
  // A descriptor drover opened without O_CLOEXEC must not leak into targets.
  int leaky[2];
  ASSERT_EQ(::pipe(leaky), 0);
  struct CloseBoth {
    int* fds;
    ~CloseBoth() {
      ::close(fds[0]);
      ::close(fds[1]);
    }
  } close_both{leaky};

  auto p = host_->start(spec("fds", {"sleep", "30"}));
  // Until its exec completes the child still holds the start-up error pipe
  // (close-on-exec, closed by the kernel late in exec): poll, bounded. A
  // leaked descriptor stays, so it still fails the test.
  const std::string fd_dir = "/proc/" + std::to_string(p->pid()) + "/fd";
  std::vector<std::string> fds;
  for (int i = 0; i < 200; ++i) {
    fds.clear();
    for (const auto& entry : fs::directory_iterator(fd_dir)) {
      fds.push_back(entry.path().filename().string());
    }
    std::sort(fds.begin(), fds.end());
    if (fds.size() <= 3) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(fds, (std::vector<std::string>{"0", "1", "2"}));
}

TEST_F(LocalHostTest, ProcessDiesWithTheProcessThatStartedIt) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const std::string log_dir = (dir_.path() / "logs").string();
  const std::string marker = marker_.value();
  pid_t helper = ::fork();
  ASSERT_GE(helper, 0);
  if (helper == 0) {
    // The helper stands in for drover: it starts a process, then is killed.
    ::close(fds[0]);
    try {
      auto host = make_local_host();
      ProcessSpec s;
      s.name = "orphan";
      s.argv = {"sleep", "30"};
      s.log_dir = log_dir;
      s.env = {{kMarkerVar, marker}};
      auto p = host->start(s);
      int pid = p->pid();
      if (::write(fds[1], &pid, sizeof pid) != sizeof pid) ::_exit(1);
      for (;;) ::pause();
    } catch (...) {
      ::_exit(1);
    }
  }
  ::close(fds[1]);
  struct HelperGuard {
    pid_t pid;
    ~HelperGuard() {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  } helper_guard{helper};

  int sleep_pid = 0;
  pollfd readable{fds[0], POLLIN, 0};
  ASSERT_EQ(::poll(&readable, 1, 5000), 1);
  ASSERT_EQ(::read(fds[0], &sleep_pid, sizeof sleep_pid), static_cast<ssize_t>(sizeof sleep_pid));
  ::close(fds[0]);
  ASSERT_TRUE(is_running(sleep_pid));

  ASSERT_EQ(::kill(helper, SIGKILL), 0);
  ASSERT_EQ(::waitpid(helper, nullptr, 0), helper);
  EXPECT_TRUE(eventually([&] { return !is_running(sleep_pid); }, 1s));
}

TEST_F(LocalHostTest, ReportsZombieChildren) {
  auto p = host_->start(spec("zombies", {"sh", "-c", "sleep 0.1 & exec sleep 5"}));
  std::vector<int> zombies;
  EXPECT_TRUE(eventually([&] {
    zombies = host_->zombie_children(p->pid());
    return zombies.size() == 1;
  }));
  ASSERT_EQ(zombies.size(), 1u);
  EXPECT_EQ(read_proc_entry(zombies[0])->ppid, p->pid());
}

TEST_F(LocalHostTest, WaitForStdoutLineReturnsPromptlyWhenTheProcessExits) {
  auto p = host_->start(spec("quitter", {"sh", "-c", "echo one; sleep 0.2; exit 3"}));
  const TimePoint before = Clock::now();
  EXPECT_FALSE(p->wait_for_stdout_line(Regex("^never$"), Clock::now() + 10s).has_value());
  EXPECT_LT(Clock::now() - before, 2s);
  // Lines from before the exit are still there, from the start.
  EXPECT_EQ(p->wait_for_stdout_line(Regex("^one$"), Clock::now()), "one");
  ASSERT_TRUE(p->poll().has_value());
  EXPECT_TRUE(p->poll()->exited);
  EXPECT_EQ(p->poll()->code, 3);
  EXPECT_EQ(p->poll()->describe(), "exited with status 3");
}

TEST_F(LocalHostTest, WaitForStdoutLineStopsAtTheDeadline) {
  auto p = host_->start(spec("silent", {"sleep", "30"}));
  const TimePoint before = Clock::now();
  EXPECT_FALSE(p->wait_for_stdout_line(Regex("."), before + 300ms).has_value());
  const Duration took = Clock::now() - before;
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 1s);
}

TEST_F(LocalHostTest, StopIsBoundedWhenAnEscapedGrandchildHoldsTheOutput) {
  // setsid puts the grandchild outside the group: stop() cannot reach it and
  // it keeps stdout open, yet stop() must return (the guard kills it).
  auto p = host_->start(spec("escaper", {"sh", "-c", "setsid sleep 30 & echo started; sleep 30"}));
  ASSERT_TRUE(p->wait_for_stdout_line(Regex("^started$"), Clock::now() + 5s));
  const TimePoint before = Clock::now();
  p->stop(1s);
  EXPECT_LT(Clock::now() - before, 3s);
}

TEST_F(LocalHostTest, DestroyingAProcessStopsIt) {
  int pid = 0;
  {
    auto p = host_->start(spec("dropped", {"sleep", "30"}));
    pid = p->pid();
    ASSERT_TRUE(is_running(pid));
  }
  EXPECT_FALSE(is_running(pid));
}

TEST_F(LocalHostTest, FindsProcessesByEnvironmentUntilTheyStop) {
  auto p = host_->start(spec("marked", {"sleep", "30"}));
  EXPECT_EQ(processes_with_env(kMarkerVar, marker_.value()), std::vector<int>{p->pid()});
  EXPECT_TRUE(processes_with_env(kMarkerVar, marker_.value() + "0").empty());
  p->stop(2s);
  EXPECT_TRUE(processes_with_env(kMarkerVar, marker_.value()).empty());
}

TEST_F(LocalHostTest, CopiesFilesBothWays) {
  const fs::path a = dir_.path() / "a.txt", b = dir_.path() / "b.txt";
  std::ofstream(a) << "first";
  host_->copy_to(a.string(), b.string());
  EXPECT_EQ(read_file(b), "first");
  std::ofstream(b) << "second";
  host_->copy_from(b.string(), a.string());  // overwrites
  EXPECT_EQ(read_file(a), "second");

  const fs::path missing = dir_.path() / "missing.txt";
  try {
    host_->copy_to(missing.string(), b.string());
    FAIL() << "expected HostError";
  } catch (const HostError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find(missing.string()), std::string::npos) << what;
    EXPECT_NE(what.find(b.string()), std::string::npos) << what;
  }
}

TEST_F(LocalHostTest, RunReturnsTheStatusAndBothStreams) {
  CommandOutput r = host_->run({"sh", "-c", "pwd; echo oops >&2; exit 3"}, dir_.path().string(),
                               Clock::now() + 5s, 1024);
  ASSERT_TRUE(r.status.has_value());
  EXPECT_TRUE(r.status->exited);
  EXPECT_EQ(r.status->code, 3);
  EXPECT_FALSE(r.succeeded());
  EXPECT_EQ(r.describe(), "exited with status 3");
  EXPECT_EQ(r.out, dir_.path().string() + "\n");
  EXPECT_EQ(r.err, "oops\n");
  EXPECT_FALSE(r.truncated);
  EXPECT_TRUE(host_->run({"true"}, "", Clock::now() + 5s, 1024).succeeded());
}

TEST_F(LocalHostTest, RunPassesArgumentsAsTheyAre) {
  CommandOutput r = host_->run({"echo", "$(touch pwned)", ";", "*", ""}, dir_.path().string(),
                               Clock::now() + 5s, 1024);
  EXPECT_EQ(r.out, "$(touch pwned) ; * \n");
  EXPECT_FALSE(fs::exists(dir_.path() / "pwned"));
}

TEST_F(LocalHostTest, RunKeepsUpToTheLimitAndReadsTheRest) {
  // Far more than a pipe holds: the command must not block on it.
  CommandOutput r = host_->run({"sh", "-c", "head -c 1000000 /dev/zero; head -c 10 /dev/zero >&2"},
                               "", Clock::now() + 10s, 1000);
  EXPECT_TRUE(r.succeeded()) << r.describe();
  EXPECT_EQ(r.out.size(), 1000u);
  EXPECT_EQ(r.err.size(), 10u);
  EXPECT_TRUE(r.truncated);
}

TEST_F(LocalHostTest, RunPastItsDeadlineKillsTheGroupAndThrows) {
  const std::string mark = "run-deadline-" + marker_.value();
  const TimePoint before = Clock::now();
  EXPECT_THROW(host_->run({"sh", "-c", "sh -c 'sleep 30; : " + mark + "' & sleep 30"}, "",
                          Clock::now() + 300ms, 1024),
               HostError);
  EXPECT_LT(Clock::now() - before, 3s);
  EXPECT_TRUE(eventually([&] { return processes_with_arg(mark).empty(); }));
}

TEST_F(LocalHostTest, RunEndsWhatTheCommandLeftRunningInItsGroup) {
  const std::string mark = "run-leftover-" + marker_.value();
  const TimePoint before = Clock::now();
  CommandOutput r = host_->run({"sh", "-c", "sh -c 'sleep 30; : " + mark + "' & echo started"}, "",
                               Clock::now() + 10s, 1024);
  EXPECT_LT(Clock::now() - before, 3s);
  EXPECT_TRUE(r.succeeded()) << r.describe();
  EXPECT_EQ(r.out, "started\n");
  EXPECT_TRUE(eventually([&] { return processes_with_arg(mark).empty(); }));
}

TEST_F(LocalHostTest, RunOfAMissingProgramIsAHostErrorNamingIt) {
  try {
    host_->run({"no-such-program-drover"}, "", Clock::now() + 5s, 1024);
    FAIL() << "expected HostError";
  } catch (const HostError& e) {
    EXPECT_NE(std::string(e.what()).find("no-such-program-drover"), std::string::npos) << e.what();
  }
  EXPECT_THROW(host_->run({"true"}, (dir_.path() / "missing").string(), Clock::now() + 5s, 1024),
               HostError);
}

TEST(ProcTable, ParsesStatWithAwkwardCommandNames) {
  auto e = parse_proc_stat("4242 (a b) c) (d) Z 17 4200 4200 0 -1 4194560 0 0");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->pid, 4242);
  EXPECT_EQ(e->comm, "a b) c) (d");
  EXPECT_EQ(e->state, 'Z');
  EXPECT_EQ(e->ppid, 17);
  EXPECT_EQ(e->pgid, 4200);
  EXPECT_FALSE(parse_proc_stat("").has_value());
  EXPECT_FALSE(parse_proc_stat("12 (x) S").has_value());
  EXPECT_FALSE(parse_proc_stat("x (sh) S 1 1").has_value());
}

TEST(ProcTable, SeesThisProcess) {
  auto self = read_proc_entry(::getpid());
  ASSERT_TRUE(self.has_value());
  EXPECT_EQ(self->ppid, ::getppid());
  EXPECT_TRUE(is_running(::getpid()));
  EXPECT_FALSE(read_proc_entry(-1).has_value());
}

TEST(ExitStatusDescribe, NamesStatusOrSignal) {
  EXPECT_EQ((ExitStatus{true, 0, 0}).describe(), "exited with status 0");
  EXPECT_EQ((ExitStatus{false, 0, SIGKILL}).describe(), "killed by signal 9 (Killed)");
  EXPECT_EQ((ExitStatus{false, 0, SIGSEGV}).describe(), "killed by signal 11 (Segmentation fault)");
}

}  // namespace
}  // namespace drover::local_host_test
