// When the open models' iterations are meant to start. A rate profile is a
// piecewise-linear rate over time (constant for the open model, ramping
// stage by stage for the stages model); its arrivals are where the
// cumulative count of the rate crosses each integer, so a schedule never
// drifts however long it runs. A fleet's arrivals are dealt to its load
// threads in turn: share j of n takes arrivals j, j+n, j+2n, ...
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "harness/core/clock.hpp"

namespace drover {

class RateProfile {
 public:
  struct Segment {
    double start_s, end_s;   // since the load started
    double from, to;         // rate at start and end, per second
    double arrivals_before;  // cumulative count at start_s
  };
  // A constant rate for duration.
  static RateProfile constant(double rate, Duration duration);
  // Linear ramps: from start_rate to each stage's rate over its duration.
  static RateProfile stages(double start_rate,
                            const std::vector<std::pair<Duration, double>>& stages);

  double total_arrivals() const;
  double duration_s() const { return segments_.empty() ? 0 : segments_.back().end_s; }
  // The time (seconds since the start) at which the cumulative count reaches
  // n, or nullopt past the end.
  std::optional<double> time_of(double n) const;
  // The rate at t seconds.
  double rate_at(double t) const;
  // The earliest time from t on at which the rate is above level, or
  // nullopt if it never is before the end. The closed model's stages use a
  // profile as a client count over time: client k runs while it is above k.
  std::optional<double> first_time_above(double level, double t) const;

 private:
  std::vector<Segment> segments_;
};

// One share of a profile's arrivals. Not thread-safe: one dispatcher.
class ArrivalSchedule {
 public:
  ArrivalSchedule(const RateProfile& profile, TimePoint load_start, std::size_t share,
                  std::size_t shares)
      : profile_(profile),
        load_start_(load_start),
        next_(static_cast<double>(share)),
        step_(static_cast<double>(shares)) {}

  // The next intended start, or nullopt when the load is over.
  std::optional<TimePoint> next() {
    // Arrival k (0-based) is where the count reaches k + 0.5: spread evenly,
    // none exactly at the start or the end.
    auto t = profile_.time_of(next_ + 0.5);
    if (!t) return std::nullopt;
    next_ += step_;
    return load_start_ + std::chrono::duration_cast<Duration>(std::chrono::duration<double>(*t));
  }

 private:
  const RateProfile& profile_;
  TimePoint load_start_;
  double next_;
  double step_;
};

}  // namespace drover
