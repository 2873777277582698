#include "harness/checks/violation_examples.hpp"

#include <gtest/gtest.h>

#include "tests/support/temp_dir.hpp"
#include "tests/unit/history_test_util.hpp"

namespace drover::violation_examples_test {
namespace {

using test::TempDir;
using testing_history::ev;

std::string write_history(const TempDir& dir, const std::vector<Event>& events) {
  std::string text;
  for (const Event& e : events) {
    append_event_json(text, e);
    text += '\n';
  }
  return dir.write("history.jsonl", text).string();
}

CheckScope tickets_scope() {
  return {"tickets", {"f"}};
}

// A stock of 3 sold twice over, each serial twice: the examples are the
// offending sales, each with its line in the file, in time order.
TEST(ViolationExamples, NameTheOffendingOperationsWithTheirLines) {
  std::vector<Event> events;
  std::uint64_t t = 1'000'000;
  for (std::int64_t serial : {1, 2, 3, 2, 1, 3}) {
    events.push_back(ev(t, 1, EventType::kInvoke, "buy", EventValue::of("b")));
    events.push_back(ev(t + 500, static_cast<std::uint32_t>(serial), EventType::kOk, "buy",
                        EventValue::of(serial)));
    t += 1'000'000;
  }
  TempDir dir;
  std::string path = write_history(dir, events);
  auto checker = make_no_oversell_checker(tickets_scope(), 3);
  for (const Event& e : events) checker->observe(e);
  ASSERT_FALSE(checker->result().ok);

  auto found = find_violation_examples(path, tickets_scope(), checker->anomalies());
  ASSERT_TRUE(found) << found.error();
  const std::vector<ViolationExample>& examples = *found;
  std::vector<std::string> abouts;
  for (const ViolationExample& e : examples) abouts.push_back(e.about);
  EXPECT_EQ(abouts, (std::vector<std::string>{
                        "BUY number 4 succeeded, with a stock of 3",
                        "serial 2 sold a second time",
                        "BUY number 5 succeeded, with a stock of 3",
                        "serial 1 sold a second time",
                        "BUY number 6 succeeded, with a stock of 3",
                        "serial 3 sold a second time",
                    }));
  // Serial 2's second sale: the 8th line, at 4.0005 ms, by client 2.
  const ViolationExample& two = examples[1];
  EXPECT_EQ(two.line, 8u);
  EXPECT_DOUBLE_EQ(two.t_ms, 4.0005);
  EXPECT_EQ(two.client, 2u);
  EXPECT_EQ(two.fleet, "f");
  EXPECT_EQ(two.event, "ok buy 2");
}

TEST(ViolationExamples, NoCandidatesNoExamples) {
  TempDir dir;
  auto found = find_violation_examples(write_history(dir, {}), tickets_scope(), {});
  ASSERT_TRUE(found);
  EXPECT_TRUE(found->empty());
}

}  // namespace
}  // namespace drover::violation_examples_test
