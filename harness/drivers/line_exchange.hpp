// One request and its reply line in the line protocols of the reference
// workloads (tickets, queue, pool), recorded as an operation: ok as
// ClientLog::op() records it, a failure with its example (what was sent,
// what a right reply is, what came back or why nothing did).
//
// Thread-safety: as the ClientLog it records into (one load thread).
#pragma once

#include <string_view>

#include "harness/core/clock.hpp"
#include "harness/core/outcome.hpp"
#include "harness/drivers/client_log.hpp"

namespace drover {

struct LineExchange {
  std::string_view sent;      // the request line, without its '\n'
  std::string_view expected;  // a right reply, in words: "OK <serial> or SOLDOUT"
  std::string_view received;  // the reply line, when one came
  std::string_view error;     // why the connection failed, when it did
  Duration timeout{};         // the op's, for a timeout's rule
};

void record_exchange(ClientLog& log, std::size_t op_index, Outcome outcome, TimePoint started,
                     const LineExchange& exchange);

}  // namespace drover
