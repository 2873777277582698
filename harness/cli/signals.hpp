// SIGINT and SIGTERM for the whole process: blocked in every thread and
// received by one watcher thread, so a Ctrl-C never lands in the middle of
// a load thread. The first signal asks the run to stop (it still checks,
// reports and stops its targets); the second exits at once, once the exit
// cleanups have run (harness/core/exit_cleanup.hpp: partitions in force),
// and the targets die with drover through their parent-death signal.
#pragma once

#include <atomic>
#include <thread>

namespace drover {

class SignalWatcher {
 public:
  SignalWatcher();   // call before starting any other thread
  ~SignalWatcher();  // the watcher thread is detached: it may be in sigwait
  const std::atomic<bool>& interrupted() const { return interrupted_; }

 private:
  std::atomic<bool> interrupted_{false};
};

}  // namespace drover
