// Judges an HTTP reply against an http op's expectation: its status (a
// list of statuses and classes, "2xx" when the scenario says nothing), its
// headers (equals, regex searched, present or absent; names in any case)
// and its body (equals, regex searched, contains, or the JSON value at a
// pointer). The rule of the first check that fails is what a failure
// example shows: 'expected status 2xx, received 503'.
//
// Immutable after construction: safe to share between threads.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "harness/core/regex.hpp"
#include "harness/drivers/http_reply.hpp"
#include "harness/scenario/scenario.hpp"

namespace drover {

class HttpReplyCheck {
 public:
  // The scenario was validated: regexes compile and values are JSON.
  explicit HttpReplyCheck(const HttpExpectation& expectation);

  // Empty when reply is right; else the rule it broke.
  std::string judge(const HttpReply& reply) const;

 private:
  std::string judge_status(int status) const;
  std::string judge_header(const HttpExpectation::Header& check, const Regex* regex,
                           const HttpReply& reply) const;
  std::string judge_body(const std::string& body) const;

  HttpExpectation expectation_;
  std::vector<std::optional<Regex>> header_regexes_;  // one per header check
  std::optional<Regex> body_regex_;
};

// The class of a status: 1 for 1xx ... 5, 0 outside 100..599.
int status_class(int status);

}  // namespace drover
