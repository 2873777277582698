// The watchdog: it asks a run to stop at its bound, and ends the process
// (exit code 3) when the run has still not stopped after the grace.
#include <dirent.h>

#include <thread>

#include <gtest/gtest.h>

#include "harness/cli/watchdog.hpp"
#include "tests/support/eventually.hpp"

namespace drover::watchdog_test {
namespace {

using namespace std::chrono_literals;

// The threads of this process, as /proc/self/task lists them.
std::size_t threads_here() {
  std::size_t n = 0;
  if (DIR* dir = opendir("/proc/self/task")) {
    while (dirent* entry = readdir(dir)) n += entry->d_name[0] != '.';
    closedir(dir);
  }
  return n;
}

TEST(WatchdogTest, FiresAtItsBoundNotBefore) {
  const TimePoint armed = Clock::now();
  Watchdog watchdog(300ms, 60s, "scenario slow");
  ASSERT_TRUE(test::eventually([&] { return watchdog.fired().load(); }, 5s)) << "never fired";
  // Seen fired now, so it fired no later than now, and not before its bound.
  EXPECT_GE(Clock::now() - armed, 300ms);
  // Destroyed before the grace is over: disarmed, the process goes on.
}

TEST(WatchdogTest, ARunThatEndsInTimeNeverSeesIt) {
  const std::size_t threads = threads_here();
  const TimePoint armed = Clock::now();
  {
    Watchdog watchdog(20s, 20s, "scenario quick");
    EXPECT_FALSE(watchdog.fired().load());
  }
  // Disarmed at once, not at its bound, and its thread is gone with it:
  // nothing is left that could stop the run or end the process.
  EXPECT_LT(Clock::now() - armed, 10s);
  EXPECT_TRUE(test::eventually([&] { return threads_here() == threads; }))
      << threads_here() << " threads, " << threads << " before the watchdog";
}

TEST(WatchdogDeathTest, ARunThatDoesNotStopIsEndedWithExitCode3AfterTheGrace) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        Watchdog watchdog(100ms, 200ms, "scenario stuck");
        std::this_thread::sleep_for(30s);  // a run that ignores fired()
      },
      ::testing::ExitedWithCode(3), "scenario stuck did not stop within 200ms more; exiting now");
}

}  // namespace
}  // namespace drover::watchdog_test
