#include "harness/run/remote_targets.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <random>
#include <set>

#include <fmt/format.h>

#include "harness/remote/ssh_host.hpp"

namespace drover {
namespace {

namespace fs = std::filesystem;

}  // namespace

std::vector<std::string> secret_variables(const Scenario& scenario) {
  std::vector<std::string> names;
  auto add = [&](const std::string& name) {
    if (!name.empty() && std::find(names.begin(), names.end(), name) == names.end()) {
      names.push_back(name);
    }
  };
  for (const RemoteHostSpec& host : scenario.hosts) {
    add(host.password_env);
    add(host.passphrase_env);
    if (host.agent) add("SSH_AUTH_SOCK");
  }
  return names;
}

SshHostSpec ssh_spec(const RemoteHostSpec& host) {
  SshHostSpec spec;
  spec.name = host.name;
  spec.address = host.address;
  spec.port = host.port;
  spec.user = host.user;
  spec.auth.key_file = host.key_file;
  spec.auth.passphrase_env = host.passphrase_env;
  spec.auth.passphrase_file = host.passphrase_file;
  spec.auth.password_env = host.password_env;
  spec.auth.password_file = host.password_file;
  spec.auth.agent = host.agent;
  spec.known_hosts = host.known_hosts;
  spec.host_key_policy =
      host.accept_new_host_key ? HostKeyPolicy::accept_new : HostKeyPolicy::strict;
  spec.connect_timeout = host.connect_timeout;
  return spec;
}

namespace {

// /tmp/drover-run-<local run folder's name>-<12 random hex digits>: one
// per host and run, so two runs (or two drovers) on one host never share a
// folder, and an operator on the host can tell which run a folder is.
std::string fresh_run_dir(const std::string& local_run_dir) {
  std::string name = "/tmp/drover-run-";
  std::string run = fs::path(local_run_dir).lexically_normal().filename().string();
  if (run.empty())
    run = fs::path(local_run_dir).lexically_normal().parent_path().filename().string();
  for (char c : run.substr(0, 48)) {
    bool plain = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    name += plain ? c : '_';
  }
  std::random_device random;
  std::uniform_int_distribution<int> digit(0, 15);
  name += '-';
  for (int i = 0; i < 12; ++i) name += "0123456789abcdef"[digit(random)];
  return name;
}

}  // namespace

struct RemoteTargets::Connected {
  HostPtr host;
  TargetPlacement placement;
  std::string run_dir;
};

RemoteTargets::RemoteTargets(Notify notify) : notify_(std::move(notify)) {}
RemoteTargets::~RemoteTargets() = default;

void RemoteTargets::connect(const Scenario& scenario, const std::string& run_dir,
                            const std::string& targets_dir) {
  auto connect_host = [&](const std::string& name, const std::string& user) {
    const RemoteHostSpec* declared = scenario.find_host(name);
    if (declared == nullptr) throw HostError(fmt::format("{}: no host named \"{}\"", user, name));
    auto& connected = hosts_[name];
    if (connected) return;
    auto fresh = std::make_unique<Connected>();
    fresh->run_dir = fresh_run_dir(run_dir);
    SshHostOptions options;
    options.run_dir = fresh->run_dir;
    options.notify = notify_;
    fresh->host = make_ssh_host(ssh_spec(*declared), std::move(options));
    fresh->placement = TargetPlacement{fresh->host.get(), declared->address, fresh->run_dir};
    connected = std::move(fresh);
  };
  for (const TargetSpec& target : scenario.targets) {
    if (target.host.empty() || target.source == TargetSpec::Source::kAddress) continue;
    connect_host(target.host, fmt::format("target \"{}\"", target.name));
  }
  for (const FleetSpec& fleet : scenario.fleets) {
    for (const std::string& name : fleet.hosts)
      connect_host(name, fmt::format("fleet \"{}\"", fleet.name));
  }
  // Each host gets each reference executable its targets need, once.
  std::set<std::pair<std::string, std::string>> uploaded;  // (host, kind)
  for (const TargetSpec& target : scenario.targets) {
    if (target.host.empty() || target.source != TargetSpec::Source::kReference) continue;
    if (!uploaded.insert({target.host, target.kind}).second) continue;
    const fs::path executable = fs::path(targets_dir) / target.kind;
    std::error_code ec;
    if (!fs::is_regular_file(executable, ec)) {
      throw HostError(
          fmt::format("target \"{}\": reference target executable not found at {} "
                      "(build drover, or set DROVER_TARGETS_DIR)",
                      target.name, executable.string()));
    }
    Connected& on = *hosts_.at(target.host);
    on.host->copy_to(executable.string(), on.run_dir + "/" + target.kind);
  }
}

const TargetPlacement* RemoteTargets::placement(const TargetSpec& target) const {
  if (target.host.empty()) return nullptr;
  auto it = hosts_.find(target.host);
  return it == hosts_.end() ? nullptr : &it->second->placement;
}

TargetSpec RemoteTargets::as_started(const TargetSpec& target) const {
  TargetSpec copy = target;
  const TargetPlacement* on = placement(target);
  if (on == nullptr) return copy;
  copy.cwd = on->targets_dir + "/work/" + target.name;
  // Bound to the address the host is declared with, the one drover and
  // the fleets reach it at: not every interface of the host.
  if (target.source == TargetSpec::Source::kReference) {
    copy.argv.insert(copy.argv.begin(), {"--host", on->address});
  }
  return copy;
}

Host* RemoteTargets::host(const std::string& name) const {
  auto it = hosts_.find(name);
  return it == hosts_.end() ? nullptr : it->second->host.get();
}

std::string RemoteTargets::run_dir(const std::string& name) const {
  auto it = hosts_.find(name);
  return it == hosts_.end() ? std::string() : it->second->run_dir;
}

}  // namespace drover
