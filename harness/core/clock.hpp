// Time as every stage of drover measures it: a monotonic clock in nanoseconds.
#pragma once

#include <chrono>

namespace drover {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Duration = std::chrono::nanoseconds;

inline double to_seconds(Duration d) {
  return std::chrono::duration<double>(d).count();
}
inline double to_millis(Duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

}  // namespace drover
