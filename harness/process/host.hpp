// Where drover runs a process: this machine or an SSH host (harness/remote).
// The runner starts targets through a Host and never asks which kind it has.
#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "harness/core/clock.hpp"
#include "harness/core/regex.hpp"

namespace drover {

// A host could not do what was asked (start, copy). The message names the
// program or file and the reason; the runner turns it into exit code 3.
class HostError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ProcessSpec {
  std::string name;               // names the logs: <log_dir>/<name>.stdout.log
  std::vector<std::string> argv;  // argv[0] without '/' is searched in PATH
  std::vector<std::pair<std::string, std::string>> env;  // added to drover's own
  std::string cwd;                                       // empty: drover's working directory
  std::string log_dir;                                   // stdout and stderr are captured here
};

struct ExitStatus {
  bool exited = false;  // true: code is valid; false: killed by signal
  int code = 0;
  int signal = 0;
  std::string describe() const;  // "exited with status 1", "killed by signal 9 (Killed)"
};

// How a command run to completion by Host::run() ended, and what it printed.
struct CommandOutput {
  // nullopt: the host could not tell (an SSH server that sent no status).
  std::optional<ExitStatus> status;
  std::string out;         // stdout, up to the limit asked for
  std::string err;         // stderr, likewise
  bool truncated = false;  // some output past the limit was read and dropped

  bool succeeded() const { return status && status->exited && status->code == 0; }
  std::string describe() const {
    return status ? status->describe() : "ended without an exit status";
  }
};

// A started process and its process group. Not thread-safe: one owner.
// Destroying it stops the whole group (SIGKILL) if it still runs.
class Process {
 public:
  virtual ~Process() = default;
  virtual int pid() const = 0;
  // Sends sig to the process group, so forked children get it too.
  virtual void signal(int sig) = 0;
  // nullopt while running; reaps the process once it has exited.
  virtual std::optional<ExitStatus> poll() = 0;
  // SIGTERM to the group, SIGKILL after grace, then SIGKILL to any member of
  // the group still alive. Idempotent: returns the first exit status seen.
  virtual ExitStatus stop(Duration grace) = 0;
  // Waits for a stdout line matching re (whole-line regex_search). nullopt if
  // the process exits or the deadline passes first.
  virtual std::optional<std::string> wait_for_stdout_line(const Regex& re, TimePoint deadline) = 0;
  // Complete stdout lines printed since the last call (or the last line
  // wait_for_stdout_line() returned), for a process that reports as it
  // goes. A host that cannot tell returns none.
  virtual std::vector<std::string> new_stdout_lines() { return {}; }
  // The last lines of stderr, for error messages.
  virtual std::string stderr_tail(std::size_t max_lines) = 0;
  // Paths of the captured stdout and stderr logs.
  virtual std::vector<std::string> log_files() const = 0;
};
using ProcessPtr = std::unique_ptr<Process>;

class Host {
 public:
  virtual ~Host() = default;
  virtual std::string name() const = 0;
  // Starts a process in its own process group, with its output captured and
  // set to die with drover. Throws HostError when it cannot be started.
  virtual ProcessPtr start(const ProcessSpec& spec) = 0;
  // Runs argv to its end with nothing on stdin and returns its status and
  // up to max_output bytes of each stream (the rest is read and dropped, so
  // the command never blocks on a full pipe). argv[0] without '/' is
  // searched in PATH; cwd empty: the host's default folder (drover's own
  // here, the login folder over SSH). Arguments reach the program as they
  // are, never through shell syntax. Throws HostError when it cannot be
  // run, or when the deadline passes (after killing its process group).
  virtual CommandOutput run(const std::vector<std::string>& argv, const std::string& cwd,
                            TimePoint deadline, std::size_t max_output) = 0;
  virtual void copy_to(const std::string& local_path, const std::string& host_path) = 0;
  virtual void copy_from(const std::string& host_path, const std::string& local_path) = 0;
  // Children of pid that have exited but were not reaped.
  virtual std::vector<int> zombie_children(int pid) = 0;
  // Children of pid still running (a forking server's workers), for the
  // nemesis's kill_worker. A host that cannot tell lists none.
  virtual std::vector<int> running_children(int pid) {
    (void)pid;
    return {};
  }
  // Sends sig to the one process pid, not its group. false when it is gone
  // (or the host cannot).
  virtual bool signal_one(int pid, int sig) {
    (void)pid;
    (void)sig;
    return false;
  }
};
using HostPtr = std::unique_ptr<Host>;

// This machine. What it starts gets drover's own environment but for the
// variables withheld names (the secrets drover read: a password's
// variable, SSH_AUTH_SOCK), plus what a ProcessSpec adds.
HostPtr make_local_host(std::vector<std::string> withheld = {});

}  // namespace drover
