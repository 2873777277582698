// Splits fuzz input into request lines the way the reference targets do:
// at "\n", a "\r" before it dropped; a last line without "\n" counts too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace drover::fuzz {

template <typename OnLine>
void for_each_line(const std::uint8_t* data, std::size_t size, OnLine on_line) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  while (!rest.empty()) {
    const std::size_t newline = rest.find('\n');
    std::string_view line = rest.substr(0, newline);
    rest = newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    on_line(line);
  }
}

}  // namespace drover::fuzz
