// The text side of a partition: the name of the nftables table that holds
// one (it says which drover process owns it, so leftovers of a drover that
// was killed can be told from tables of one still running), the rules that
// go into it, and reading what `nft` and `ip` print. No system calls here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace drover {

// A drover process, told apart from a later process that got the same pid
// by its start time (field 22 of /proc/PID/stat, clock ticks since boot).
struct TableOwner {
  int pid = 0;
  std::uint64_t start_ticks = 0;
  bool operator==(const TableOwner&) const = default;
};

// "drover_<pid>_<start ticks>_<serial>"; serial tells apart the partitions
// of one run.
std::string partition_table_name(const TableOwner& owner, std::uint64_t serial);
// The owner a table name records; nullopt for a table drover did not make.
std::optional<TableOwner> partition_table_owner(std::string_view table);

struct PartitionRules {
  std::string table;
  // Never cut: drover's SSH connection to the host, which supervises and
  // stops its targets (TCP, this port on the host).
  int control_port = 22;
  // Only traffic with these addresses is dropped; empty: all but the
  // control connection and the host's loopback.
  std::vector<std::string> peers;
};

// The tools a partition runs, by absolute path, where Debian 12's iproute2
// and nftables install them: drover runs them as root, so never whichever
// `ip` or `nft` comes first in PATH.
inline constexpr const char* kIpTool = "/sbin/ip";
inline constexpr const char* kNftTool = "/usr/sbin/nft";

// `nft args...` run inside the network namespace netns:
// {"/sbin/ip", "netns", "exec", netns, "/usr/sbin/nft", args...}.
std::vector<std::string> nft_in_netns(const std::string& netns, std::vector<std::string> args);
// `ip -n netns -o addr show`: the addresses of netns's interfaces.
std::vector<std::string> netns_addresses_command(const std::string& netns);

// An `nft -f` script that creates the table, its input and output chains
// and their rules in one transaction.
std::string partition_script(const PartitionRules& rules);

// The inet tables in `nft list tables` output.
std::vector<std::string> inet_tables(std::string_view listing);
// The start time in a /proc/PID/stat line; nullopt when it is malformed.
std::optional<std::uint64_t> start_ticks_from_stat(std::string_view stat);
// The addresses (without prefix length) in `ip -o addr show` output.
std::vector<std::string> addresses_in_listing(std::string_view listing);
// Whether two literal IPv4 or IPv6 addresses are the same ("::1", "0::1").
bool same_address(const std::string& a, const std::string& b);

}  // namespace drover
