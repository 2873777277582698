// Reads one HTTP/1.1 response from a connection's bytes, incrementally:
// Beast's response parser, bounded by max_body (a bigger body, or a
// header section over kMaxHeaderBytes, is kTooLarge) and framed as the
// response says (Content-Length, chunked, or the end of the connection).
// Bytes that are not a response are kMalformed, with the parser's reason.
// Pure: no I/O, so the fuzz target runs the very path the driver does.
//
// Not thread-safe: one per connection.
#pragma once

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace drover {

// The largest header section read (status line and headers).
inline constexpr std::size_t kMaxHeaderBytes = 64 * 1024;

// A response as the expectation and failure examples read it.
struct HttpReply {
  int status = 0;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> headers;  // in order, as sent
  std::string body;
  bool keep_alive = true;  // the connection may carry another request

  // The value of the first header of that name (any case), or nullptr.
  const std::string* header(std::string_view name) const;
  // Status line, headers and body as a report shows them.
  std::string text() const;
};

class HttpReplyReader {
 public:
  enum class Status { kNeedMore, kDone, kMalformed, kTooLarge };

  // Starts reading a new response. head: the request was a HEAD (its
  // response has no body).
  void start(std::size_t max_body, bool head);
  // Feeds the bytes in buffer (consuming what the parser took); kDone
  // fills reply. Interim responses (1xx but 101) are passed over.
  Status feed(boost::beast::flat_buffer& buffer, HttpReply& reply);
  // The peer closed the connection: kDone when the response ends there
  // (a body that runs to the close), kNeedMore when it was cut short.
  Status end_of_stream(HttpReply& reply);
  // Whether any byte of the current response came.
  bool started() const { return started_; }
  // Why the last kMalformed or kTooLarge.
  const std::string& error() const { return error_; }

 private:
  Status feed_message(boost::beast::flat_buffer& buffer, HttpReply& reply);
  Status finish(HttpReply& reply);
  Status failed(const boost::system::error_code& ec);
  bool past_max_body() const;

  std::optional<boost::beast::http::response_parser<boost::beast::http::string_body>> parser_;
  std::size_t max_body_ = 0;
  bool head_ = false;
  bool started_ = false;
  std::string error_;
};

// Runs bytes through a reader as one response, then the end of the
// stream: what the fuzz target and the unit tests call.
HttpReplyReader::Status read_http_reply(std::string_view bytes, std::size_t max_body,
                                        HttpReply& reply);

}  // namespace drover
