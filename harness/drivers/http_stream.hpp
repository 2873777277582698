// The byte stream an HTTP client speaks over: plain TCP here, TLS in
// http_tls_stream.hpp (a stream that handshakes in connect()). Errors are values, never
// exceptions; a call in flight fails (operation_aborted) once close() is
// called, which is how a Deadline ends it.
//
// Not thread-safe: one client coroutine on one io_context.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "harness/core/asio.hpp"
#include "harness/core/clock.hpp"

namespace drover {

class HttpStream {
 public:
  struct Result {
    boost::system::error_code ec;
    std::size_t bytes = 0;
  };

  // A new connection: the TCP connect's error, then, over TLS, how the
  // handshake went (tls_error empty when it succeeded).
  struct Connected {
    boost::system::error_code ec;
    bool handshook = false;  // a TLS handshake was tried
    bool resumed = false;    // it resumed a session
    Duration handshake_time{};
    std::string tls_error;
  };

  virtual ~HttpStream() = default;
  // Opens a new connection (closing any open one first). Over TLS a
  // failed handshake leaves the stream closed.
  virtual asio::awaitable<Connected> connect(const asio::ip::tcp::endpoint& target) = 0;
  virtual asio::awaitable<Result> write(std::string_view bytes) = 0;
  virtual asio::awaitable<Result> read_some(asio::mutable_buffer into) = 0;
  virtual void close() = 0;
  virtual bool is_open() const = 0;
};
using HttpStreamPtr = std::unique_ptr<HttpStream>;
// Makes the streams of a fleet's clients, one per connection owner, on the
// io_context of the client's load thread. Called from every load thread.
using HttpStreamMaker = std::function<HttpStreamPtr(asio::io_context&)>;

// Plain TCP, with Nagle's delay off (a request goes out in one write).
HttpStreamPtr make_tcp_http_stream(asio::io_context& io);

}  // namespace drover
