#include "harness/core/payload_template.hpp"

#include <cstdio>
#include <set>

#include <gtest/gtest.h>

namespace drover {
namespace {

PayloadTemplate compile_ok(std::string_view text) {
  auto t = PayloadTemplate::compile(text);
  EXPECT_TRUE(t) << t.error();
  return t ? *t : *PayloadTemplate::compile("");
}

std::string compile_error(std::string_view text) {
  auto t = PayloadTemplate::compile(text);
  EXPECT_FALSE(t) << text;
  return t ? "" : t.error();
}

TEST(PayloadTemplate, SubstitutesClientAndSequence) {
  auto t = compile_ok("hello {client}-{seq}");
  std::string out;
  std::uint64_t rng = 1;
  t.render(out, 7, 42, rng);
  EXPECT_EQ(out, "hello 7-42");
  t.render(out, 0, 18446744073709551615ull, rng);
  EXPECT_EQ(out, "hello 0-18446744073709551615");
  EXPECT_TRUE(t.uses_seq());
  EXPECT_GE(t.max_size(), out.size());
}

TEST(PayloadTemplate, RandomFillerHasTheAskedLengthAndVaries) {
  auto t = compile_ok("x{random:50}y");
  std::string a, b;
  std::uint64_t rng = 12345;
  t.render(a, 1, 1, rng);
  t.render(b, 1, 1, rng);
  ASSERT_EQ(a.size(), 52u);
  EXPECT_EQ(a.front(), 'x');
  EXPECT_EQ(a.back(), 'y');
  EXPECT_NE(a, b);
  for (char c : a.substr(1, 50)) EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c))) << c;
}

TEST(PayloadTemplate, SameRandomStateGivesTheSameFiller) {
  auto t = compile_ok("{random:16}");
  std::string a, b;
  std::uint64_t s1 = 99, s2 = 99;
  t.render(a, 1, 1, s1);
  t.render(b, 1, 1, s2);
  EXPECT_EQ(a, b);
}

TEST(PayloadTemplate, DoubledBracesAreLiteral) {
  auto t = compile_ok("{{\"seq\": {seq}}}");
  std::string out;
  std::uint64_t rng = 1;
  t.render(out, 0, 5, rng);
  EXPECT_EQ(out, "{\"seq\": 5}");
}

TEST(PayloadTemplate, RejectsUnknownAndMalformedPlaceholders) {
  EXPECT_EQ(compile_error("a {sq}"),
            "unknown placeholder {sq} (known: {client}, {seq}, {random:N}, {key:uniform:N}, "
            "{key:zipf:N:s}, {key:sequential:N})");
  EXPECT_EQ(compile_error("a {seq"), "unclosed \"{\" (write \"{{\" for a literal brace)");
  EXPECT_EQ(compile_error("a } b"), "unmatched \"}\" (write \"}}\" for a literal brace)");
  EXPECT_EQ(compile_error("{random:0}"),
            "{random:0}: the length must be an integer from 1 to 65536");
  EXPECT_EQ(compile_error("{random:x}"),
            "{random:x}: the length must be an integer from 1 to 65536");
  EXPECT_EQ(compile_error("{random:70000}"),
            "{random:70000}: the length must be an integer from 1 to 65536");
}

TEST(PayloadTemplate, KeysAreNumbersBelowTheirCount) {
  auto t = compile_ok("GET k{key:uniform:100} k{key:zipf:50:0.99}");
  std::string out;
  std::uint64_t rng = 77;
  for (int i = 0; i < 200; ++i) {
    t.render(out, 1, static_cast<std::uint64_t>(i), rng);
    unsigned a = 100, b = 100;
    ASSERT_EQ(std::sscanf(out.c_str(), "GET k%u k%u", &a, &b), 2) << out;
    EXPECT_LT(a, 100u);
    EXPECT_LT(b, 50u);
    EXPECT_LE(out.size(), t.max_size());
  }
  EXPECT_EQ(t.max_size(), 5u + 2 + 2 + 2);  // "GET k", 99, " k", 49
}

TEST(PayloadTemplate, SequentialKeysFollowTheSequenceNumber) {
  auto t = compile_ok("{key:sequential:3}");
  EXPECT_TRUE(t.uses_seq());
  std::string out, all;
  std::uint64_t rng = 1;
  for (std::uint64_t seq = 0; seq < 5; ++seq) {
    t.render(out, 9, seq, rng);
    all += out;
  }
  EXPECT_EQ(all, "01201");
}

// An expectation renders from the random state its request started with,
// and must see the request's keys and filler.
TEST(PayloadTemplate, TheSameRandomStateGivesTheSameKeys) {
  auto request = compile_ok("SET {key:zipf:1000:1.1} {random:8} {key:uniform:1000000}");
  auto expected = compile_ok("{key:zipf:1000:1.1} {random:8} {key:uniform:1000000}");
  std::uint64_t rng = 4242;
  std::string sent, want;
  std::set<std::string> seen;
  for (int i = 0; i < 20; ++i) {
    std::uint64_t before = rng;
    request.render(sent, 0, static_cast<std::uint64_t>(i), rng);
    expected.render(want, 0, static_cast<std::uint64_t>(i), before);
    EXPECT_EQ(sent, "SET " + want);
    seen.insert(want);
  }
  EXPECT_GT(seen.size(), 1u);
}

TEST(PayloadTemplate, RejectsKeysItCannotDraw) {
  EXPECT_EQ(compile_error("{key:uniform:0}"),
            "{key:uniform:0}: the number of keys must be an integer from 1 to 10^15");
  EXPECT_EQ(compile_error("{key:zipf:10:0}"),
            "{key:zipf:10:0}: the exponent must be a number above 0 and at most 100 (\"0.99\")");
  EXPECT_EQ(compile_error("{key:hot:10}"),
            "{key:hot:10}: unknown key distribution \"hot\" (known: uniform:N, zipf:N:s, "
            "sequential:N)");
}

TEST(PayloadTemplate, MaxSizeBoundsEveryRendering) {
  auto t = compile_ok("{client}:{seq}:{random:10}");
  EXPECT_EQ(t.max_size(), 20u + 1 + 20 + 1 + 10);
}

}  // namespace
}  // namespace drover
