// What one operation against a target came to. Shared by drivers (which
// produce it), the recorder (which counts it) and the reports.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace drover {

// Errors are counted by class, so "the server answered wrongly" is never
// confused with "the server did not answer".
enum class Outcome : std::uint8_t {
  kOk,
  kWrongReply,    // an answer came, but not the expected one
  kTimeout,       // no answer within the operation's timeout
  kConnectError,  // could not connect (TCP) or the port was refused
  kIoError,       // the connection broke while sending or receiving
  // The reply grew past the largest drover reads (a line with no end, a
  // length prefix too large): the connection is dropped, never buffered
  // without bound.
  kReplyTooLarge,
  // Not sent: a "once" data file had no row left for it (the run stops).
  kDataExhausted,
  // No connection within the op's connect_timeout (HTTP).
  kConnectTimeout,
  // The TLS handshake or a TLS record failed (certificate, protocol).
  kTlsError,
  // The peer reset or closed the connection before the whole reply came.
  kReset,
  // Bytes came that are not a reply of the protocol (the HTTP parser
  // refused them): the connection is dropped.
  kMalformedReply,
};

inline constexpr std::size_t kOutcomeCount = 11;

inline constexpr std::array<std::string_view, kOutcomeCount> kOutcomeNames{
    "ok",        "wrong_reply",     "timeout",        "connect_error",
    "io_error",  "reply_too_large", "data_exhausted", "connect_timeout",
    "tls_error", "reset",           "malformed_reply"};

inline std::string_view outcome_name(Outcome o) {
  return kOutcomeNames[static_cast<std::size_t>(o)];
}

}  // namespace drover
