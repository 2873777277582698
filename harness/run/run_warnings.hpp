// The warnings of one run: each stamped with the seconds since the run
// started, kept in the order they came for the result, and passed on at
// once to whoever watches the run (the console).
//
// Thread-safe: targets, hosts, agents and load threads warn from wherever
// they notice. on_warning is called outside the lock, from the warning
// thread; it must be safe for that.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "harness/core/notice.hpp"

namespace drover {

class RunWarnings {
 public:
  RunWarnings(std::chrono::system_clock::time_point started_at,
              std::function<void(const Warning&)> on_warning);
  RunWarnings(const RunWarnings&) = delete;
  RunWarnings& operator=(const RunWarnings&) = delete;

  void add(const std::string& source, const std::string& message);
  // The Notify to hand to what the run constructs; it calls add(), so it
  // must not outlive this.
  Notify notify() {
    return [this](const std::string& source, const std::string& message) { add(source, message); };
  }
  // Every warning so far, in the order they were added.
  std::vector<Warning> kept() const;

 private:
  const std::chrono::system_clock::time_point started_at_;
  const std::function<void(const Warning&)> on_warning_;
  mutable std::mutex mutex_;
  std::vector<Warning> kept_;
};

}  // namespace drover
