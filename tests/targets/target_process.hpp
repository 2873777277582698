// A process an end-to-end test starts: in its own process group, stdout and
// stderr on pipes, every read and wait bounded by a deadline. Destroying it
// SIGKILLs the whole group and reaps everything in it, so no test leaves a
// process behind, even when an assertion fails half-way. The test process
// becomes a child subreaper, so the group's orphans are its to reap too.
// Not thread-safe: one test thread owns it.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "harness/process/proc_table.hpp"

namespace drover::test {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

class TestProcess {
 public:
  explicit TestProcess(const std::vector<std::string>& argv) {
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0)
      throw std::runtime_error("pipe2 failed");
    // Built before fork: the child may only make async-signal-safe calls.
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      setpgid(0, 0);
      prctl(PR_SET_PDEATHSIG, SIGKILL);  // a crashed test takes its targets with it
      dup2(out[1], STDOUT_FILENO);
      dup2(err[1], STDERR_FILENO);
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
    setpgid(pid_, pid_);  // also here, so a signal to the group cannot race the child
    close(out[1]);
    close(err[1]);
    out_ = out[0];
    err_ = err[0];
    fcntl(out_, F_SETFL, O_NONBLOCK);
    fcntl(err_, F_SETFL, O_NONBLOCK);
  }

  TestProcess(const TestProcess&) = delete;
  TestProcess& operator=(const TestProcess&) = delete;

  ~TestProcess() {
    if (!status_) {
      kill(-pid_, SIGKILL);
      kill(pid_, SIGKILL);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
    // Whatever else of the group is left (children orphaned to this subreaper).
    kill(-pid_, SIGKILL);
    const auto deadline = Clock::now() + std::chrono::seconds(2);
    while (Clock::now() < deadline) {
      pid_t reaped = waitpid(-pid_, nullptr, WNOHANG);
      if (reaped < 0) break;  // ECHILD: nothing of the group left
      if (reaped == 0) std::this_thread::sleep_for(milliseconds(2));
    }
    close(out_);
    close(err_);
  }

  pid_t pid() const { return pid_; }

  // One stdout line without its newline, or nullopt on EOF or timeout.
  std::optional<std::string> read_line(milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      if (auto nl = out_buffer_.find('\n'); nl != std::string::npos) {
        std::string line = out_buffer_.substr(0, nl);
        out_buffer_.erase(0, nl + 1);
        return line;
      }
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return std::nullopt;
      pollfd fd{out_, POLLIN, 0};
      if (poll(&fd, 1, static_cast<int>(left)) <= 0) continue;
      char chunk[4096];
      ssize_t n = read(out_, chunk, sizeof chunk);
      if (n == 0) return std::nullopt;
      if (n > 0) out_buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  // Everything on stderr so far (never blocks).
  std::string stderr_text() {
    char chunk[4096];
    ssize_t n;
    while ((n = read(err_, chunk, sizeof chunk)) > 0) err_text_.append(chunk, n);
    return err_text_;
  }

  void signal(int sig) { kill(pid_, sig); }

  // The raw wait status once the process has exited, or nullopt on timeout.
  std::optional<int> wait_exit(milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (!status_) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        status_ = status;
      } else if (Clock::now() >= deadline) {
        return std::nullopt;
      } else {
        std::this_thread::sleep_for(milliseconds(2));
      }
    }
    return status_;
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1, err_ = -1;
  std::string out_buffer_, err_text_;
  std::optional<int> status_;
};

// Exit status of a wait status, or -1 when killed by a signal.
inline int exit_code(int wait_status) {
  return WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
}

// Sends sig and waits for the exit: its status, or -2 if the process did
// not exit within limit.
inline int stop_with(TestProcess& p, int sig, milliseconds limit) {
  p.signal(sig);
  auto status = p.wait_exit(limit);
  return status ? exit_code(*status) : -2;
}

struct ProcessState {
  pid_t pid;
  char state;  // 'Z' for a zombie
};

// The processes whose parent is ppid (drover's own /proc reader, which
// copes with processes vanishing while it reads).
inline std::vector<ProcessState> children_of(pid_t ppid) {
  std::vector<ProcessState> children;
  for (const drover::ProcEntry& e : drover::list_processes()) {
    if (e.ppid == ppid) children.push_back({static_cast<pid_t>(e.pid), e.state});
  }
  return children;
}

inline std::size_t count_in_state(const std::vector<ProcessState>& ps, bool zombie) {
  std::size_t n = 0;
  for (const auto& p : ps) n += (p.state == 'Z') == zombie;
  return n;
}

// A process's state letter ('Z' for a zombie), or nullopt once it is gone.
inline std::optional<char> process_state(pid_t pid) {
  auto entry = drover::read_proc_entry(pid);
  if (!entry) return std::nullopt;
  return entry->state;
}

}  // namespace drover::test
