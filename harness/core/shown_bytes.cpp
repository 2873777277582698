#include "harness/core/shown_bytes.hpp"

#include <algorithm>

namespace drover {
namespace {

void append_escaped(std::string& out, unsigned char c) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  switch (c) {
    case '\r':
      out += "\\r";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\t':
      out += "\\t";
      return;
    case '\\':
      out += "\\\\";
      return;
    default:
      break;
  }
  if (c >= 0x20 && c < 0x7f) {
    out += static_cast<char>(c);
    return;
  }
  out += "\\x";
  out += kHex[c >> 4];
  out += kHex[c & 0xf];
}

}  // namespace

std::string escape_bytes(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (char c : bytes) append_escaped(out, static_cast<unsigned char>(c));
  return out;
}

ShownBytes show_bytes(std::string_view bytes, std::size_t limit) {
  std::size_t shown = std::min(bytes.size(), limit);
  return {escape_bytes(bytes.substr(0, shown)), bytes.size() - shown};
}

std::string shown_text(const ShownBytes& shown) {
  if (shown.cut_bytes == 0) return shown.text;
  return shown.text + " \u2026 (" + std::to_string(shown.cut_bytes) + " more bytes)";
}

}  // namespace drover
