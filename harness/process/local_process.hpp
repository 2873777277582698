// A process started on this machine by LocalHost, managed through its pid
// with waitpid() and kill() (Boost.Process only forks it: its wait_for is
// unreliable in 1.74). The process leads its own process group, so signals
// and stop() reach everything it forked.
//
// Promises: once the leader is reaped the group is swept with SIGKILL at
// once, because after that the group id may be reused by an unrelated
// process as soon as the group empties and must never be signalled again.
// Not thread-safe: one owner (the capture's reader thread is internal).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/process/host.hpp"
#include "harness/process/output_capture.hpp"

namespace drover {

// An ExitStatus from a waitpid() status word.
ExitStatus exit_status_from_wait(int wait_status);

class LocalProcess final : public Process {
 public:
  LocalProcess(int pid, std::unique_ptr<OutputCapture> capture, std::vector<std::string> logs);
  ~LocalProcess() override;  // stop(0) if still running, then joins the reader

  int pid() const override { return pid_; }
  void signal(int sig) override;
  std::optional<ExitStatus> poll() override;
  ExitStatus stop(Duration grace) override;
  std::optional<std::string> wait_for_stdout_line(const Regex& re, TimePoint deadline) override;
  std::string stderr_tail(std::size_t max_lines) override;
  std::vector<std::string> log_files() const override { return logs_; }

 private:
  bool reap(int flags);  // true once the leader is reaped

  int pid_;
  std::optional<ExitStatus> status_;
  bool stopped_ = false;
  std::unique_ptr<OutputCapture> capture_;
  std::vector<std::string> logs_;
};

}  // namespace drover
