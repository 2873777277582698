// What one HTTP request leaves behind for its failure example, and the
// pieces every http client shares: how long it waits, how much it reads at
// once, and how a broken stream is classed. Used by a client with its own
// connection (http_driver.cpp) and by clients sharing a pool
// (http_pool.hpp).
//
// Pure data and functions, thread-safe.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include <boost/beast/core/flat_buffer.hpp>

#include "harness/core/asio.hpp"
#include "harness/core/clock.hpp"
#include "harness/core/outcome.hpp"
#include "harness/core/shown_bytes.hpp"
#include "harness/drivers/failure_rule.hpp"
#include "harness/drivers/http_reply.hpp"
#include "harness/drivers/http_stream.hpp"

namespace drover {

// After a failed connect a client waits this long before its next attempt,
// so a dead target is not hammered by a busy loop of refused connects.
inline constexpr auto kHttpReconnectPause = std::chrono::milliseconds(10);
inline constexpr std::size_t kHttpReadChunk = 16 * 1024;
// What of a reply's raw bytes a failure example may show.
inline constexpr std::size_t kHttpRawKept = 4 * kShownBytesLimit;

// How one exchange ended, beyond its outcome: for the failure example.
struct HttpExchange {
  std::string wire;      // the request as sent
  std::string raw;       // the reply's first bytes as received
  HttpReply reply;       // when a whole reply came
  std::string error;     // what error_text() or the parser said
  std::string rule;      // the expectation's, for a wrong reply
  bool replied = false;  // a whole reply came
  // Shared connections: the timeout came while waiting for a free one.
  bool waited = false;
  // Shared connections: why a request failed with another one sent before
  // it on the same connection (empty: it failed on its own account).
  std::string behind;

  // For the next exchange, keeping the strings' capacity: the request is
  // rendered into wire and the reply read into reply (its fields reused).
  void reset() {
    raw.clear();
    error.clear();
    rule.clear();
    replied = false;
    waited = false;
    behind.clear();
  }
};

// How long a request may take, and how its reply is read.
struct HttpLimits {
  Duration timeout;          // from sending to the whole reply
  Duration connect_timeout;  // connecting
  std::size_t max_body;
  bool head;  // a HEAD's response has no body
};

// The class of a stream's failure: timeout when the deadline ended it,
// reset when the server closed or reset it, io_error otherwise.
inline Outcome http_stream_failure(const boost::system::error_code& ec, bool timed_out) {
  if (timed_out) return Outcome::kTimeout;
  if (ec == asio::error::eof || ec == asio::error::connection_reset ||
      ec == asio::error::broken_pipe)
    return Outcome::kReset;
  return Outcome::kIoError;
}

// The class of a connect that failed: connect_timeout when the deadline
// ended it, connect_error when TCP failed, tls_error when the handshake did.
inline Outcome http_connect_failure(const HttpStream::Connected& r, bool expired) {
  return expired ? Outcome::kConnectTimeout : r.ec ? Outcome::kConnectError : Outcome::kTlsError;
}

// What the failure example says of it (nothing more for a timeout).
inline std::string http_connect_error(const HttpStream::Connected& r, bool expired) {
  return expired ? std::string() : r.ec ? error_text(r.ec) : r.tls_error;
}

// Appends the last n bytes committed to buffer to raw, while it has room.
inline void keep_raw_reply(std::string& raw, const boost::beast::flat_buffer& buffer,
                           std::size_t n) {
  if (n == 0 || raw.size() >= kHttpRawKept) return;
  auto data = buffer.data();
  std::string_view all(static_cast<const char*>(data.data()), data.size());
  std::string_view fresh = all.substr(all.size() - std::min(n, all.size()));
  raw.append(fresh.substr(0, kHttpRawKept - raw.size()));
}

}  // namespace drover
