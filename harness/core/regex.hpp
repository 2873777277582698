// Regular expressions: patterns a user wrote (a scenario's ready line and
// reply checks) applied to text a target chose (its stdout, its replies).
// One engine for all of them, Boost.Regex: its matcher keeps its
// backtracking state on the heap, in a bounded number of blocks, so neither
// a long text nor a deeply nested pattern can overflow drover's stack
// (libstdc++'s std::regex recurses once per character of the text, and a
// multi-megabyte line crashes it). A match that needs more than that bound
// counts as no match.
//
// Patterns have ECMAScript syntax and meaning: "^" and "$" are the text's
// ends, not its lines', and "." matches no newline.
//
// Pure functions; a compiled Regex may be shared by threads.
#pragma once

#include <boost/regex.hpp>
#include <string>
#include <string_view>

#include "harness/core/expected.hpp"

namespace drover {

using Regex = boost::regex;
using RegexMatch = boost::match_results<std::string_view::const_iterator>;

// Compiles pattern, or says why it is no valid regex.
Expected<Regex> compile_regex(const std::string& pattern);

// Whether re matches somewhere in text.
bool regex_search_in(std::string_view text, const Regex& re);
// As above, with the match's groups (they point into text).
bool regex_search_in(std::string_view text, RegexMatch& match, const Regex& re);
// Whether re matches the whole text.
bool regex_match_whole(std::string_view text, const Regex& re);

}  // namespace drover
