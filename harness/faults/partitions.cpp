#include "harness/faults/partitions.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "harness/core/expected.hpp"
#include "harness/process/host.hpp"

namespace drover {
namespace {

namespace fs = std::filesystem;

constexpr auto kCommandTimeout = std::chrono::seconds(10);
constexpr std::size_t kMaxToolOutput = 1 << 20;
// Where `ip netns add` keeps its namespaces.
constexpr const char* kNetnsDir = "/run/netns";

// The system tools a partition drives (ip, nft), run here to their end.
struct ToolResult {
  bool ok = false;
  std::string output;  // stdout, then stderr
  std::string how;     // "exited with status 1", "timed out", ...
};

ToolResult run(const std::vector<std::string>& argv) {
  ToolResult r;
  try {
    CommandOutput out =
        make_local_host()->run(argv, "", Clock::now() + kCommandTimeout, kMaxToolOutput);
    r.ok = out.succeeded();
    r.output = out.out + out.err;
    r.how = out.describe();
  } catch (const HostError& e) {
    r.how = e.what();
  }
  return r;
}

// "ip netns exec NS nft -f FILE" as one line for messages: each argument
// quoted only when it needs it.
std::string command_line(const std::vector<std::string>& argv) {
  std::string line;
  for (const std::string& a : argv) {
    if (!line.empty()) line += ' ';
    bool plain = !a.empty() && a.find_first_not_of(
                                   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                   "0123456789-_./:=@,+") == std::string::npos;
    line += plain ? a : "'" + a + "'";
  }
  return line;
}

std::string failure(const std::vector<std::string>& argv, const ToolResult& r) {
  std::string output = r.output;
  while (!output.empty() && (output.back() == '\n' || output.back() == ' ')) output.pop_back();
  return fmt::format("`{}` {}{}", command_line(argv), r.how, output.empty() ? "" : ": " + output);
}

// Runs an nft script in netns: nft reads it from a file of its own.
ToolResult run_nft_script(const std::string& netns, const std::string& script) {
  char path[] = "/tmp/drover-nft-XXXXXX";
  int fd = ::mkstemp(path);
  if (fd < 0)
    return {false, "", fmt::format("cannot write an nft script: {}", std::strerror(errno))};
  bool written = ::write(fd, script.data(), script.size()) == static_cast<ssize_t>(script.size());
  ::close(fd);
  ToolResult r = written ? run(nft_in_netns(netns, {"-f", path}))
                         : ToolResult{false, "", "cannot write an nft script"};
  ::unlink(path);
  return r;
}

std::optional<std::uint64_t> start_ticks_of(int pid) {
  std::ifstream in(fmt::format("/proc/{}/stat", pid));
  std::string stat;
  if (!std::getline(in, stat)) return std::nullopt;
  return start_ticks_from_stat(stat);
}

// Whether the drover that made a table still runs: its pid is there and
// started when the table says.
bool still_running(const TableOwner& owner) {
  std::optional<std::uint64_t> ticks = start_ticks_of(owner.pid);
  return ticks && *ticks == owner.start_ticks;
}

bool tools_installed() {
  return ::access(kNftTool, X_OK) == 0 && ::access(kIpTool, X_OK) == 0;
}

// "a, b", or instead when there is nothing to list.
std::string comma_list(const std::vector<std::string>& names, const char* instead) {
  return names.empty() ? std::string(instead) : fmt::format("{}", fmt::join(names, ", "));
}

// The namespace whose interfaces hold the host's address, or why none was
// found (with the namespaces that could not be asked).
Expected<std::string> netns_owning(const RemoteHostSpec& host) {
  std::string problems;
  const std::vector<std::string> namespaces = network_namespaces();
  for (const std::string& netns : namespaces) {
    const std::vector<std::string> argv = netns_addresses_command(netns);
    ToolResult r = run(argv);
    if (!r.ok) {
      problems += "; " + failure(argv, r);
      continue;
    }
    for (const std::string& a : addresses_in_listing(r.output)) {
      if (same_address(a, host.address)) return netns;
    }
  }
  return unexpected(fmt::format(
      "host \"{}\" ({}) is not in a network namespace of this machine (namespaces in {}: {}){}",
      host.name, host.address, kNetnsDir, comma_list(namespaces, "none"), problems));
}

std::vector<std::string> delete_table(const std::string& netns, const std::string& table) {
  return nft_in_netns(netns, {"delete", "table", "inet", table});
}

}  // namespace

TableOwner this_drover() {
  int pid = static_cast<int>(::getpid());
  return TableOwner{pid, start_ticks_of(pid).value_or(0)};
}

std::vector<std::string> network_namespaces() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(kNetnsDir, ec)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> remove_leftover_partitions() {
  std::vector<std::string> lines;
  if (::geteuid() != 0 || !tools_installed()) return lines;
  for (const std::string& netns : network_namespaces()) {
    ToolResult listed = run(nft_in_netns(netns, {"list", "tables"}));
    if (!listed.ok) continue;  // a namespace being deleted, or not ours to read
    for (const std::string& table : inet_tables(listed.output)) {
      std::optional<TableOwner> owner = partition_table_owner(table);
      if (!owner || still_running(*owner)) continue;
      std::vector<std::string> argv = delete_table(netns, table);
      ToolResult deleted = run(argv);
      lines.push_back(deleted.ok ? fmt::format("removed partition table {} in network namespace "
                                               "{}, left by drover pid {}, no longer running",
                                               table, netns, owner->pid)
                                 : failure(argv, deleted));
    }
  }
  return lines;
}

Partitions::Partitions(const Scenario& scenario) : owner_(this_drover()) {
  for (std::size_t i = 0; i < scenario.faults.size(); ++i) {
    const FaultSpec& f = scenario.faults[i];
    if (f.action == FaultSpec::Action::kPartition) plans_.emplace(i, plan(scenario, f));
  }
}

Partitions::Plan Partitions::plan(const Scenario& scenario, const FaultSpec& f) {
  const std::string where = fmt::format("{} (partition of target \"{}\")", f.at_pointer, f.target);
  if (::geteuid() != 0) {
    throw PartitionError(fmt::format(
        "{}: a partition installs nftables rules in a network namespace, which needs root", where));
  }
  if (!tools_installed()) {
    throw PartitionError(fmt::format(
        "{}: a partition runs {} and {}, which are not both there (Debian: apt-get install "
        "nftables iproute2)",
        where, kNftTool, kIpTool));
  }
  const TargetSpec* target = scenario.find_target(f.target);
  const RemoteHostSpec* host = target ? scenario.find_host(target->host) : nullptr;
  if (host == nullptr) {
    throw PartitionError(fmt::format("{}: the target runs on no declared host", where));
  }
  Expected<std::string> netns = netns_owning(*host);
  if (!netns) throw PartitionError(fmt::format("{}: {}", where, netns.error()));
  Plan plan;
  plan.netns = *netns;
  plan.rules.control_port = host->port;
  for (const std::string& name : f.partition_from) {
    const RemoteHostSpec* peer = scenario.find_host(name);
    if (peer == nullptr || peer->address == "localhost") {
      throw PartitionError(
          fmt::format("{}: \"from\" names host \"{}\", which has no literal address", where, name));
    }
    plan.rules.peers.push_back(peer->address);
  }
  plan.what = fmt::format("host {} ({}, netns {}) cut off from {}; ssh port {} kept", host->name,
                          host->address, plan.netns, comma_list(f.partition_from, "everything"),
                          host->port);
  return plan;
}

Partitions::~Partitions() {
  std::vector<std::size_t> left;
  for (const auto& [fault, table] : cut_) left.push_back(fault);
  for (std::size_t fault : left) {
    try {
      heal(fault);
    } catch (const std::exception&) {
      // The next run as root removes it (remove_leftover_partitions).
    }
  }
}

std::string Partitions::cut(std::size_t fault) {
  auto it = plans_.find(fault);
  if (it == plans_.end()) throw PartitionError("no partition planned for this fault");
  if (cut_.count(fault)) heal(fault);  // a repeated partition never stacks
  Plan& plan = it->second;
  plan.rules.table = partition_table_name(owner_, serial_++);
  // Registered first: a drover ending at any moment from here on removes
  // the table, once the nft that makes it is done.
  std::vector<std::string> undo = delete_table(plan.netns, plan.rules.table);
  InForce in_force{plan.rules.table, ExitCleanup([undo, making = making_] {
                     std::lock_guard done(*making);
                     run(undo);
                   })};
  ToolResult r;
  {
    std::lock_guard making(*making_);
    r = run_nft_script(plan.netns, partition_script(plan.rules));
  }
  if (!r.ok) throw PartitionError(failure(nft_in_netns(plan.netns, {"-f", "<script>"}), r));
  cut_[fault] = std::move(in_force);
  return fmt::format("{}: nftables table {}", plan.what, plan.rules.table);
}

void Partitions::heal(std::size_t fault) {
  auto it = cut_.find(fault);
  if (it == cut_.end()) return;
  std::vector<std::string> argv = delete_table(plans_.at(fault).netns, it->second.table);
  ToolResult r = run(argv);
  cut_.erase(it);  // and its removal at exit with it: one that failed now would fail then
  if (!r.ok) throw PartitionError(failure(argv, r));
}

}  // namespace drover
