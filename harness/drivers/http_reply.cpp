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

void HttpReplyReader::start(std::size_t max_body, bool head) {
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(kMaxHeaderBytes));
  parser_->body_limit(max_body);
  max_body_ = max_body;
  head_ = head;
  parser_->eager(true);
  parser_->skip(head);
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
  while (buffer.size() > 0 && !parser_->is_done()) {
    started_ = true;
    boost::system::error_code ec;
    std::size_t used = parser_->put(buffer.data(), ec);
    buffer.consume(used);
    if (ec == http::error::need_more) break;
    if (ec) return failed(ec);
    // Boost 1.74's parser lets a body past its body_limit through (its
    // check compares with an optional): the bound is kept here.
    if (past_max_body()) {
      error_ = "the body is longer than max_body";
      return Status::kTooLarge;
    }
    if (used == 0) break;
  }
  return parser_->is_done() ? finish(reply) : Status::kNeedMore;
}

bool HttpReplyReader::past_max_body() const {
  if (!parser_->is_header_done()) return false;
  auto length = parser_->content_length();
  // A HEAD's response announces a length it does not send.
  return (length && *length > max_body_ && !parser_->is_done()) ||
         parser_->get().body().size() > max_body_;
}

HttpReplyReader::Status HttpReplyReader::end_of_stream(HttpReply& reply) {
  if (!started_ || !parser_->is_header_done() || !parser_->need_eof()) return Status::kNeedMore;
  boost::system::error_code ec;
  parser_->put_eof(ec);
  if (ec) return failed(ec);
  return finish(reply);
}

HttpReplyReader::Status HttpReplyReader::finish(HttpReply& reply) {
  auto& message = parser_->get();
  reply.status = static_cast<int>(message.result_int());
  auto reason = message.reason();
  reply.reason.assign(reason.data(), reason.size());
  // Reuses the strings of the last reply read into reply: most replies of
  // one op carry the same headers, so reading one allocates little.
  std::size_t n = 0;
  for (const auto& field : message) {
    if (n == reply.headers.size()) reply.headers.emplace_back();
    auto name = field.name_string();
    auto value = field.value();
    reply.headers[n].first.assign(name.data(), name.size());
    reply.headers[n].second.assign(value.data(), value.size());
    ++n;
  }
  reply.headers.resize(n);
  reply.keep_alive = message.keep_alive() && !parser_->need_eof();
  // The parser is done with it: start() makes a new one.
  reply.body = std::move(message.body());
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
