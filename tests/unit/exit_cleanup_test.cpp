// The cleanups that run when drover exits without unwinding: newest first,
// each once, only while registered, and one caller at a time.
#include <condition_variable>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "harness/core/exit_cleanup.hpp"

namespace drover::exit_cleanup_test {
namespace {

using namespace std::chrono_literals;

// What the actions did, in order; actions may run on another thread.
class Log {
 public:
  void add(std::string entry) {
    std::lock_guard lock(mutex_);
    entries_.push_back(std::move(entry));
  }
  std::vector<std::string> entries() {
    std::lock_guard lock(mutex_);
    return entries_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> entries_;
};

TEST(ExitCleanupTest, RunsNewestFirstAndEachOnce) {
  Log log;
  ExitCleanup first([&] { log.add("first"); });
  ExitCleanup second([&] { log.add("second"); });
  ExitCleanup third([&] { log.add("third"); });
  run_exit_cleanups();
  EXPECT_EQ(log.entries(), (std::vector<std::string>{"third", "second", "first"}));
  run_exit_cleanups();
  EXPECT_EQ(log.entries().size(), 3u) << "an action ran twice";
}

TEST(ExitCleanupTest, ADestroyedHandleTakesItsActionAway) {
  Log log;
  ExitCleanup kept([&] { log.add("kept"); });
  {
    ExitCleanup dropped([&] { log.add("dropped"); });
  }
  run_exit_cleanups();
  EXPECT_EQ(log.entries(), std::vector<std::string>{"kept"});
}

TEST(ExitCleanupTest, AMovedHandleKeepsTheActionRegisteredOnce) {
  Log log;
  std::optional<ExitCleanup> moved_from;
  moved_from.emplace([&] { log.add("moved"); });
  ExitCleanup holder = std::move(*moved_from);
  moved_from.reset();  // must not take the action away from holder
  run_exit_cleanups();
  EXPECT_EQ(log.entries(), std::vector<std::string>{"moved"});
}

TEST(ExitCleanupTest, AssigningOverAHandleUnregistersItsOldAction) {
  Log log;
  ExitCleanup handle([&] { log.add("old"); });
  handle = ExitCleanup([&] { log.add("new"); });
  run_exit_cleanups();
  EXPECT_EQ(log.entries(), std::vector<std::string>{"new"});
}

TEST(ExitCleanupTest, AnActionThatThrowsDoesNotStopTheOthers) {
  Log log;
  ExitCleanup first([&] { log.add("first"); });
  ExitCleanup throws([] { throw std::runtime_error("nft failed"); });
  run_exit_cleanups();
  EXPECT_EQ(log.entries(), std::vector<std::string>{"first"});
}

TEST(ExitCleanupTest, AnOwnerMayDropItsHandleWhileTheActionRuns) {
  Log log;
  std::optional<ExitCleanup> handle;
  // The owner destroyed on the thread that runs the cleanups: unregistering
  // must not wait for the cleanups to end.
  handle.emplace([&] {
    handle.reset();
    log.add("ran");
  });
  run_exit_cleanups();
  EXPECT_EQ(log.entries(), std::vector<std::string>{"ran"});
}

// The signal watcher and the watchdog may both decide to exit at once: the
// second must not return (and exit) while the first is still cleaning up.
TEST(ExitCleanupTest, ASecondCallerWaitsUntilTheFirstHasFinished) {
  Log log;
  std::mutex mutex;
  std::condition_variable changed;
  bool second_returned = false;
  std::thread second;
  ExitCleanup slow([&] {
    second = std::thread([&] {
      run_exit_cleanups();
      std::lock_guard lock(mutex);
      second_returned = true;
      changed.notify_all();
    });
    // Long enough for a second caller that does not wait to return (it has
    // nothing to run); one that waits cannot return before this ends.
    std::unique_lock lock(mutex);
    changed.wait_for(lock, 300ms, [&] { return second_returned; });
    log.add(second_returned ? "the second caller returned early" : "first done");
  });
  run_exit_cleanups();
  second.join();
  EXPECT_EQ(log.entries(), std::vector<std::string>{"first done"});
  EXPECT_TRUE(second_returned);
}

}  // namespace
}  // namespace drover::exit_cleanup_test
