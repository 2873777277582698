#include "harness/load/arrivals.hpp"

#include <algorithm>
#include <cmath>

namespace drover {

RateProfile RateProfile::constant(double rate, Duration duration) {
  return stages(rate, {{duration, rate}});
}

RateProfile RateProfile::stages(double start_rate,
                                const std::vector<std::pair<Duration, double>>& stages) {
  RateProfile p;
  double t = 0, rate = start_rate, count = 0;
  for (const auto& [duration, target] : stages) {
    double d = to_seconds(duration);
    p.segments_.push_back({t, t + d, rate, target, count});
    count += (rate + target) / 2 * d;
    t += d;
    rate = target;
  }
  return p;
}

double RateProfile::total_arrivals() const {
  if (segments_.empty()) return 0;
  const Segment& last = segments_.back();
  return last.arrivals_before + (last.from + last.to) / 2 * (last.end_s - last.start_s);
}

std::optional<double> RateProfile::time_of(double n) const {
  for (const Segment& s : segments_) {
    double d = s.end_s - s.start_s;
    double in_segment = (s.from + s.to) / 2 * d;
    if (n > s.arrivals_before + in_segment) continue;
    double want = n - s.arrivals_before;  // arrivals needed within this segment
    double slope = d > 0 ? (s.to - s.from) / d : 0;
    double x;
    if (std::abs(slope) < 1e-12) {
      if (s.from <= 0) continue;
      x = want / s.from;
    } else {
      // from*x + slope*x^2/2 = want, the root within [0, d]
      double disc = s.from * s.from + 2 * slope * want;
      x = (-s.from + std::sqrt(std::max(disc, 0.0))) / slope;
    }
    return s.start_s + std::clamp(x, 0.0, d);
  }
  return std::nullopt;
}

double RateProfile::rate_at(double t) const {
  for (const Segment& s : segments_) {
    if (t >= s.start_s && t <= s.end_s) {
      double d = s.end_s - s.start_s;
      return d > 0 ? s.from + (s.to - s.from) * (t - s.start_s) / d : s.to;
    }
  }
  return 0;
}

std::optional<double> RateProfile::first_time_above(double level, double t) const {
  for (const Segment& s : segments_) {
    if (s.end_s < t) continue;
    double from = std::max(t, s.start_s);
    double d = s.end_s - s.start_s;
    double at_from = d > 0 ? s.from + (s.to - s.from) * (from - s.start_s) / d : s.to;
    if (at_from > level) return from;
    if (s.to > level && s.to > at_from) {
      // Rising through level inside the segment: just past the crossing.
      double crossing = s.start_s + (level - s.from) / (s.to - s.from) * d;
      return std::nextafter(std::max(crossing, from), s.end_s);
    }
  }
  return std::nullopt;
}

}  // namespace drover
