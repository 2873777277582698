#include "harness/history/history_log.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

namespace drover {
namespace {

std::string temp_path(const char* name) {
  return (std::filesystem::temp_directory_path() /
          (std::string(name) + "-" + std::to_string(getpid()) + ".jsonl"))
      .string();
}

TEST(HistoryLog, EventsFromSeveralThreadsAllReachTheFileInTimeOrderPerFlush) {
  std::string path = temp_path("history-threads");
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
  std::filesystem::remove(path);
}

TEST(HistoryLog, ItIsWrittenWhileTheRunGoes) {
  std::string path = temp_path("history-live");
  HistoryLog log(path);
  log.new_buffer().record({1, 0, EventType::kInvoke, "f", "get", {}});
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  std::ifstream in(path);
  std::string line;
  ASSERT_TRUE(std::getline(in, line)) << "nothing flushed after 400 ms";
  log.close();
  std::filesystem::remove(path);
}

TEST(HistoryLog, ATornLastLineIsSkippedButABadLineInTheMiddleIsAnError) {
  std::string path = temp_path("history-torn");
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

TEST(HistoryLog, AMissingFileIsAnErrorNamingIt) {
  Expected<void> read = read_history("/nonexistent/history.jsonl", [](const Event&) {});
  ASSERT_FALSE(read);
  EXPECT_NE(read.error().find("/nonexistent/history.jsonl"), std::string::npos);
}

}  // namespace
}  // namespace drover
