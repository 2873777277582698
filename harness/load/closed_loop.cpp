#include "harness/load/closed_loop.hpp"

namespace drover {
namespace {

class ClosedLoopPacer final : public ClientPacer {
 public:
  ClosedLoopPacer(const LoadSpec& spec, TimePoint load_start)
      : end_(load_start + spec.duration),
        think_(spec.think_time),
        iterations_left_(spec.iterations.value_or(UINT64_MAX)),
        first_(load_start) {}

  std::optional<TimePoint> next(TimePoint now) override {
    if (iterations_left_ == 0) return std::nullopt;
    TimePoint start = started_ ? now + think_ : std::max(now, first_);
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
  bool started_ = false;
};

}  // namespace

ClientPacerPtr ClosedLoop::pacer_for(std::size_t, TimePoint load_start) {
  return std::make_unique<ClosedLoopPacer>(spec_, load_start);
}

}  // namespace drover
