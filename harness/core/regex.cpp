#include "harness/core/regex.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace drover {
namespace {

// ECMAScript's meaning of "^", "$" and ".", which Perl's defaults differ from.
constexpr auto kSyntax = boost::regex::ECMAScript | boost::regex::no_mod_m | boost::regex::no_mod_s;

}  // namespace

Expected<Regex> compile_regex(const std::string& pattern) {
  try {
    return Regex(pattern, kSyntax);
  } catch (const boost::regex_error& e) {
    // Boost's message goes on to quote the pattern, which the caller names.
    std::string_view what = e.what();
    what = what.substr(0, what.find("  The error occurred"));
    if (what.ends_with('.')) what.remove_suffix(1);
    return unexpected(fmt::format("{}, at offset {}", what, e.position()));
  }
}

bool regex_search_in(std::string_view text, const Regex& re) {
  RegexMatch ignored;
  return regex_search_in(text, ignored, re);
}

bool regex_search_in(std::string_view text, RegexMatch& match, const Regex& re) {
  try {
    return boost::regex_search(text.begin(), text.end(), match, re);
  } catch (const std::runtime_error&) {
    return false;  // the match needed more than Boost.Regex's bounded memory
  }
}

bool regex_match_whole(std::string_view text, const Regex& re) {
  try {
    return boost::regex_match(text.begin(), text.end(), re);
  } catch (const std::runtime_error&) {
    return false;
  }
}

}  // namespace drover
