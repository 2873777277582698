// TCP: each client keeps one connection open across operations (connecting
// on first use and again after an error or a timeout), sends the rendered
// payload and reads one reply, framed as a line or as exactly as many bytes
// as were sent. In the open models, when the expectation identifies its
// request (echo, upper, equals), a load thread's clients are served together
// by one epoll set, without a coroutine per client, and may share
// connections, pipelined (clients_per_connection; tcp_arrivals.hpp); the
// outcomes are counted the same way.
#pragma once

#include "harness/drivers/driver.hpp"
#include "harness/drivers/endpoint.hpp"

namespace drover {

// data: the run's data files, which the op's templates may name.
DriverPtr make_tcp_driver(const OpSpec& op, const Endpoint& target, const DataCatalog& data);

}  // namespace drover
