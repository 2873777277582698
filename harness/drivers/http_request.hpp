// Builds an http op's requests: the method, the target url's base path and
// the op's path, Host (the target's host:port), the op's headers,
// Content-Length and, without keep-alive, "Connection: close". Templates
// render as in every workload ({client}, {seq}, {random:N}, {key:...},
// {data:...}), in the order path, headers, body, from one random state and
// one set of data rows. A line break a header's value renders (from a data
// file) is sent as a space, so no value can add a header of its own.
//
// A request without placeholders is rendered once, when it is made, and
// copied from then on.
//
// Immutable after construction and shared by a fleet's threads; render()
// writes only into the caller's buffers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/core/expected.hpp"
#include "harness/core/payload_template.hpp"
#include "harness/scenario/scenario.hpp"

namespace drover {

class HttpRequestBuilder {
 public:
  // host: the Host header's value ("127.0.0.1:8080"); base_path: the
  // target url's path ("" or "/base"). Fails with why a template does not
  // compile (the scenario was validated, so only with data bound here).
  static Expected<HttpRequestBuilder> make(const HttpRequestSpec& spec, std::string host,
                                           std::string base_path, const DataCatalog* data);

  // The whole request, as sent, into wire (cleared first); scratch is the
  // caller's rendering buffer. False when a "once" data file had no row
  // left for it.
  bool render(std::string& wire, std::string& scratch, std::uint64_t client, std::uint64_t seq,
              std::uint64_t& random_state, RowsTaken* rows) const;

  const std::string& method() const { return method_; }

 private:
  bool compose(std::string& wire, std::string& scratch, std::uint64_t client, std::uint64_t seq,
               std::uint64_t& random_state, RowsTaken* rows) const;

  struct Header {
    std::string name;
    PayloadTemplate value;
  };
  std::string method_;
  std::string host_;
  std::string base_path_;
  PayloadTemplate path_;
  std::vector<Header> headers_;
  std::optional<PayloadTemplate> body_;  // none: body_bytes_ is sent as it is
  std::string body_bytes_;
  bool keep_alive_ = true;
  std::optional<std::string> fixed_;  // the whole request, when it has no placeholder
};

}  // namespace drover
