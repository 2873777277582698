// One load thread's share of a fleet's arrivals, started by the driver in
// batches instead of one client session each. In the open models the load
// run picks an idle client for each due arrival and add()s it; in the closed
// model (clients sharing connections) a client is added again when its
// pacer says, usually as soon as done() freed it. flush() puts what
// was added on the wire (before the load thread waits for anything), and
// the batch calls done(client) once that client's operation is recorded,
// from the load thread (within add, flush, poll or its own handlers), so the
// client can take the next arrival.
//
// Not thread-safe: lives on one io_context thread, which it must outlive.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include "harness/core/clock.hpp"

namespace drover {

// A batch looks at its deadlines no more often than this, so a timeout is
// noticed up to this late, in exchange for about one wake-up per timeout
// period.
inline constexpr auto kBatchDeadlineSlack = std::chrono::milliseconds(1);

class ArrivalBatch {
 public:
  using Done = std::function<void(std::uint32_t client)>;
  virtual ~ArrivalBatch() = default;
  // Client (an index among the batch's clients, not busy) starts operation
  // seq, whose latency counts from intended.
  virtual void add(std::uint32_t client, std::uint64_t seq, TimePoint intended) = 0;
  virtual void flush() = 0;
  // Takes in the replies that have already arrived, so their clients are
  // free again before a start is counted as missed.
  virtual void poll() = 0;
  // Stops reading and watching deadlines, once no operation is outstanding.
  virtual void close() = 0;
};
using ArrivalBatchPtr = std::unique_ptr<ArrivalBatch>;

}  // namespace drover
