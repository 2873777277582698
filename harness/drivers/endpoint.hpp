// A target's "host:port" as the drivers need it: an IP address and a port.
// No name lookups: load goes to literal addresses ("localhost" is loopback).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "harness/core/asio.hpp"

namespace drover {

struct Endpoint {
  asio::ip::address address;
  std::uint16_t port = 0;
};

std::optional<Endpoint> resolve_endpoint(std::string_view host_port);

}  // namespace drover
