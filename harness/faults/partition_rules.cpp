#include "harness/faults/partition_rules.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>
#include <sstream>

#include <fmt/format.h>

namespace drover {
namespace {

constexpr std::string_view kTablePrefix = "drover_";

template <class T>
std::optional<T> number(std::string_view text) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

bool is_v6(const std::string& address) {
  return address.find(':') != std::string::npos;
}

std::string address_set(const std::vector<std::string>& peers, bool v6) {
  std::string set;
  for (const std::string& p : peers) {
    if (is_v6(p) != v6) continue;
    set += (set.empty() ? "" : ", ") + p;
  }
  return set;
}

}  // namespace

std::string partition_table_name(const TableOwner& owner, std::uint64_t serial) {
  return fmt::format("{}{}_{}_{}", kTablePrefix, owner.pid, owner.start_ticks, serial);
}

std::optional<TableOwner> partition_table_owner(std::string_view table) {
  if (!table.starts_with(kTablePrefix)) return std::nullopt;
  table.remove_prefix(kTablePrefix.size());
  std::vector<std::string_view> parts;
  for (std::size_t from = 0;;) {
    std::size_t to = table.find('_', from);
    parts.push_back(table.substr(from, to == std::string_view::npos ? to : to - from));
    if (to == std::string_view::npos) break;
    from = to + 1;
  }
  if (parts.size() != 3 || !number<std::uint64_t>(parts[2])) return std::nullopt;
  auto pid = number<int>(parts[0]);
  auto ticks = number<std::uint64_t>(parts[1]);
  if (!pid || *pid <= 0 || !ticks) return std::nullopt;
  return TableOwner{*pid, *ticks};
}

std::string partition_script(const PartitionRules& rules) {
  // Priority -200: before any filter of the host's own (0), so its accept
  // rules cannot let the partitioned traffic through.
  std::string in_rules, out_rules;
  auto both = [&](const std::string& in, const std::string& out) {
    in_rules += "    " + in + "\n";
    out_rules += "    " + out + "\n";
  };
  both("iifname \"lo\" accept", "oifname \"lo\" accept");
  both(fmt::format("tcp dport {} accept", rules.control_port),
       fmt::format("tcp sport {} accept", rules.control_port));
  // IPv6 needs neighbour discovery for the control connection to keep
  // working (what ARP is to IPv4, which inet tables do not see).
  both("icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept",
       "icmpv6 type { nd-neighbor-solicit, nd-neighbor-advert } accept");
  if (rules.peers.empty()) {
    both("drop", "drop");
  } else {
    for (bool v6 : {false, true}) {
      std::string set = address_set(rules.peers, v6);
      if (set.empty()) continue;
      const char* family = v6 ? "ip6" : "ip";
      both(fmt::format("{} saddr {{ {} }} drop", family, set),
           fmt::format("{} daddr {{ {} }} drop", family, set));
    }
  }
  return fmt::format(
      "table inet {0} {{\n"
      "  chain input {{\n"
      "    type filter hook input priority -200; policy accept;\n"
      "{1}"
      "  }}\n"
      "  chain output {{\n"
      "    type filter hook output priority -200; policy accept;\n"
      "{2}"
      "  }}\n"
      "}}\n",
      rules.table, in_rules, out_rules);
}

std::vector<std::string> inet_tables(std::string_view listing) {
  std::vector<std::string> tables;
  std::istringstream in{std::string(listing)};
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string table, family, name;
    if (words >> table >> family >> name && table == "table" && family == "inet")
      tables.push_back(name);
  }
  return tables;
}

std::optional<std::uint64_t> start_ticks_from_stat(std::string_view stat) {
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so
  // fields are counted from the last ')'. starttime is field 22; state is 3.
  std::size_t paren = stat.rfind(')');
  if (paren == std::string_view::npos) return std::nullopt;
  std::istringstream fields{std::string(stat.substr(paren + 1))};
  std::string field;
  for (int i = 3; i <= 22; ++i) {
    if (!(fields >> field)) return std::nullopt;
  }
  return number<std::uint64_t>(field);
}

std::vector<std::string> addresses_in_listing(std::string_view listing) {
  std::vector<std::string> addresses;
  std::istringstream in{std::string(listing)};
  for (std::string word, previous; in >> word; previous = word) {
    if (previous != "inet" && previous != "inet6") continue;
    addresses.push_back(word.substr(0, word.find('/')));
  }
  return addresses;
}

bool same_address(const std::string& a, const std::string& b) {
  unsigned char x[16] = {}, y[16] = {};
  int family = is_v6(a) ? AF_INET6 : AF_INET;
  if (is_v6(b) != (family == AF_INET6)) return false;
  if (inet_pton(family, a.c_str(), x) != 1 || inet_pton(family, b.c_str(), y) != 1) return false;
  return std::memcmp(x, y, sizeof x) == 0;
}

std::vector<std::string> nft_in_netns(const std::string& netns, std::vector<std::string> args) {
  args.insert(args.begin(), {kIpTool, "netns", "exec", netns, kNftTool});
  return args;
}

std::vector<std::string> netns_addresses_command(const std::string& netns) {
  return {kIpTool, "-n", netns, "-o", "addr", "show"};
}

}  // namespace drover
