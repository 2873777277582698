#include "harness/history/history_log.hpp"

#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "tests/support/eventually.hpp"
#include "tests/support/files.hpp"
#include "tests/support/temp_dir.hpp"

namespace drover::history_log_test {
namespace {

using test::TempDir;

// A history file's path in a fresh folder.
std::string history_in(const TempDir& dir) {
  return (dir.path() / "history.jsonl").string();
}

TEST(HistoryLog, EventsFromSeveralThreadsAllReachTheFileInTimeOrderPerFlush) {
  TempDir dir;
  const std::string path = history_in(dir);
  {
    HistoryLog log(path);
    std::vector<std::thread> threads;
    for (std::uint32_t t = 0; t < 4; ++t) {
      HistoryLog::Buffer& buffer = log.new_buffer();
      threads.emplace_back([&buffer, t] {
        for (std::uint64_t i = 0; i < 5000; ++i) {
          buffer.record({i * 4 + t, t, EventType::kOk, "f", "put", EventValue::of("x")});
        }
      });
    }
    for (auto& th : threads) th.join();
    log.close();
    EXPECT_EQ(log.events_written(), 20000u);
  }
  std::uint64_t count = 0;
  Expected<void> read = read_history(path, [&](const Event&) { ++count; });
  ASSERT_TRUE(read) << read.error();
  EXPECT_EQ(count, 20000u);
}

TEST(HistoryLog, ItIsWrittenWhileTheRunGoes) {
  TempDir dir;
  const std::string path = history_in(dir);
  HistoryLog log(path);
  log.new_buffer().record({1, 0, EventType::kInvoke, "f", "get", {}});
  // The flusher's own doing: nothing here flushes or closes the log.
  EXPECT_TRUE(
      test::eventually([&] { return test::read_file(path).find('\n') != std::string::npos; },
                       std::chrono::seconds(10)))
      << "no whole line in the file 10 s after the event, while the log is open";
  log.close();
}

TEST(HistoryLog, ATornLastLineIsSkippedButABadLineInTheMiddleIsAnError) {
  TempDir dir;
  const std::string path = history_in(dir);
  std::ofstream(path) << R"({"t":1,"client":0,"fleet":"f","type":"ok","f":"get","value":"a"})"
                      << "\n"
                      << R"({"t":2,"client":0,"fleet":"f","ty)";
  int count = 0;
  Expected<void> read = read_history(path, [&](const Event&) { ++count; });
  EXPECT_TRUE(read) << read.error();
  EXPECT_EQ(count, 1);

  std::ofstream(path) << "garbage\n"
                      << R"({"t":1,"client":0,"fleet":"f","type":"ok","f":"get","value":"a"})"
                      << "\n";
  read = read_history(path, [&](const Event&) {});
  ASSERT_FALSE(read);
  EXPECT_NE(read.error().find(":1: "), std::string::npos) << read.error();
  std::filesystem::remove(path);
}

// Each event comes with its line, blank lines included in the count, and
// the torn last line is named, so that a checker can say what it lost.
TEST(HistoryLog, EventsComeWithTheirLineAndATornLineIsNamed) {
  TempDir dir;
  const std::string path = history_in(dir);
  std::ofstream(path)
      << R"({"t":1,"client":0,"fleet":"f","type":"ok","f":"get","value":"a"})"
      << "\n\n"
      << R"({ "client": 0, "t": 2, "fleet": "f", "type": "ok", "f": "get", "value": "b" })"
      << "\n"
      << R"({"t":3,"client":0,"fl)";
  std::vector<std::uint64_t> lines;
  auto read =
      read_history_lines(path, [&](const Event&, std::uint64_t line) { lines.push_back(line); });
  ASSERT_TRUE(read) << read.error();
  EXPECT_EQ(lines, (std::vector<std::uint64_t>{1, 3}));
  EXPECT_EQ(read->events, 2u);
  EXPECT_EQ(read->torn_line, 4u);
}

TEST(HistoryLog, AMissingFileIsAnErrorNamingIt) {
  Expected<void> read = read_history("/nonexistent/history.jsonl", [](const Event&) {});
  ASSERT_FALSE(read);
  EXPECT_NE(read.error().find("/nonexistent/history.jsonl"), std::string::npos);
}

}  // namespace
}  // namespace drover::history_log_test
