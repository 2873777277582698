// The SSH hosts a scenario places targets and fleets on, connected for one
// run. Each host gets a folder of its own for the run
// (/tmp/drover-run-<run>-<random>), holding the reference executables its
// targets need, their work folders and their logs (and the agents of
// remote_fleets.hpp); the folder goes when this does, also after a failed
// run.
//
// Not thread-safe: the runner's main thread owns it (SSH sessions belong to
// one thread). It must outlive the TargetSupervisor that starts targets
// through its placements.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "harness/core/notice.hpp"
#include "harness/process/supervisor.hpp"
#include "harness/scenario/scenario.hpp"

namespace drover {

struct SshHostSpec;

// How to reach a scenario's host: the SSH layer's form of it.
SshHostSpec ssh_spec(const RemoteHostSpec& host);

// The variables of drover's environment that hold the secrets its hosts'
// logins read (a password_env, a passphrase_env, SSH_AUTH_SOCK for agent
// logins), each once: what it starts on this machine never gets them.
std::vector<std::string> secret_variables(const Scenario& scenario);

class RemoteTargets {
 public:
  // notify: where the hosts' warnings go (an unknown host key accepted).
  explicit RemoteTargets(Notify notify = {});
  ~RemoteTargets();
  RemoteTargets(const RemoteTargets&) = delete;
  RemoteTargets& operator=(const RemoteTargets&) = delete;

  // Connects to every host a target or fleet of the scenario names (host key check,
  // authentication), makes its run folder there (named after run_dir, the
  // local one) and uploads the reference executables from targets_dir
  // (size and sha256 checked). Throws HostError naming the host; hosts
  // connected before the failure are cleaned up by the destructor.
  void connect(const Scenario& scenario, const std::string& run_dir,
               const std::string& targets_dir);

  // Where the target runs; nullptr: on this machine.
  const TargetPlacement* placement(const TargetSpec& target) const;

  // The target as it starts on its host: in <host run folder>/work/<name>,
  // and a reference target listening on the address the host is declared
  // with (the one the fleets here reach it at), not on every interface.
  TargetSpec as_started(const TargetSpec& target) const;

  // A connected host by its declared name, and its folder for the run;
  // nullptr when it is not connected.
  Host* host(const std::string& name) const;
  std::string run_dir(const std::string& name) const;

 private:
  struct Connected;
  Notify notify_;
  std::map<std::string, std::unique_ptr<Connected>> hosts_;  // by host name
};

}  // namespace drover
