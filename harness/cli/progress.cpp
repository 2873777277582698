#include "harness/cli/progress.hpp"

#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

namespace drover {

ProgressPrinter::ProgressPrinter(std::FILE* out, std::string scenario)
    : out_(out), scenario_(std::move(scenario)), tty_(isatty(fileno(out)) != 0) {}

Duration ProgressPrinter::interval() const {
  return tty_ ? Duration(std::chrono::milliseconds(500)) : Duration(std::chrono::seconds(5));
}

void ProgressPrinter::update(const LiveStatus& s) {
  double elapsed = to_seconds(s.elapsed);
  double planned = to_seconds(s.planned);
  double fraction = planned > 0 ? std::clamp(elapsed / planned, 0.0, 1.0) : 0.0;
  constexpr int kBar = 20;
  int filled = static_cast<int>(fraction * kBar);
  std::string bar = std::string(filled, '#') + std::string(kBar - filled, '.');
  std::string line = fmt::format("{} [{}] {:5.1f}/{:.0f}s  {} ops  {:.0f} ops/s  {} errors",
                                 scenario_, bar, elapsed, planned, s.ops, s.rate_per_s, s.errors);
  if (tty_) {
    fmt::print(out_, "\r\033[K{}", line);
    dirty_ = true;
  } else {
    fmt::print(out_, "{}\n", line);
  }
  std::fflush(out_);
}

void ProgressPrinter::finish() {
  if (dirty_) fmt::print(out_, "\n");
  dirty_ = false;
  std::fflush(out_);
}

}  // namespace drover
