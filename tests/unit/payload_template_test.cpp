#include "harness/core/payload_template.hpp"

#include <cstdio>
#include <set>

#include <gtest/gtest.h>

namespace drover::payload_template_test {
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

TEST(PayloadTemplate, OnlyATemplateWithoutPlaceholdersIsLiteral) {
  EXPECT_TRUE(compile_ok("").literal());
  EXPECT_TRUE(compile_ok("/hello {{x}}").literal());
  EXPECT_FALSE(compile_ok("/hello/{client}").literal());
  EXPECT_FALSE(compile_ok("{random:4}").literal());
}

TEST(PayloadTemplate, RejectsUnknownAndMalformedPlaceholders) {
  EXPECT_EQ(compile_error("a {sq}"),
            "unknown placeholder {sq} (known: {client}, {seq}, {random:N}, {key:uniform:N}, "
            "{key:zipf:N:s}, {key:sequential:N}, {data:FILE:COLUMN}, {data:FILE})");
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
}  // namespace drover::payload_template_test

namespace drover::payload_template_test {
namespace {

DataCatalog users_and_words(DataSource::Order users_order, DataSource::Order words_order) {
  auto users =
      DataTable::parse("name,password\nada,s3cret\nbob,\"a,b\"\ncy,pw3\n", DataTable::Format::kCsv);
  auto words = DataTable::parse("alpha\nbeta\n", DataTable::Format::kLines);
  EXPECT_TRUE(users && words);
  return {std::make_shared<DataSource>(
              "users.csv", std::make_shared<const DataTable>(std::move(*users)), users_order),
          std::make_shared<DataSource>(
              "words.txt", std::make_shared<const DataTable>(std::move(*words)), words_order)};
}

PayloadTemplate compile_with(std::string_view text, const DataCatalog& data) {
  auto t = PayloadTemplate::compile(text, &data);
  EXPECT_TRUE(t) << t.error();
  return t ? *t : *PayloadTemplate::compile("");
}

std::vector<std::string> renders(const PayloadTemplate& t, std::uint64_t client, int count) {
  std::vector<std::string> out;
  std::uint64_t rng = 1;
  std::string payload;
  for (int seq = 0; seq < count; ++seq) {
    EXPECT_TRUE(t.render(payload, client, static_cast<std::uint64_t>(seq), rng));
    out.push_back(payload);
  }
  return out;
}

// One request takes one row of a file, however many of its columns it names.
TEST(PayloadTemplateData, ColumnsOfOneRequestComeFromOneRow) {
  DataCatalog data =
      users_and_words(DataSource::Order::kRoundRobin, DataSource::Order::kRoundRobin);
  auto t = compile_with("{data:users.csv:name}/{data:users.csv:password} {data:words.txt}", data);
  EXPECT_TRUE(t.uses_data());
  EXPECT_EQ(renders(t, 0, 4), (std::vector<std::string>{"ada/s3cret alpha", "bob/a,b beta",
                                                        "cy/pw3 alpha", "ada/s3cret beta"}));
  EXPECT_EQ(renders(t, 1, 2), (std::vector<std::string>{"bob/a,b beta", "cy/pw3 alpha"}));
  EXPECT_EQ(t.max_size(), 3u + 1 + 6 + 1 + 5);  // the widest value of each column
}

// An expectation given the request's rows shows the request's values, even
// from a "once" file, and takes no row of its own.
TEST(PayloadTemplateData, AnExpectationTakesTheRowsItsRequestTook) {
  DataCatalog data = users_and_words(DataSource::Order::kOnce, DataSource::Order::kRandom);
  auto request = compile_with("LOGIN {data:words.txt} {data:users.csv:name} {random:4}", data);
  auto expected = compile_with("OK {data:words.txt} {data:users.csv:name} {random:4}", data);
  std::uint64_t rng = 99;
  for (std::uint64_t seq = 0; seq < 3; ++seq) {
    std::uint64_t before = rng;
    RowsTaken rows;
    std::string sent, want;
    ASSERT_TRUE(request.render(sent, 0, seq, rng, &rows));
    ASSERT_TRUE(expected.render(want, 0, seq, before, &rows));
    EXPECT_EQ(sent.substr(5), want.substr(2));
  }
  EXPECT_EQ(data[0]->taken(), 3u);
}

TEST(PayloadTemplateData, AOnceFileWithNoRowLeftStopsTheRendering) {
  DataCatalog data = users_and_words(DataSource::Order::kOnce, DataSource::Order::kOnce);
  auto t = compile_with("{data:users.csv:name}", data);
  std::string out;
  std::uint64_t rng = 1;
  for (std::uint64_t seq = 0; seq < 3; ++seq) EXPECT_TRUE(t.render(out, 0, seq, rng));
  EXPECT_FALSE(data[0]->ran_out());
  EXPECT_FALSE(t.render(out, 0, 3, rng));
  EXPECT_TRUE(data[0]->ran_out());
}

TEST(PayloadTemplateData, RandomRowsRepeatFromTheSameState) {
  DataCatalog data = users_and_words(DataSource::Order::kRandom, DataSource::Order::kRandom);
  auto t = compile_with("{data:users.csv:name}", data);
  std::set<std::string> seen;
  std::uint64_t a = 5, b = 5;
  std::string x, y;
  for (std::uint64_t seq = 0; seq < 50; ++seq) {
    ASSERT_TRUE(t.render(x, 0, seq, a));
    ASSERT_TRUE(t.render(y, 0, seq, b));
    EXPECT_EQ(x, y);
    seen.insert(x);
  }
  EXPECT_EQ(seen.size(), 3u);
}

// Without the files, only a placeholder's form is checked; such a template
// is never sent.
TEST(PayloadTemplateData, UnboundPlaceholdersNeverRender) {
  auto t = compile_ok("a {data:users.csv:name}");
  EXPECT_TRUE(t.uses_data());
  std::string out;
  std::uint64_t rng = 1;
  EXPECT_FALSE(t.render(out, 0, 0, rng));
  EXPECT_EQ(compile_error("{data:}"),
            "{data:}: name a data file: {data:FILE:COLUMN} or {data:FILE}");
}

}  // namespace
}  // namespace drover::payload_template_test
