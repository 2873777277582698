// Datagrams: each client has its own connected UDP socket, sends one
// rendered payload per operation and waits for the reply. Replies are matched
// to requests, so a reply that comes after its operation timed out is counted
// as late, not taken as the answer to the next request.
#pragma once

#include "harness/drivers/driver.hpp"
#include "harness/drivers/endpoint.hpp"

namespace drover {

DriverPtr make_udp_driver(const OpSpec& op, const Endpoint& target);

}  // namespace drover
