// Regexes on text a target chose: a pattern that recurses once per character
// overflows the stack on a long line with std::regex, but not bounded.
#include "harness/core/bounded_regex.hpp"

#include <gtest/gtest.h>

#include <string>

namespace drover {
namespace {

// Recursion per character: about 700 bytes of stack each in libstdc++, so
// std::regex_search of a 1 MiB line overflows any ordinary stack.
const std::regex kRecursive("(x|y)*z");

TEST(BoundedRegex, ASearchOfALongLineLooksOnlyAtItsStart) {
  std::string line(std::size_t{1} << 20, 'x');
  EXPECT_FALSE(regex_search_bounded(line, kRecursive));
  line.replace(100, 1, "z");
  EXPECT_TRUE(regex_search_bounded(line, kRecursive));
  line = std::string(kMaxRegexText, 'x') + "z";
  EXPECT_FALSE(regex_search_bounded(line, kRecursive)) << "past the bound: not looked at";
}

TEST(BoundedRegex, TheCutIsNotTheEndOfTheLine) {
  std::string line = "READY tcp 127.0.0.1:4" + std::string(std::size_t{1} << 20, '0');
  EXPECT_FALSE(regex_search_bounded(line, std::regex(R"(^READY tcp [0-9.]+:[0-9]+$)")));
  std::smatch match;
  EXPECT_FALSE(regex_search_bounded(line, match, std::regex(R"(:[0-9]+$)")));
  EXPECT_FALSE(regex_search_bounded(std::string(kMaxRegexText + 1, '0'), std::regex(R"(0\b)")));
  EXPECT_TRUE(regex_search_bounded(line.substr(0, 30), std::regex(R"(:[0-9]+$)")));
}

TEST(BoundedRegex, ASearchGivesTheGroupsOfTheLine) {
  std::string line = "READY tcp 127.0.0.1:4000" + std::string(std::size_t{1} << 20, ' ');
  std::smatch match;
  ASSERT_TRUE(regex_search_bounded(line, match, std::regex(R"(^READY (\w+) ([0-9.:]+))")));
  EXPECT_EQ(match[1].str(), "tcp");
  EXPECT_EQ(match[2].str(), "127.0.0.1:4000");
}

TEST(BoundedRegex, AWholeMatchOfTextPastTheBoundIsNoMatch) {
  EXPECT_TRUE(regex_match_bounded(std::string(kMaxRegexText - 1, 'x') + "z", kRecursive));
  EXPECT_FALSE(regex_match_bounded(std::string(std::size_t{1} << 20, 'x') + "z", kRecursive));
}

}  // namespace
}  // namespace drover
