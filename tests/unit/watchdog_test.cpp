// The watchdog: it asks a run to stop at its bound, and ends the process
// (exit code 3) when the run has still not stopped after the grace.
#include <thread>

#include <gtest/gtest.h>

#include "harness/cli/watchdog.hpp"

namespace drover {
namespace {

using namespace std::chrono_literals;

TEST(WatchdogTest, FiresAtItsBoundNotBefore) {
  Watchdog watchdog(300ms, 60s, "scenario slow");
  std::this_thread::sleep_for(100ms);
  EXPECT_FALSE(watchdog.fired().load());
  const TimePoint until = Clock::now() + 5s;
  while (!watchdog.fired().load() && Clock::now() < until) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(watchdog.fired().load());
  // Destroyed before the grace is over: disarmed, the process goes on.
}

TEST(WatchdogTest, ARunThatEndsInTimeNeverSeesIt) {
  { Watchdog watchdog(200ms, 100ms, "scenario quick"); }
  std::this_thread::sleep_for(500ms);
  SUCCEED() << "still here after bound and grace";
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
}  // namespace drover
