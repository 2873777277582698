#include "harness/drivers/http_request.hpp"

#include <algorithm>

namespace drover {

Expected<HttpRequestBuilder> HttpRequestBuilder::make(const HttpRequestSpec& spec, std::string host,
                                                      std::string base_path,
                                                      const DataCatalog* data) {
  HttpRequestBuilder b;
  b.method_ = spec.method;
  b.host_ = std::move(host);
  b.base_path_ = std::move(base_path);
  b.keep_alive_ = spec.keep_alive;
  auto path = PayloadTemplate::compile(spec.path, data);
  if (!path) return unexpected("path: " + path.error());
  b.path_ = std::move(*path);
  for (const auto& [name, text] : spec.headers) {
    auto value = PayloadTemplate::compile(text, data);
    if (!value) return unexpected("header " + name + ": " + value.error());
    b.headers_.push_back({name, std::move(*value)});
  }
  if (spec.body_from_file) {
    b.body_bytes_ = spec.body;
  } else if (!spec.body.empty()) {
    auto body = PayloadTemplate::compile(spec.body, data);
    if (!body) return unexpected("body: " + body.error());
    b.body_ = std::move(*body);
  }
  bool literal = b.path_.literal() && (!b.body_ || b.body_->literal()) &&
                 std::all_of(b.headers_.begin(), b.headers_.end(),
                             [](const Header& h) { return h.value.literal(); });
  if (literal) {
    std::string wire, scratch;
    std::uint64_t random_state = 1;  // a literal template draws nothing
    b.compose(wire, scratch, 0, 0, random_state, nullptr);
    b.fixed_ = std::move(wire);
  }
  return b;
}

bool HttpRequestBuilder::render(std::string& wire, std::string& scratch, std::uint64_t client,
                                std::uint64_t seq, std::uint64_t& random_state,
                                RowsTaken* rows) const {
  if (fixed_) {
    wire = *fixed_;
    return true;
  }
  return compose(wire, scratch, client, seq, random_state, rows);
}

bool HttpRequestBuilder::compose(std::string& wire, std::string& scratch, std::uint64_t client,
                                 std::uint64_t seq, std::uint64_t& random_state,
                                 RowsTaken* rows) const {
  wire.clear();
  if (!path_.render(scratch, client, seq, random_state, rows)) return false;
  wire.append(method_).append(" ").append(base_path_).append(scratch).append(" HTTP/1.1\r\n");
  wire.append("Host: ").append(host_).append("\r\n");
  for (const Header& h : headers_) {
    if (!h.value.render(scratch, client, seq, random_state, rows)) return false;
    // A data value holding a line break would end the header early and
    // start another the file chose: it becomes a space.
    std::replace_if(
        scratch.begin(), scratch.end(), [](char c) { return c == '\r' || c == '\n'; }, ' ');
    wire.append(h.name).append(": ").append(scratch).append("\r\n");
  }
  const std::string* body = &body_bytes_;
  if (body_) {
    if (!body_->render(scratch, client, seq, random_state, rows)) return false;
    body = &scratch;
  }
  // A GET without a body sends no Content-Length, as browsers and curl do.
  if (!body->empty() || (method_ != "GET" && method_ != "HEAD"))
    wire.append("Content-Length: ").append(std::to_string(body->size())).append("\r\n");
  if (!keep_alive_) wire.append("Connection: close\r\n");
  wire.append("\r\n").append(*body);
  return true;
}

}  // namespace drover
