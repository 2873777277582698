// The byte stream an HTTP client speaks over: plain TCP here, TLS later
// (a stream that handshakes in connect()). Errors are values, never
// exceptions; a call in flight fails (operation_aborted) once close() is
// called, which is how a Deadline ends it.
//
// Not thread-safe: one client coroutine on one io_context.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "harness/core/asio.hpp"

namespace drover {

class HttpStream {
 public:
  struct Result {
    boost::system::error_code ec;
    std::size_t bytes = 0;
  };

  virtual ~HttpStream() = default;
  // Opens a new connection (closing any open one first).
  virtual asio::awaitable<Result> connect(const asio::ip::tcp::endpoint& target) = 0;
  virtual asio::awaitable<Result> write(std::string_view bytes) = 0;
  virtual asio::awaitable<Result> read_some(asio::mutable_buffer into) = 0;
  virtual void close() = 0;
  virtual bool is_open() const = 0;
};
using HttpStreamPtr = std::unique_ptr<HttpStream>;

// Plain TCP, with Nagle's delay off (a request goes out in one write).
HttpStreamPtr make_tcp_http_stream(asio::io_context& io);

}  // namespace drover
