// The SSH hosts ci/netns-hosts started, as its env file describes them
// ($DROVER_SSH_ENV, default /tmp/drover-netns/env): addresses, the test
// user, its keys and password file, a known_hosts file for the hosts.
#pragma once

#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness/remote/shell_quote.hpp"
#include "harness/remote/ssh_commands.hpp"
#include "harness/remote/ssh_connection.hpp"
#include "harness/remote/ssh_files.hpp"
#include "harness/remote/ssh_target.hpp"

namespace drover::test_ssh {

struct SshHosts {
  std::string env_file;
  std::map<std::string, std::string> vars;
  std::vector<std::string> addresses;
  int port = 22;

  std::string var(const std::string& key) const {
    auto it = vars.find(key);
    return it == vars.end() ? std::string() : it->second;
  }
  bool netns() const { return var("DROVER_SSH_MODE") == "netns"; }
  // Why a test that needs the hosts in network namespaces skips.
  std::string no_netns_message(const std::string& what) const {
    return what + " needs the SSH test hosts in network namespaces, but " + env_file +
           " describes one sshd on loopback: ci/netns-hosts could not use namespaces (" +
           var("DROVER_SSH_NETNS_UNAVAILABLE") + ")";
  }
  std::string user() const { return var("DROVER_SSH_USER"); }
  std::string known_hosts() const { return var("DROVER_SSH_KNOWN_HOSTS"); }

  // Host i (wrapping around when there is only one), strict known_hosts,
  // no authentication chosen yet.
  SshHostSpec spec(std::size_t i) const {
    SshHostSpec s;
    s.address = addresses.at(i % addresses.size());
    s.name = "h" + std::to_string(i % addresses.size() + 1);
    s.port = port;
    s.user = user();
    s.known_hosts = known_hosts();
    s.connect_timeout = std::chrono::seconds(5);
    s.login_timeout = std::chrono::seconds(10);
    return s;
  }
  SshHostSpec with_key(std::size_t i, const std::string& key_var = "DROVER_SSH_KEY_ED25519") const {
    SshHostSpec s = spec(i);
    s.auth.key_file = var(key_var);
    return s;
  }
  // Host i as a scenario declares it (a member of "hosts"): the test user
  // with its ed25519 key, and the known_hosts file of the test hosts.
  nlohmann::json scenario_host(std::size_t i) const {
    return {{"address", addresses.at(i)},
            {"port", port},
            {"user", user()},
            {"auth", {{"key_file", var("DROVER_SSH_KEY_ED25519")}}},
            {"known_hosts", known_hosts()}};
  }
};

// A connection to one host with its commands and files, for a test's own
// look at the host; exec and exec_shell are SshCommands'.
struct HostSession {
  explicit HostSession(SshHostSpec spec, Notify notify = {})
      : connection(std::move(spec), std::move(notify)),
        commands(connection),
        files(connection, commands) {}

  CommandResult exec(const std::vector<std::string>& argv, TimePoint deadline) {
    return commands.exec(argv, deadline);
  }
  CommandResult exec_shell(const std::string& text, TimePoint deadline) {
    return commands.exec_shell(text, deadline);
  }

  SshConnection connection;
  SshCommands commands;
  SshFiles files;
};

inline std::string env_file_path() {
  const char* env = std::getenv("DROVER_SSH_ENV");
  return env != nullptr && *env != '\0' ? env : "/tmp/drover-netns/env";
}

// Why an SSH test skips: the hosts ci/netns-hosts starts are not up.
inline std::string missing_hosts_message() {
  return "no SSH test hosts (" + env_file_path() +
         " is missing): run `ci/netns-hosts up` as root first (ci/test does)";
}

// nullopt when there is no env file (ci/netns-hosts up has not run).
inline std::optional<SshHosts> load_ssh_hosts() {
  SshHosts hosts;
  hosts.env_file = env_file_path();
  std::ifstream in(hosts.env_file);
  if (!in) return std::nullopt;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto eq = line.find('=');
    if (eq != std::string::npos) hosts.vars[line.substr(0, eq)] = line.substr(eq + 1);
  }
  std::istringstream addresses(hosts.var("DROVER_SSH_ADDRESSES"));
  for (std::string a; addresses >> a;) hosts.addresses.push_back(a);
  if (hosts.addresses.empty()) return std::nullopt;
  hosts.port = std::atoi(hosts.var("DROVER_SSH_PORT").c_str());
  return hosts;
}

// A run folder's name for the running test: the test's name and this
// process's pid, so that its folders on the hosts (named after it) are told
// apart from those of tests running at the same time.
inline std::string run_folder_name() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return std::string(info->name()).substr(0, 30) + "-" + std::to_string(::getpid());
}

// What a run (its local folder run_dir) left on a host. The namespace hosts
// share this machine's /tmp and /proc, so one host's view covers them all.
// Its folders there: /tmp/drover-run-<run folder name>-<random>.
inline std::string run_folders_on(HostSession& session, const std::string& run_dir) {
  std::string name = run_dir.substr(run_dir.find_last_of('/') + 1);
  return session
      .exec_shell("ls -d /tmp/drover-run-" + shell_quote(name) + "-* 2>/dev/null; true",
                  Clock::now() + std::chrono::seconds(10))
      .out;
}

// Its processes there: each carries DROVER_RUN_DIR=<run_dir>, as local ones do.
inline std::string run_processes_on(HostSession& session, const std::string& run_dir) {
  return session
      .exec_shell(fmt::format("grep -lsz {} /proc/[0-9]*/environ; true",
                              shell_quote("^DROVER_RUN_DIR=" + run_dir + "$")),
                  Clock::now() + std::chrono::seconds(10))
      .out;
}

}  // namespace drover::test_ssh
