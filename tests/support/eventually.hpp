// Waiting for an event a test cannot be told of: poll for it, bounded, so
// that an event that never comes fails the test rather than hanging it or
// passing it (a fixed sleep would do one or the other). Thread-safe: no
// shared state.
#pragma once

#include <chrono>
#include <thread>

namespace drover::test {

// Polls `holds` every `poll` until it returns true (then true) or `timeout`
// has passed (then false).
template <class Condition>
bool eventually(Condition holds,
                std::chrono::milliseconds timeout = std::chrono::milliseconds(2000),
                std::chrono::milliseconds poll = std::chrono::milliseconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (holds()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(poll);
  }
}

}  // namespace drover::test
