// The processes a test started, found through /proc: every process of a
// drover run carries DROVER_RUN_DIR=<run folder> (so do its children), and
// the tests mark what they start themselves with an environment entry of
// their own. That is how a test proves that nothing it started outlives
// it, and how it finds the process it means among several.
//
// Every call reads /proc afresh (processes come and go meanwhile).
// Thread-safe: no shared state.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "harness/process/proc_table.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/files.hpp"

namespace drover::test {

// Every process still running for the run in run_dir once they have had
// up to `grace` to go away: empty when the run left nothing behind.
inline std::vector<int> leftover_processes(
    const std::filesystem::path& run_dir,
    std::chrono::milliseconds grace = std::chrono::milliseconds(2000)) {
  std::vector<int> pids;
  eventually(
      [&] { return (pids = processes_with_env("DROVER_RUN_DIR", run_dir.string())).empty(); },
      grace);
  return pids;
}

// The run's process running `executable` that no other process of the run
// started: the target itself, not one of the children it forks (a
// ticket_db's BUY processes, a tcp_fork_echo's connections), which carry
// DROVER_RUN_DIR too. 0 while there is none.
inline int run_target(const std::filesystem::path& run_dir, const std::string& executable) {
  const std::vector<int> run = processes_with_env("DROVER_RUN_DIR", run_dir.string());
  for (int pid : run) {
    auto entry = read_proc_entry(pid);
    if (entry && entry->comm == executable &&
        std::find(run.begin(), run.end(), entry->ppid) == run.end())
      return pid;
  }
  return 0;
}

// run_target, once it exists (within timeout); 0 if it never does.
inline int wait_for_run_target(const std::filesystem::path& run_dir, const std::string& executable,
                               std::chrono::milliseconds timeout) {
  int pid = 0;
  eventually([&] { return (pid = run_target(run_dir, executable)) != 0; }, timeout);
  return pid;
}

// Pids of this machine's processes whose command line contains text: for
// processes started without an environment of the test's choosing.
inline std::vector<int> processes_with_arg(const std::string& text) {
  std::vector<int> found;
  for (const ProcEntry& entry : list_processes()) {
    const std::string cmdline = read_file("/proc/" + std::to_string(entry.pid) + "/cmdline");
    if (cmdline.find(text) != std::string::npos) found.push_back(entry.pid);
  }
  return found;
}

// When destroyed, SIGKILLs every process that carries the environment
// entry var=value (this process aside), and reaps those that are this
// process's children: a test leaves none behind, pass or fail.
class StrayProcessGuard {
 public:
  StrayProcessGuard(std::string var, std::string value)
      : var_(std::move(var)), value_(std::move(value)) {}
  ~StrayProcessGuard() {
    std::vector<int> pids = processes_with_env(var_, value_);
    std::erase(pids, ::getpid());
    for (int pid : pids) ::kill(pid, SIGKILL);
    for (int pid : pids) {
      // ECHILD at once for those that are not this process's children.
      eventually([pid] { return ::waitpid(pid, nullptr, WNOHANG) != 0; },
                 std::chrono::milliseconds(1000));
    }
  }
  StrayProcessGuard(const StrayProcessGuard&) = delete;
  StrayProcessGuard& operator=(const StrayProcessGuard&) = delete;

  const std::string& value() const { return value_; }

 private:
  std::string var_, value_;
};

}  // namespace drover::test
