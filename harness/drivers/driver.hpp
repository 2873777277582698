// The seam between a fleet and a protocol. A Driver knows one wire protocol
// and nothing of pacing; a ClientSession is one client's connection to the
// target and performs one operation at a time.
//
// Thread-safety: a Driver is shared by the fleet's threads and immutable
// after construction. A ClientSession lives on one io_context thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "harness/core/asio.hpp"
#include "harness/core/outcome.hpp"
#include "harness/scenario/scenario.hpp"

namespace drover {

class ClientSession {
 public:
  virtual ~ClientSession() = default;
  // Performs the client's seq-th operation: sends, waits for the reply (at
  // most the operation's timeout) and judges it. Network errors are outcomes,
  // never exceptions.
  virtual asio::awaitable<Outcome> perform(std::uint64_t seq) = 0;
  // Replies that arrived after their operation had timed out, since the
  // last call.
  virtual std::uint64_t take_late_replies() = 0;
  // Closes the connection and stops the session's timers, so its coroutines
  // finish. The session must outlive its io_context's run().
  virtual void close() = 0;
};
using ClientSessionPtr = std::unique_ptr<ClientSession>;

class Driver {
 public:
  virtual ~Driver() = default;
  // The operations this driver reports, one recorder slot each.
  virtual const std::vector<std::string>& op_names() const = 0;
  virtual ClientSessionPtr open(asio::io_context& io, std::uint64_t client_id) = 0;
};
using DriverPtr = std::unique_ptr<Driver>;

// A driver for the fleet's op against a target at address ("host:port").
// Throws std::invalid_argument when the address cannot be resolved.
DriverPtr make_driver(const FleetSpec& fleet, Protocol protocol, const std::string& address);

}  // namespace drover
