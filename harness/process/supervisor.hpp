// Starts a scenario's targets on a Host, waits until each is ready, watches
// them during the run and stops them all at the end: SIGTERM, then SIGKILL
// after the target's grace. Not thread-safe: the runner's main thread owns it.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/core/run_result.hpp"
#include "harness/process/host.hpp"
#include "harness/scenario/scenario.hpp"

namespace drover {

// A target would not start or never became ready. what() names the target
// and the reason, with the tail of its stderr when there is one.
class TargetStartError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct SupervisorOptions {
  std::string run_dir;      // logs go to <run_dir>/logs
  std::string targets_dir;  // where reference target executables are
  // Added to every started process's environment, so a test (or a user) can
  // find every process a run started: DROVER_RUN_DIR=<run_dir>.
  std::vector<std::pair<std::string, std::string>> env;
  // Where warnings go (a remote target's log that stays behind, a target
  // that could not be stopped); never to stderr. Called on the owner's thread.
  Notify notify{};
};

// Where a target runs when that is not the supervisor's own host (an SSH
// host): its logs are fetched into <run_dir>/logs once it stopped.
struct TargetPlacement {
  Host* host = nullptr;
  // How this machine reaches the host: it replaces the host part of the
  // target's addresses, the one its READY line gives ("<address>:PORT") too.
  std::string address;
  std::string targets_dir;  // where the reference executables are on the host
};

class TargetSupervisor {
 public:
  TargetSupervisor(Host& host, SupervisorOptions options);
  ~TargetSupervisor();  // stop_all()

  // Starts the target (kReference, kCommand) or just records its address
  // (kAddress), and returns once it is ready. Throws TargetStartError.
  // placement: on another host (kept by the caller while this lives).
  void start(const TargetSpec& spec, const TargetPlacement* placement = nullptr);

  // "host:port" fleets use for this target (learnt from a READY line,
  // {port} substituted, or as given).
  const std::string& address_of(const std::string& name) const;
  int pid_of(const std::string& name) const;  // 0 if drover did not start it

  // Names of targets that exited since the last call (each reported once).
  std::vector<std::string> poll_exits();
  std::vector<int> zombie_children(const std::string& name);

  // Stops every started target; idempotent.
  void stop_all();

  // For the nemesis (harness/faults): sig to the target's process group.
  void signal(const std::string& name, int sig);
  // SIGKILL to one running child of the target (a forking server's worker):
  // its pid, or 0 when it has none.
  int kill_one_child(const std::string& name);
  // The target's next exit is deliberate: poll_exits() does not report it,
  // and it is not an exit during the run.
  void expect_exit(const std::string& name);
  // Starts a target that has exited again, on the same address (a reference
  // target gets --port, and extra_args when not already there), logging to
  // logs/<name>.restartN.*, and waits until it is ready. Throws
  // TargetStartError.
  void restart(const std::string& name, const std::vector<std::string>& extra_args = {});
  int restarts(const std::string& name);

  // One entry per target, in start order, for the run result.
  std::vector<TargetResult> results() const;

 private:
  struct Running;
  Running& find(const std::string& name);
  // Starts t's process from its process spec; then waits until it is
  // ready, stopping it if it never is. Both throw TargetStartError.
  void start_process(Running& t);
  void await_ready(Running& t);
  void fetch_logs(Running& t);
  Host& host_;
  SupervisorOptions options_;
  std::vector<std::unique_ptr<Running>> running_;
};

// A command target's folder of the run folder (work/NAME), what "{dir}"
// stands for; and text with "{dir}" replaced by it.
std::filesystem::path target_folder(const std::string& run_dir, const std::string& target);
std::string with_target_folder(std::string text, const std::string& run_dir,
                               const std::string& target);

// Picks a free loopback port for the protocol (binds port 0, reads it, closes).
int pick_free_port(Protocol protocol);

// Readiness probes, each polling until the deadline. true once ready.
bool wait_udp_bound(const std::string& address, TimePoint deadline);
bool wait_tcp_accepts(const std::string& address, TimePoint deadline);

}  // namespace drover
