#include "harness/process/local_process.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <thread>

#include "harness/process/proc_table.hpp"

namespace drover {
namespace {

using namespace std::chrono_literals;

constexpr auto kStopPollInterval = 10ms;
// SIGKILL cannot be caught; a process still unreaped after this is stuck in
// the kernel (uninterruptible sleep), and drover stops waiting for it.
constexpr auto kKillReapLimit = 5s;
// Output a process wrote just before exiting may still be in the pipe when
// its exit is seen; wait_for_stdout_line gives the reader this long to drain
// it, unless the pipe's end is seen first.
constexpr auto kExitDrain = 200ms;
constexpr auto kWaitSlice = 20ms;

}  // namespace

ExitStatus exit_status_from_wait(int wait_status) {
  ExitStatus status;
  if (WIFEXITED(wait_status)) {
    status.exited = true;
    status.code = WEXITSTATUS(wait_status);
  } else if (WIFSIGNALED(wait_status)) {
    status.signal = WTERMSIG(wait_status);
  }
  return status;
}

LocalProcess::LocalProcess(int pid, std::unique_ptr<OutputCapture> capture,
                           std::vector<std::string> logs)
    : pid_(pid), capture_(std::move(capture)), logs_(std::move(logs)) {}

LocalProcess::~LocalProcess() {
  stop(Duration::zero());
  capture_->finish();
}

void LocalProcess::signal(int sig) {
  // After the reap the group was swept; its id is no longer ours to signal.
  if (status_) return;
  ::kill(-pid_, sig);
}

bool LocalProcess::reap(int flags) {
  if (status_) return true;
  int wait_status = 0;
  pid_t reaped;
  do {
    reaped = ::waitpid(pid_, &wait_status, flags);
  } while (reaped < 0 && errno == EINTR);
  if (reaped == 0) return false;
  if (reaped == pid_) {
    status_ = exit_status_from_wait(wait_status);
    // Stragglers: members of the group that outlived the leader. While any
    // member lives the group id cannot be reused, so this reaches only ours.
    ::kill(-pid_, SIGKILL);
    return true;
  }
  // ECHILD: something else reaped it (SIGCHLD ignored, or a waitpid(-1)
  // elsewhere), so its status is lost. The group id is still ours only while
  // members remain, so sweep only then.
  status_ = ExitStatus{false, 0, 0};
  if (!process_group_members(pid_).empty()) ::kill(-pid_, SIGKILL);
  return true;
}

std::optional<ExitStatus> LocalProcess::poll() {
  reap(WNOHANG);
  return status_;
}

ExitStatus LocalProcess::stop(Duration grace) {
  if (stopped_) return *status_;
  if (!reap(WNOHANG)) {
    ::kill(-pid_, SIGTERM);
    const TimePoint until = Clock::now() + grace;
    while (!reap(WNOHANG)) {
      const TimePoint now = Clock::now();
      if (now >= until) break;
      std::this_thread::sleep_for(std::min<Duration>(kStopPollInterval, until - now));
    }
  }
  if (!status_) {
    ::kill(-pid_, SIGKILL);
    const TimePoint until = Clock::now() + kKillReapLimit;
    while (!reap(WNOHANG) && Clock::now() < until) std::this_thread::sleep_for(1ms);
    // Still not reaped: report the kill rather than wait without bound.
    if (!status_) status_ = ExitStatus{false, 0, SIGKILL};
  }
  stopped_ = true;
  // The logs are complete once stop() returns.
  capture_->finish();
  return *status_;
}

std::optional<std::string> LocalProcess::wait_for_stdout_line(const Regex& re, TimePoint deadline) {
  std::size_t next = 0;
  std::optional<TimePoint> exited_at;
  for (;;) {
    TimePoint slice_end = std::min(deadline, Clock::now() + kWaitSlice);
    auto scan = capture_->scan_stdout(re, &next, slice_end);
    if (scan.line) return scan.line;
    if (scan.stdout_ended) {
      // No line can come any more. The pipe ends a moment before the exit
      // can be reaped; wait that moment so a caller's poll() sees the exit.
      const TimePoint until = std::min(deadline, Clock::now() + kExitDrain);
      while (!poll() && Clock::now() < until) std::this_thread::sleep_for(1ms);
      return std::nullopt;
    }
    const TimePoint now = Clock::now();
    if (now >= deadline) return std::nullopt;
    if (!exited_at && poll()) exited_at = now;
    // Exited, but a grandchild may hold stdout open: give up after the drain.
    if (exited_at && now - *exited_at >= kExitDrain) return std::nullopt;
  }
}

std::string LocalProcess::stderr_tail(std::size_t max_lines) {
  return capture_->stderr_tail(max_lines);
}

}  // namespace drover
