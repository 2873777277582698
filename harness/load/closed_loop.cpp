#include "harness/load/closed_loop.hpp"

namespace drover {
namespace {

class ClosedLoopPacer final : public ClientPacer {
 public:
  ClosedLoopPacer(const LoadSpec& spec, TimePoint load_start, const RateProfile* clients,
                  std::size_t index_in_fleet)
      : end_(load_start + spec.duration),
        think_(spec.think_time),
        iterations_left_(spec.iterations.value_or(UINT64_MAX)),
        first_(load_start),
        clients_(clients),
        index_(static_cast<double>(index_in_fleet)) {}

  std::optional<TimePoint> next(TimePoint now) override {
    if (iterations_left_ == 0) return std::nullopt;
    TimePoint start = started_ ? now + think_ : std::max(now, first_);
    if (clients_) {
      // Idle until the stages' client count reaches this client.
      auto active = clients_->first_time_above(index_, to_seconds(start - first_));
      if (!active) return std::nullopt;
      start = std::max(start, first_ + std::chrono::duration_cast<Duration>(
                                           std::chrono::duration<double>(*active)));
    }
    if (start >= end_) return std::nullopt;
    started_ = true;
    --iterations_left_;
    return start;
  }

 private:
  TimePoint end_;
  Duration think_;
  std::uint64_t iterations_left_;
  TimePoint first_;
  const RateProfile* clients_;
  double index_;
  bool started_ = false;
};

}  // namespace

ClosedLoop::ClosedLoop(const LoadSpec& spec) : spec_(spec) {
  if (!spec.stages.empty()) {
    std::vector<std::pair<Duration, double>> stages;
    for (const Stage& s : spec.stages) stages.emplace_back(s.duration, s.target);
    clients_ = RateProfile::stages(spec.start_clients, stages);
  }
}

ClientPacerPtr ClosedLoop::pacer_for(std::size_t index_in_fleet, TimePoint load_start) {
  return std::make_unique<ClosedLoopPacer>(spec_, load_start, clients_ ? &*clients_ : nullptr,
                                           index_in_fleet);
}

}  // namespace drover
