// TCP: each client keeps one connection open across operations (connecting
// on first use and again after an error or a timeout), sends the rendered
// payload and reads one reply, framed as a line or as exactly as many bytes
// as were sent. In the open models, when the expectation identifies its
// request (echo, upper, equals), a load thread's clients are served together
// by one epoll set, without a coroutine per client, and may share
// connections, pipelined (clients_per_connection; tcp_arrivals.hpp); so are
// the closed model's clients that share connections. The outcomes are
// counted the same way. A mix of ops runs a session per
// client in every model.
#pragma once

#include "harness/drivers/driver.hpp"
#include "harness/drivers/endpoint.hpp"

namespace drover {

// One op, or a mix whose ops each iteration draws by weight (op_mix.hpp);
// each op records to its own slot, named after it. data: the run's data
// files, which the ops' templates may name.
DriverPtr make_tcp_driver(const std::vector<OpSpec>& ops, const Endpoint& target,
                          const DataCatalog& data);

}  // namespace drover
