// The seam between a fleet and a protocol. A Driver knows one wire protocol
// and one workload and nothing of pacing; a ClientSession is one client's
// connection to the target and runs one iteration at a time (an echo, a
// SEARCH then a BUY, a GET then a DONE, a few SUBMITs), recording each
// operation's outcome and latency, and for correctness workloads each
// operation's history events.
//
// Thread-safety: a Driver is shared by the fleet's threads and immutable
// after construction. A ClientSession lives on one io_context thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "harness/core/asio.hpp"
#include "harness/drivers/arrival_batch.hpp"
#include "harness/drivers/client_log.hpp"
#include "harness/drivers/http_stream.hpp"
#include "harness/drivers/queue_producers.hpp"
#include "harness/scenario/scenario.hpp"

namespace drover {

class ClientSession {
 public:
  virtual ~ClientSession() = default;
  // One iteration, started at (or after) its intended start, from which the
  // first operation's latency is measured. Network errors are recorded
  // outcomes, never exceptions.
  virtual asio::awaitable<void> iterate(std::uint64_t seq, TimePoint intended_start) = 0;
  // A draining session (a queue consumer) goes on after the load's end
  // until it has emptied what it consumes; drained() says when.
  virtual bool drains() const { return false; }
  virtual bool drained() const { return true; }
  // Closes the connection and stops the session's timers, so its coroutines
  // finish. The session must outlive its io_context's run().
  virtual void close() = 0;
};
using ClientSessionPtr = std::unique_ptr<ClientSession>;

class Driver {
 public:
  virtual ~Driver() = default;
  // The operations this driver reports, one recorder slot each, in order.
  virtual const std::vector<std::string>& op_names() const = 0;
  // Whether its operations go into the run's history (correctness workloads).
  virtual bool records_history() const { return false; }
  virtual ClientSessionPtr open(asio::io_context& io, ClientLog log) = 0;
  // The arrivals of one load thread's share of the fleet, served by these
  // clients together (see ArrivalBatch), or null when the driver cannot
  // batch them and each client runs its own session. Asked in the open
  // models, and in the closed one for clients that share connections.
  virtual ArrivalBatchPtr open_batch(asio::io_context& /*io*/, std::vector<ClientLog> /*clients*/,
                                     ArrivalBatch::Done /*done*/) {
    return nullptr;
  }
};
using DriverPtr = std::unique_ptr<Driver>;

// A driver for the fleet's op against a target speaking protocol at address
// ("host:port"). producers: the target's, shared by every fleet on it (only
// queue workloads use them). data: the run's data files, which the op's
// templates may name (none on an agent: fleets on hosts use none).
// http_streams: how an http fleet connects (http_stream.hpp; empty: plain
// TCP); the run passes TLS streams for an HTTPS target. Throws
// std::invalid_argument when the address cannot be used.
DriverPtr make_driver(const FleetSpec& fleet, Protocol protocol, const std::string& address,
                      QueueProducers& producers, const DataCatalog& data = {},
                      HttpStreamMaker http_streams = {});

}  // namespace drover
