#include "harness/run/run_warnings.hpp"

#include "harness/core/clock.hpp"

namespace drover {

RunWarnings::RunWarnings(std::chrono::system_clock::time_point started_at,
                         std::function<void(const Warning&)> on_warning)
    : started_at_(started_at), on_warning_(std::move(on_warning)) {}

void RunWarnings::add(const std::string& source, const std::string& message) {
  Warning w{to_seconds(std::chrono::system_clock::now() - started_at_), source, message};
  {
    std::lock_guard lock(mutex_);
    kept_.push_back(w);
  }
  if (on_warning_) on_warning_(w);
}

std::vector<Warning> RunWarnings::kept() const {
  std::lock_guard lock(mutex_);
  return kept_;
}

}  // namespace drover
