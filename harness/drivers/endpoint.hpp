// "host:port" as scenarios write it (IPv4 literal, "localhost" or "[IPv6]")
// into an address and port. No name lookups: load goes to literal addresses.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "harness/core/asio.hpp"

namespace drover {

struct HostPort {
  asio::ip::address address;
  std::uint16_t port = 0;
};

std::optional<HostPort> parse_host_port(std::string_view text);

}  // namespace drover
