#include "harness/core/payload_template.hpp"

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
            "unknown placeholder {sq} (known: {client}, {seq}, {random:N})");
  EXPECT_EQ(compile_error("a {seq"), "unclosed \"{\" (write \"{{\" for a literal brace)");
  EXPECT_EQ(compile_error("a } b"), "unmatched \"}\" (write \"}}\" for a literal brace)");
  EXPECT_EQ(compile_error("{random:0}"),
            "{random:0}: the length must be an integer from 1 to 65536");
  EXPECT_EQ(compile_error("{random:x}"),
            "{random:x}: the length must be an integer from 1 to 65536");
  EXPECT_EQ(compile_error("{random:70000}"),
            "{random:70000}: the length must be an integer from 1 to 65536");
}

TEST(PayloadTemplate, MaxSizeBoundsEveryRendering) {
  auto t = compile_ok("{client}:{seq}:{random:10}");
  EXPECT_EQ(t.max_size(), 20u + 1 + 20 + 1 + 10);
}

}  // namespace
}  // namespace drover
