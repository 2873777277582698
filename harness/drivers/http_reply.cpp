#include "harness/drivers/http_reply.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

#include <boost/beast/http/error.hpp>

namespace drover {

namespace http = boost::beast::http;

namespace {

bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Sets to to bytes, reusing its capacity: clear() and append() skip the
// overlap handling assign() does, a tenth of a reply's parsing cost.
void set(std::string& to, boost::beast::string_view bytes) {
  to.clear();
  to.append(bytes.data(), bytes.size());
}

}  // namespace

const std::string* HttpReply::header(std::string_view name) const {
  for (const auto& [n, v] : headers)
    if (same_name(n, name)) return &v;
  return nullptr;
}

std::string HttpReply::text() const {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\n";
  for (const auto& [n, v] : headers) out.append(n).append(": ").append(v).append("\r\n");
  return out.append("\r\n").append(body);
}

HttpReplyReader::Parser::Parser(std::size_t max_body, bool head)
    : max_body_(max_body), head_(head) {
  header_limit(static_cast<std::uint32_t>(kMaxHeaderBytes));
  // Beast 1.74 checks a Content-Length against it (none would refuse every
  // one: its check compares with an optional); append() bounds the rest.
  body_limit(max_body);
  eager(true);
  skip(head);
}

void HttpReplyReader::Parser::on_request_impl(http::verb, boost::beast::string_view,
                                              boost::beast::string_view, int,
                                              boost::system::error_code& ec) {
  ec = http::error::bad_version;  // never called: this parser reads responses
}

void HttpReplyReader::Parser::on_response_impl(int code, boost::beast::string_view reason, int,
                                               boost::system::error_code&) {
  into->status = code;
  set(into->reason, reason);
  into->body.clear();
  fields_ = 0;
}

// Reuses the strings of the last reply read into *into: most replies of one
// op carry the same headers, so reading one allocates little.
void HttpReplyReader::Parser::on_field_impl(http::field, boost::beast::string_view name,
                                            boost::beast::string_view value,
                                            boost::system::error_code&) {
  if (fields_ == into->headers.size()) into->headers.emplace_back();
  set(into->headers[fields_].first, name);
  set(into->headers[fields_].second, value);
  ++fields_;
}

void HttpReplyReader::Parser::on_header_impl(boost::system::error_code&) {
  into->headers.resize(fields_);
}

void HttpReplyReader::Parser::on_body_init_impl(const boost::optional<std::uint64_t>& length,
                                                boost::system::error_code& ec) {
  // A HEAD's response announces a length it does not send.
  if (!head_ && length && *length > max_body_) ec = http::error::body_limit;
}

std::size_t HttpReplyReader::Parser::on_body_impl(boost::beast::string_view body,
                                                  boost::system::error_code& ec) {
  return append(body, ec);
}

std::size_t HttpReplyReader::Parser::on_chunk_body_impl(std::uint64_t,
                                                        boost::beast::string_view body,
                                                        boost::system::error_code& ec) {
  return append(body, ec);
}

std::size_t HttpReplyReader::Parser::append(boost::beast::string_view bytes,
                                            boost::system::error_code& ec) {
  if (into->body.size() + bytes.size() > max_body_) {
    ec = http::error::body_limit;
    return 0;
  }
  into->body.append(bytes.data(), bytes.size());
  return bytes.size();
}

void HttpReplyReader::start(std::size_t max_body, bool head) {
  parser_.emplace(max_body, head);
  max_body_ = max_body;
  head_ = head;
  started_ = false;
  error_.clear();
}

HttpReplyReader::Status HttpReplyReader::feed(boost::beast::flat_buffer& buffer, HttpReply& reply) {
  for (;;) {
    Status status = feed_message(buffer, reply);
    // An interim response (100 Continue, 103 Early Hints) comes before the
    // one that answers the request: it is read and passed over.
    bool interim = reply.status >= 100 && reply.status < 200 && reply.status != 101;
    if (status != Status::kDone || !interim) return status;
    start(max_body_, head_);
    started_ = true;
  }
}

HttpReplyReader::Status HttpReplyReader::feed_message(boost::beast::flat_buffer& buffer,
                                                      HttpReply& reply) {
  parser_->into = &reply;
  while (buffer.size() > 0 && !parser_->is_done()) {
    started_ = true;
    boost::system::error_code ec;
    std::size_t used = parser_->put(buffer.data(), ec);
    buffer.consume(used);
    if (ec == http::error::need_more) break;
    if (ec) return failed(ec);
    if (used == 0) break;
  }
  return parser_->is_done() ? finish(reply) : Status::kNeedMore;
}

HttpReplyReader::Status HttpReplyReader::end_of_stream(HttpReply& reply) {
  if (!started_ || !parser_->is_header_done() || !parser_->need_eof()) return Status::kNeedMore;
  parser_->into = &reply;
  boost::system::error_code ec;
  parser_->put_eof(ec);
  if (ec) return failed(ec);
  return finish(reply);
}

HttpReplyReader::Status HttpReplyReader::finish(HttpReply& reply) {
  reply.keep_alive = parser_->keep_alive() && !parser_->need_eof();
  return Status::kDone;
}

HttpReplyReader::Status HttpReplyReader::failed(const boost::system::error_code& ec) {
  error_ = ec.message();
  if (ec == http::error::body_limit) error_ = "the body is longer than max_body";
  if (ec == http::error::header_limit) error_ = "the status line and headers pass 64 KiB";
  if (ec == http::error::body_limit || ec == http::error::header_limit) return Status::kTooLarge;
  return Status::kMalformed;
}

HttpReplyReader::Status read_http_reply(std::string_view bytes, std::size_t max_body,
                                        HttpReply& reply) {
  HttpReplyReader reader;
  reader.start(max_body, false);
  boost::beast::flat_buffer buffer;
  auto space = buffer.prepare(bytes.size());
  if (!bytes.empty()) std::memcpy(space.data(), bytes.data(), bytes.size());
  buffer.commit(bytes.size());
  HttpReplyReader::Status status = reader.feed(buffer, reply);
  if (status != HttpReplyReader::Status::kNeedMore) return status;
  return reader.end_of_stream(reply);
}

}  // namespace drover
