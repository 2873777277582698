// Drivers for the correctness workloads, each speaking one of the line
// protocols of targets/README.md and recording a Jepsen-style history:
// buyers against a ticket service, producers and consumers against a queue,
// submitters against a worker pool.
#pragma once

#include "harness/drivers/driver.hpp"
#include "harness/drivers/endpoint.hpp"

namespace drover {

DriverPtr make_tickets_driver(const OpSpec& op, const Endpoint& target);
DriverPtr make_queue_driver(const OpSpec& op, const Endpoint& target, QueueProducers& producers);
DriverPtr make_pool_driver(const OpSpec& op, const Endpoint& target);

// Splits "WORD rest" into the first word and the rest.
std::pair<std::string_view, std::string_view> split_word(std::string_view line);
// A whole decimal integer, or nullopt.
std::optional<std::int64_t> parse_int(std::string_view text);

}  // namespace drover
