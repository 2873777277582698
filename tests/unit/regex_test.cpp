// Regexes a user wrote, on text a target chose: no text and no pattern
// overflows drover's stack (std::regex did on a line of a few kilobytes
// with a group under a repeat), and the meaning is ECMAScript's.
#include "harness/core/regex.hpp"

#include <gtest/gtest.h>

#include <string>

namespace drover::regex_test {
namespace {

Regex compiled(const std::string& pattern) {
  auto re = compile_regex(pattern);
  EXPECT_TRUE(re) << pattern;
  return re ? *re : Regex();
}

TEST(Regex, ABadPatternSaysWhy) {
  auto re = compile_regex("(unclosed");
  ASSERT_FALSE(re);
  EXPECT_FALSE(re.error().empty());
}

TEST(Regex, AMegabyteTextIsSearchedWhole) {
  std::string reply = "{\"data\":\"" + std::string(std::size_t{1} << 20, 'q') + "\",\"ok\":true}";
  EXPECT_TRUE(regex_search_in(reply, compiled(R"("ok":true)")));
  EXPECT_TRUE(regex_match_whole(reply, compiled(R"(^\{.*"ok":true\}$)")));
  EXPECT_FALSE(regex_match_whole(reply, compiled(R"(\{.*"ok":false\})")));
}

// A group under a repeat recursed once per character in std::regex, which
// crashed drover on a long line; here it is a match or no match, never a crash.
TEST(Regex, NoTextOrNestingOverflowsTheStack) {
  std::string line(std::size_t{1} << 20, 'x');
  EXPECT_FALSE(regex_search_in(line, compiled("(x|y)*z")));
  std::string nested;
  for (int i = 0; i < 60; ++i) nested += "(";
  nested += "x";
  for (int i = 0; i < 60; ++i) nested += ")*";
  EXPECT_FALSE(regex_search_in(line, compiled(nested + "z")));
  EXPECT_FALSE(regex_match_whole(std::string(100000, 'a'), compiled("(a*)*b")));
  EXPECT_TRUE(regex_search_in("xyz", compiled("(x|y)*z")));
}

TEST(Regex, CaretDollarAndDotMeanWhatTheyDoInECMAScript) {
  EXPECT_FALSE(regex_search_in("one\ntwo", compiled("^two")));
  EXPECT_FALSE(regex_search_in("one\ntwo", compiled("one$")));
  EXPECT_FALSE(regex_match_whole("a\nb", compiled("a.b")));
  EXPECT_TRUE(regex_match_whole("a\nb", compiled(R"(a[\s\S]b)")));
}

TEST(Regex, ASearchGivesTheGroupsOfTheLine) {
  std::string line = "READY tcp 127.0.0.1:4000" + std::string(std::size_t{1} << 20, ' ');
  RegexMatch match;
  ASSERT_TRUE(regex_search_in(line, match, compiled(R"(^READY (\w+) ([0-9.:]+))")));
  EXPECT_EQ(match[1].str(), "tcp");
  EXPECT_EQ(match[2].str(), "127.0.0.1:4000");
}

}  // namespace
}  // namespace drover::regex_test
