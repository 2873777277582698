// Bounds each operation of one client by a deadline, at the cost of about one
// timer wake-up per timeout period rather than one timer per operation: a
// watcher coroutine sleeps until the armed deadline and, if the same
// operation is still running then, calls the cancel function (which cancels
// or closes the client's socket, so the pending read fails).
//
// Not thread-safe: the watcher and the client run on the same io_context.
#pragma once

#include <functional>

#include "harness/core/asio.hpp"
#include "harness/core/clock.hpp"

namespace drover {

class Deadline {
 public:
  Deadline(asio::io_context& io, Duration period) : timer_(io), period_(period) {}

  void arm(TimePoint deadline) {
    deadline_ = deadline;
    expired_ = false;
  }
  void disarm() { deadline_ = TimePoint::max(); }
  // True once the watcher cancelled the armed operation.
  bool expired() const { return expired_; }

  // Starts the watcher on io. cancel runs on io's thread.
  void start(asio::io_context& io, std::function<void()> cancel) {
    cancel_ = std::move(cancel);
    asio::co_spawn(io, watch(), asio::detached);
  }
  void stop() {
    stopped_ = true;
    timer_.cancel();
  }

 private:
  asio::awaitable<void> watch() {
    while (!stopped_) {
      TimePoint now = Clock::now();
      if (deadline_ != TimePoint::max() && now >= deadline_) {
        deadline_ = TimePoint::max();
        expired_ = true;
        cancel_();
        continue;
      }
      timer_.expires_at(deadline_ == TimePoint::max() ? now + period_ : deadline_);
      boost::system::error_code ec;
      co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
  }

  asio::steady_timer timer_;
  Duration period_;
  TimePoint deadline_ = TimePoint::max();
  bool expired_ = false;
  bool stopped_ = false;
  std::function<void()> cancel_;
};

}  // namespace drover
