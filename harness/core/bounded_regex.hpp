// Regular expressions applied to text that a target chose (its stdout, its
// replies). libstdc++'s std::regex matches by recursion, a few stack frames
// per character of the text, so a long enough line overflows the stack
// whatever the pattern: these functions look at no more than kMaxRegexText
// bytes of a text. That keeps patterns of ordinary nesting far from an 8 MiB
// stack; a pattern nested dozens of groups deep may still need more.
//
// Pure functions; thread-safe as std::regex is.
#pragma once

#include <algorithm>
#include <cstddef>
#include <regex>
#include <string>
#include <string_view>

namespace drover {

inline constexpr std::size_t kMaxRegexText = 4096;

// Where a text is cut, "$" and "\b" must not take the cut for its end.
inline std::regex_constants::match_flag_type cut_flags(std::size_t size) {
  return size > kMaxRegexText
             ? std::regex_constants::match_not_eol | std::regex_constants::match_not_eow
             : std::regex_constants::match_default;
}

// Whether re matches somewhere in the text's first kMaxRegexText bytes.
inline bool regex_search_bounded(std::string_view text, const std::regex& re) {
  return std::regex_search(text.begin(), text.begin() + std::min(text.size(), kMaxRegexText), re,
                           cut_flags(text.size()));
}

// As above, with the match's groups (they point into text).
inline bool regex_search_bounded(const std::string& text, std::smatch& match,
                                 const std::regex& re) {
  auto end = text.begin() + static_cast<std::ptrdiff_t>(std::min(text.size(), kMaxRegexText));
  return std::regex_search(text.begin(), end, match, re, cut_flags(text.size()));
}

// Whether re matches the whole text; a text longer than kMaxRegexText never does.
inline bool regex_match_bounded(std::string_view text, const std::regex& re) {
  return text.size() <= kMaxRegexText && std::regex_match(text.begin(), text.end(), re);
}

}  // namespace drover
