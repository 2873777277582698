// How checkers list offending items in a detail: the first few, then a count.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace drover {

inline constexpr std::size_t kListedItems = 10;

template <class T>
std::vector<T> sorted(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  return v;
}

template <class T>
std::string first_items(const std::vector<T>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < kListedItems; ++i) {
    out += fmt::format("{}{}", i ? ", " : "", items[i]);
  }
  if (items.size() > kListedItems)
    out += fmt::format(", ... ({} more)", items.size() - kListedItems);
  return out;
}

inline std::string join(const std::vector<std::string>& parts, const char* separator) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? separator : "") + parts[i];
  return out;
}

}  // namespace drover
