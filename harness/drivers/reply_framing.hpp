// Where one reply ends in the bytes read from a TCP connection, as the
// fleet's framing says: a line (without its '\n', and without a '\r' before
// it) or exactly as many bytes as the request's payload. The same rule as
// LineChannel's read_line and read_exact, for callers that read into
// buffers of their own.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "harness/scenario/scenario.hpp"

namespace drover {

struct FramedReply {
  std::string_view reply;
  std::size_t consumed;  // bytes of the input it took, its terminator included
};

// The first whole reply at the start of data, or nothing while it is
// incomplete. payload_size is the request's size without its '\n'.
inline std::optional<FramedReply> frame_reply(Framing framing, std::size_t payload_size,
                                              std::string_view data) {
  if (framing == Framing::kFixed) {
    if (data.size() < payload_size) return std::nullopt;
    return FramedReply{data.substr(0, payload_size), payload_size};
  }
  std::size_t newline = data.find('\n');
  if (newline == std::string_view::npos) return std::nullopt;
  std::size_t end = newline > 0 && data[newline - 1] == '\r' ? newline - 1 : newline;
  return FramedReply{data.substr(0, end), newline + 1};
}

}  // namespace drover
