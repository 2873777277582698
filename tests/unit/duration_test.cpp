#include "harness/core/duration.hpp"

#include <cstdint>
#include <limits>

#include <gtest/gtest.h>

namespace drover::duration_test {
namespace {

using namespace std::chrono_literals;

TEST(ParseDuration, EveryUnit) {
  EXPECT_EQ(parse_duration("7ns"), Duration(7));
  EXPECT_EQ(parse_duration("7us"), Duration(7'000));
  EXPECT_EQ(parse_duration("250ms"), Duration(250ms));
  EXPECT_EQ(parse_duration("10s"), Duration(10s));
  EXPECT_EQ(parse_duration("2m"), Duration(2min));
  EXPECT_EQ(parse_duration("3h"), Duration(3h));
  EXPECT_EQ(parse_duration("0s"), Duration(0));
  EXPECT_EQ(parse_duration("0ms"), Duration(0));
}

TEST(ParseDuration, FractionsAreExact) {
  EXPECT_EQ(parse_duration("1.5s"), Duration(1500ms));
  EXPECT_EQ(parse_duration("0.1s"), Duration(100ms));
  EXPECT_EQ(parse_duration("0.25ms"), Duration(250'000));
  EXPECT_EQ(parse_duration("1.5m"), Duration(90s));
  EXPECT_EQ(parse_duration("0.001h"), Duration(3600ms));
  EXPECT_EQ(parse_duration("1.000000001s"), Duration(1'000'000'001));
  EXPECT_EQ(parse_duration("2.50us"), Duration(2'500));
}

TEST(ParseDuration, FractionsOfANanosecondRoundToNearest) {
  EXPECT_EQ(parse_duration("1.4ns"), Duration(1));
  EXPECT_EQ(parse_duration("1.5ns"), Duration(2));
  EXPECT_EQ(parse_duration("0.0000000004s"), Duration(0));
  EXPECT_EQ(parse_duration("0.0000000005s"), Duration(1));
  // Digits past the 18th cannot move the result.
  EXPECT_EQ(parse_duration("1.0000000000000000000009s"), Duration(1s));
}

TEST(ParseDuration, RejectsMalformedText) {
  for (const char* text :
       {"",    "10",  "s",    "-1s", "+1s",  "1.s",  ".5s", "1..5s", "1.2.3s", "10x", " 1s",
        "1s ", "1 s", "1e3s", "1S",  "1sec", "1ms5", "1ss", "0x10s", "1,5s",   ".",   "ms"}) {
    EXPECT_EQ(parse_duration(text), std::nullopt) << '"' << text << '"';
  }
}

TEST(ParseDuration, RejectsOverflow) {
  // int64 nanoseconds end at 9223372036.854775807s.
  EXPECT_EQ(parse_duration("9223372036854775807ns"), Duration(INT64_MAX));
  EXPECT_EQ(parse_duration("9223372036854775808ns"), std::nullopt);
  EXPECT_EQ(parse_duration("9223372036.854775807s"), Duration(INT64_MAX));
  EXPECT_EQ(parse_duration("9223372036.854775808s"), std::nullopt);
  EXPECT_EQ(parse_duration("2562047h"), Duration(2562047LL * 3'600'000'000'000LL));
  // The whole hours fit; the fraction pushes it over.
  EXPECT_EQ(parse_duration("2562047.9h"), std::nullopt);
  EXPECT_EQ(parse_duration("2562048h"), std::nullopt);
  EXPECT_EQ(parse_duration("99999999999999999999999999s"), std::nullopt);
  // Leading zeros are not magnitude.
  EXPECT_EQ(parse_duration("00000000000000000001s"), Duration(1s));
}

TEST(FormatDuration, WholeUnits) {
  EXPECT_EQ(format_duration(Duration(0)), "0s");
  EXPECT_EQ(format_duration(Duration(7)), "7ns");
  EXPECT_EQ(format_duration(Duration(7'000)), "7us");
  EXPECT_EQ(format_duration(250ms), "250ms");
  EXPECT_EQ(format_duration(10s), "10s");
  EXPECT_EQ(format_duration(2min), "2m");
  EXPECT_EQ(format_duration(3h), "3h");
  EXPECT_EQ(format_duration(120s), "2m");
  EXPECT_EQ(format_duration(90s), "90s");  // shorter than "1.5m"
  EXPECT_EQ(format_duration(90min), "90m");
}

TEST(FormatDuration, ShortestExactFraction) {
  EXPECT_EQ(format_duration(1500ms), "1.5s");
  EXPECT_EQ(format_duration(1250us), "1.25ms");
  EXPECT_EQ(format_duration(500ms), "500ms");
  EXPECT_EQ(format_duration(Duration(1'000'000'001)), "1.000000001s");
  EXPECT_EQ(format_duration(Duration(1'234'567'891)), "1.234567891s");
  // 100s is 1.666... minutes: only exact forms qualify.
  EXPECT_EQ(format_duration(100s), "100s");
  EXPECT_EQ(format_duration(Duration(-1500ms)), "-1.5s");
}

TEST(FormatDuration, RoundTripsThroughParse) {
  for (std::int64_t n : std::initializer_list<std::int64_t>{
           1LL, 999LL, 1'000LL, 1'001LL, 1'500'000LL, 999'999'999LL, 1'000'000'000LL,
           1'000'000'001LL, 59'999'999'999LL, 60'000'000'000LL, 90'000'000'000LL,
           3'599'999'999'999LL, 3'600'000'000'000LL, 5'400'000'000'000LL, 123'456'789'012'345LL,
           INT64_MAX}) {
    Duration d(n);
    std::string text = format_duration(d);
    EXPECT_EQ(parse_duration(text), d) << n << " -> " << text;
  }
  for (const char* text : {"250ms", "1.5s", "10s", "2m", "3h", "7ns", "1.25ms", "0s"}) {
    EXPECT_EQ(format_duration(*parse_duration(text)), text);
  }
}

}  // namespace
}  // namespace drover::duration_test
