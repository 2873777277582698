// The rule an operation broke, as its failure example says it, when it
// ended without a reply to judge: "no reply within 1s", "could not
// connect: connection refused". Built only for failures a sample keeps.
//
// Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "harness/core/asio.hpp"
#include "harness/core/clock.hpp"
#include "harness/core/outcome.hpp"
#include "harness/scenario/scenario.hpp"

namespace drover {

// An error code as a rule reads it: "connection refused", "the server
// closed the connection" (end of file).
std::string error_text(const boost::system::error_code& ec);
// The same for an errno value; 0: the server closed the connection;
// negative: unknown (empty).
std::string errno_text(int err);

// For an outcome other than ok, and for a wrong_reply that broke the
// fleet's framing (so no expectation judged it); error: what error_text()
// or the Framer said, or empty when nothing more is known. max_reply: the
// framing's, for reply_too_large.
std::string unanswered_rule(Outcome outcome, Duration timeout, std::string_view error,
                            std::size_t max_reply = kMaxReplyBytes);

}  // namespace drover
