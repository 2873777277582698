// Datagrams: one rendered payload per operation, and its reply. In the open
// models, when the expectation identifies its request (echo, upper, equals),
// a load thread's clients share one socket and send and read in batches
// (udp_arrivals.hpp); otherwise, and in the closed model, each client has its
// own connected UDP socket and waits for its reply. Either way replies are
// matched to requests, so a reply that comes after its operation timed out is
// counted as late, not taken as the answer to another request.
#pragma once

#include "harness/drivers/driver.hpp"
#include "harness/drivers/endpoint.hpp"

namespace drover {

// data: the run's data files, which the op's templates may name.
DriverPtr make_udp_driver(const OpSpec& op, const Endpoint& target, const DataCatalog& data);

}  // namespace drover
