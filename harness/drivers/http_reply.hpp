// Reads one HTTP/1.1 response from a connection's bytes, incrementally:
// Beast's response parser (its basic_parser, whose callbacks write the
// status, headers and body straight into the HttpReply, reusing its
// strings: no allocation per reply once they have grown), bounded by max_body (a bigger body, or a
// header section over kMaxHeaderBytes, is kTooLarge) and framed as the
// response says (Content-Length, chunked, or the end of the connection).
// Bytes that are not a response are kMalformed, with the parser's reason.
// Pure: no I/O, so the fuzz target runs the very path the driver does.
//
// Not thread-safe: one per connection.
#pragma once

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <cstddef>
#include <cstdint>
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
  // Beast's parser with callbacks that write into the reply being read.
  class Parser final : public boost::beast::http::basic_parser<false> {
   public:
    Parser(std::size_t max_body, bool head);
    HttpReply* into = nullptr;  // set before each put()

   private:
    void on_request_impl(boost::beast::http::verb, boost::beast::string_view,
                         boost::beast::string_view, int, boost::system::error_code& ec) override;
    void on_response_impl(int code, boost::beast::string_view reason, int,
                          boost::system::error_code&) override;
    void on_field_impl(boost::beast::http::field, boost::beast::string_view name,
                       boost::beast::string_view value, boost::system::error_code&) override;
    void on_header_impl(boost::system::error_code&) override;
    void on_body_init_impl(const boost::optional<std::uint64_t>& length,
                           boost::system::error_code& ec) override;
    std::size_t on_body_impl(boost::beast::string_view body,
                             boost::system::error_code& ec) override;
    void on_chunk_header_impl(std::uint64_t, boost::beast::string_view,
                              boost::system::error_code&) override {}
    std::size_t on_chunk_body_impl(std::uint64_t, boost::beast::string_view body,
                                   boost::system::error_code& ec) override;
    void on_finish_impl(boost::system::error_code&) override {}
    std::size_t append(boost::beast::string_view bytes, boost::system::error_code& ec);

    std::size_t max_body_;
    bool head_;
    std::size_t fields_ = 0;
  };

  Status feed_message(boost::beast::flat_buffer& buffer, HttpReply& reply);
  Status finish(HttpReply& reply);
  Status failed(const boost::system::error_code& ec);

  std::optional<Parser> parser_;
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
