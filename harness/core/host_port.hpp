// "host:port" as scenarios and READY lines write addresses.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace drover {

struct HostPort {
  std::string host;  // without brackets: "::1", "127.0.0.1", "localhost"
  int port = 0;      // 1..65535
};

// "127.0.0.1:8080", "localhost:80", "[::1]:9000". nullopt when the port is
// missing or out of range, or an IPv6 address lacks its brackets.
std::optional<HostPort> parse_host_port(std::string_view address);

}  // namespace drover
