#include "harness/history/event.hpp"

#include <gtest/gtest.h>

namespace drover::event_test {
namespace {

Event round_trip(const Event& e) {
  std::string line;
  append_event_json(line, e);
  Event back;
  Expected<void> parsed = parse_event_json(line, back);
  EXPECT_TRUE(parsed) << line << ": " << parsed.error();
  return back;
}

TEST(Event, EveryValueKindRoundTrips) {
  for (const EventValue& v :
       {EventValue::none(), EventValue::of(-17), EventValue::of(std::string("item \"7\"\n\\x")),
        EventValue::of(std::vector<std::int64_t>{1, 2, 4, 12345, 0, -5}),
        EventValue::of(std::vector<std::int64_t>{})}) {
    Event e{123456789, 42, EventType::kInfo, "buyers", "buy", v};
    EXPECT_EQ(round_trip(e), e);
  }
}

TEST(Event, LineFormatIsStableJson) {
  std::string line;
  append_event_json(line, {1500, 3, EventType::kOk, "buyers", "buy", EventValue::of(17)});
  EXPECT_EQ(line, R"({"t":1500,"client":3,"fleet":"buyers","type":"ok","f":"buy","value":17})");
}

TEST(Event, MalformedLinesAreRejected) {
  Event e;
  EXPECT_FALSE(parse_event_json("", e));
  EXPECT_FALSE(parse_event_json(R"({"t":1,"client":3})", e));
  Expected<void> bad_type =
      parse_event_json(R"({"t":1,"client":3,"fleet":"b","type":"maybe","f":"buy","value":1})", e);
  ASSERT_FALSE(bad_type);
  EXPECT_EQ(bad_type.error(), R"("type" is not one of "invoke", "ok", "fail", "info")");
  EXPECT_FALSE(
      parse_event_json(R"({"t":1,"client":3,"fleet":"b","type":"ok","f":"buy","value":1} x)", e));
  EXPECT_FALSE(parse_event_json(
      R"({"t":1,"client":3,"fleet":"b","type":"ok","f":"buy","value":"unterminated})", e));
}

// history.jsonl is one JSON object per line: a line written by another tool
// (keys in another order, spaces, keys drover does not write) reads the same.
TEST(Event, AnyJsonObjectWithTheSameFieldsIsRead) {
  Event e;
  Expected<void> parsed = parse_event_json(
      R"( { "value" : [1, 2], "f": "submit", "type": "ok", "fleet": "p", "note": {"x": 1},)"
      R"( "client": 7, "t": 12 } )",
      e);
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_EQ(e, (Event{12, 7, EventType::kOk, "p", "submit",
                      EventValue::of(std::vector<std::int64_t>{1, 2})}));
}

// An event read from another tool's layout is written back in drover's and
// read again the same, escapes and all.
TEST(Event, AnEventInAnotherLayoutSurvivesARoundTrip) {
  for (std::string_view line :
       {R"({"f":"buy","value":"caf\u00e9 \"q\" \\ \n\t\u0001","type":"info","fleet":"b\/c",)"
        R"("client":0,"t":0})",
        R"({"t":5,"client":1,"fleet":"f","type":"ok","f":"x","value":[-9223372036854775808]})"}) {
    Event e;
    Expected<void> parsed = parse_event_json(line, e);
    ASSERT_TRUE(parsed) << line << ": " << parsed.error();
    std::string written;
    append_event_json(written, e);
    Event again;
    Expected<void> reread = parse_event_json(written, again);
    ASSERT_TRUE(reread) << written << ": " << reread.error();
    EXPECT_EQ(again, e) << written;
  }
}

// A line that is not an event says what is wrong with it, not `bad "t"`.
TEST(Event, AWrongLineSaysWhatIsWrong) {
  Event e;
  auto error = [&](std::string_view line) {
    Expected<void> parsed = parse_event_json(line, e);
    return parsed ? std::string("parsed") : parsed.error();
  };
  EXPECT_EQ(error(R"({"t":1,"fleet":"b","type":"ok","f":"buy","value":1})"), R"(no "client")");
  EXPECT_EQ(error(R"({"t":-1,"client":3,"fleet":"b","type":"ok","f":"buy","value":1})"),
            R"("t" is not an integer from 0 to 9223372036854775807)");
  EXPECT_EQ(error(R"({"t":1.5,"client":3,"fleet":"b","type":"ok","f":"buy","value":1})"),
            R"("t" is not an integer from 0 to 9223372036854775807)");
  EXPECT_EQ(error(R"({"t":1,"client":3,"fleet":"b","type":"ok","f":"buy","value":{}})"),
            R"("value" is not null, an integer, a string or a list of integers)");
  EXPECT_EQ(error(R"({"t":18446744073709551615,"client":1,"fleet":"f","type":"ok","f":"x",)"
                  R"("value":1})"),
            R"("t" is not an integer from 0 to 9223372036854775807)");
  EXPECT_EQ(error("[1, 2]"), "not a JSON object");
  EXPECT_EQ(error("{"), "not JSON");
}

// The history reader parses line after line into the same events: nothing
// of an earlier line may show through in a later one.
TEST(Event, NothingOfTheEventBeforeShowsThrough) {
  Event e{9,
          8,
          EventType::kInfo,
          "a fleet name too long for a short string",
          "submit",
          EventValue::of(std::vector<std::int64_t>{1, 2, 3})};
  e.value.text = "left over";
  e.value.number = 77;
  Expected<void> parsed =
      parse_event_json(R"({"t":1,"client":3,"fleet":"b","type":"ok","f":"get","value":null})", e);
  ASSERT_TRUE(parsed) << parsed.error();
  EXPECT_EQ(e, (Event{1, 3, EventType::kOk, "b", "get", EventValue::none()}));
}

}  // namespace
}  // namespace drover::event_test
