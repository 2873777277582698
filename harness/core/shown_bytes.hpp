// Bytes a user reads in a report: a request sent, a reply received. Control
// bytes, backslashes and anything outside printable ASCII become escapes
// ("\r", "\n", "\t", "\\", "\x00", "\xC3"), so a stray '\r' or a NUL is
// visible and the text is one line of plain ASCII; and only the first limit
// bytes are shown, with how many more there were.
//
// Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace drover {

// How many bytes of a request or reply a report shows.
inline constexpr std::size_t kShownBytesLimit = 256;

struct ShownBytes {
  std::string text;             // escaped
  std::uint64_t cut_bytes = 0;  // bytes left out after the first limit

  bool operator==(const ShownBytes&) const = default;
};

// Every byte of bytes, escaped.
std::string escape_bytes(std::string_view bytes);

// The first limit bytes of bytes, escaped, and how many were left out.
ShownBytes show_bytes(std::string_view bytes, std::size_t limit = kShownBytesLimit);

// text, and " … (N more bytes)" when some were cut: as a line of a report.
std::string shown_text(const ShownBytes& shown);

}  // namespace drover
