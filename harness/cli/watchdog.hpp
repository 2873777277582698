// Bounds a whole run, so no hang can keep drover (or CI) waiting: once the
// run passes its bound the watchdog asks it to stop, as a Ctrl-C does (the
// run still checks, reports and stops its targets, and says the watchdog
// stopped it); if it has still not finished after the grace that follows,
// the watchdog prints why, runs the exit cleanups (run_exit_cleanups: a
// partition in force is removed) and exits at once with status 3, and the
// targets die with drover through their parent-death signal.
//
// Thread-safety: construct and destroy on one thread; the watchdog's own
// thread only sets fired() and may end the process.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "harness/core/clock.hpp"
#include "harness/scenario/scenario.hpp"

namespace drover {

// How long a run of scenario may take, start to finish: the longest its
// load can last, each target's ready timeout and stop grace, the longest
// operation timeout (draining clients, final queries), and room for the
// checks and reports.
Duration run_time_bound(const Scenario& scenario);

class Watchdog {
 public:
  // what: the run, for the message ("scenario tickets").
  Watchdog(Duration bound, Duration grace, std::string what);
  ~Watchdog();  // disarms it
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // Set once the bound has passed: the run should stop.
  const std::atomic<bool>& fired() const { return fired_; }

 private:
  void watch();
  Duration bound_, grace_;
  std::string what_;
  TimePoint start_;
  std::atomic<bool> fired_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace drover
