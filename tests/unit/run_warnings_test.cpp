// A run's warnings: stamped with the seconds since the run started, kept in
// order, passed on as they come, from any thread.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <mutex>
#include <thread>
#include <vector>

#include "harness/run/run_warnings.hpp"

namespace drover::run_warnings_test {
namespace {

using namespace std::chrono_literals;

TEST(RunWarningsTest, AWarningIsStampedKeptAndPassedOn) {
  std::vector<Warning> passed;
  const auto started_at = std::chrono::system_clock::now() - 5s;
  RunWarnings warnings(started_at, [&passed](const Warning& w) { passed.push_back(w); });
  const auto before = std::chrono::system_clock::now();
  notify(warnings.notify(), "target echo", "its log stays behind");
  const auto after = std::chrono::system_clock::now();

  std::vector<Warning> kept = warnings.kept();
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].source, "target echo");
  EXPECT_EQ(kept[0].message, "its log stays behind");
  EXPECT_GE(kept[0].at_s, std::chrono::duration<double>(before - started_at).count());
  EXPECT_LE(kept[0].at_s, std::chrono::duration<double>(after - started_at).count());
  ASSERT_EQ(passed.size(), 1u);
  EXPECT_EQ(passed[0].source, kept[0].source);
  EXPECT_EQ(passed[0].message, kept[0].message);
  EXPECT_EQ(passed[0].at_s, kept[0].at_s);
}

TEST(RunWarningsTest, WarningsAreKeptInTheOrderTheyCame) {
  RunWarnings warnings(std::chrono::system_clock::now(), nullptr);
  warnings.add("partitions", "first");
  warnings.add("host db1", "second");
  std::vector<Warning> kept = warnings.kept();
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0].message, "first");
  EXPECT_EQ(kept[1].message, "second");
  EXPECT_LE(kept[0].at_s, kept[1].at_s);
}

TEST(RunWarningsTest, WarningsFromManyThreadsAreAllKeptAndPassedOn) {
  std::mutex mutex;
  std::size_t passed = 0;
  RunWarnings warnings(std::chrono::system_clock::now(), [&](const Warning&) {
    std::lock_guard lock(mutex);
    ++passed;
  });
  Notify notify = warnings.notify();
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&notify, t] {
      for (int i = 0; i < 500; ++i) notify("thread " + std::to_string(t), std::to_string(i));
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(warnings.kept().size(), 8u * 500u);
  EXPECT_EQ(passed, 8u * 500u);
}

}  // namespace
}  // namespace drover::run_warnings_test
