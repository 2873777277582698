#include "harness/history/event.hpp"

#include <gtest/gtest.h>

namespace drover {
namespace {

Event round_trip(const Event& e) {
  std::string line;
  append_event_json(line, e);
  Event back;
  std::string error;
  EXPECT_TRUE(parse_event_json(line, back, &error)) << line << ": " << error;
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
  std::string error;
  EXPECT_FALSE(parse_event_json("", e, &error));
  EXPECT_FALSE(parse_event_json(R"({"t":1,"client":3})", e, &error));
  EXPECT_FALSE(parse_event_json(
      R"({"t":1,"client":3,"fleet":"b","type":"maybe","f":"buy","value":1})", e, &error));
  EXPECT_EQ(error, "bad \"type\"");
  EXPECT_FALSE(parse_event_json(
      R"({"t":1,"client":3,"fleet":"b","type":"ok","f":"buy","value":1} x)", e, &error));
  EXPECT_FALSE(parse_event_json(
      R"({"t":1,"client":3,"fleet":"b","type":"ok","f":"buy","value":"unterminated})", e, &error));
}

}  // namespace
}  // namespace drover
