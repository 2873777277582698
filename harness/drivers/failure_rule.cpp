#include "harness/drivers/failure_rule.hpp"

#include <cctype>

#include "harness/core/duration.hpp"

namespace drover {
namespace {

// System messages start with a capital ("Connection refused"); a rule
// reads them inside a sentence.
std::string lowered_first(std::string text) {
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

std::string with_error(std::string what, std::string_view error) {
  if (error.empty()) return what;
  return what + ": " + std::string(error);
}

}  // namespace

std::string error_text(const boost::system::error_code& ec) {
  if (!ec) return {};
  if (ec == asio::error::eof) return "the server closed the connection";
  return lowered_first(ec.message());
}

std::string errno_text(int err) {
  if (err < 0) return {};
  if (err == 0) return "the server closed the connection";
  return error_text(boost::system::error_code(err, boost::system::system_category()));
}

std::string unanswered_rule(Outcome outcome, Duration timeout, std::string_view error,
                            std::size_t max_reply) {
  switch (outcome) {
    case Outcome::kTimeout:
      return "no reply within " + format_duration(timeout);
    case Outcome::kConnectError:
      return with_error("could not connect", error);
    case Outcome::kIoError:
      return with_error("the connection broke", error);
    case Outcome::kReplyTooLarge:
      return "the reply grew past " + std::to_string(max_reply) +
             " bytes (max_reply) without ending";
    case Outcome::kWrongReply:
      return with_error("the reply broke the fleet's framing", error);
    case Outcome::kDataExhausted:
      return "the data file had no row left for the request";
    case Outcome::kConnectTimeout:
      return with_error("could not connect within " + format_duration(timeout), error);
    case Outcome::kTlsError:
      // The handshake's own words name the target and the reason.
      return error.empty() ? "the TLS handshake failed" : std::string(error);
    case Outcome::kReset:
      return with_error("the connection was closed before the whole reply came", error);
    case Outcome::kMalformedReply:
      return with_error("the reply is not one the protocol allows", error);
    case Outcome::kOk:
      break;
  }
  return with_error("failed", error);
}

}  // namespace drover
