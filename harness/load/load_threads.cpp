#include "harness/load/load_threads.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <string>

#include "harness/core/host_port.hpp"

namespace drover {

std::size_t default_load_threads(std::size_t cores, std::size_t local_targets) {
  const std::size_t known = std::max<std::size_t>(cores, 1);
  return known > local_targets ? known - local_targets : 1;
}

bool is_loopback_host(std::string_view host) {
  if (host == "localhost") return true;
  const std::string text(host);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return inet_pton(AF_INET6, text.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

std::size_t local_targets(const Scenario& scenario, std::string_view host) {
  return static_cast<std::size_t>(
      std::count_if(scenario.targets.begin(), scenario.targets.end(), [&](const TargetSpec& t) {
        if (t.source != TargetSpec::Source::kAddress) return t.host == host;
        if (!host.empty()) return false;
        const std::optional<HostPort> address = parse_host_port(t.address);
        return address && is_loopback_host(address->host);
      }));
}

}  // namespace drover
