#include "harness/load/open_loop.hpp"

namespace drover {

namespace {

RateProfile profile_of(const LoadSpec& spec) {
  if (spec.model == LoadSpec::Model::kStages) {
    std::vector<std::pair<Duration, double>> stages;
    for (const Stage& s : spec.stages) stages.emplace_back(s.duration, s.target);
    return RateProfile::stages(spec.start_rate, stages);
  }
  return RateProfile::constant(spec.rate, spec.duration);
}

}  // namespace

OpenLoop::OpenLoop(const LoadSpec& spec)
    : profile_(profile_of(spec)),
      max_inflight_(spec.max_inflight),
      duration_(std::chrono::duration_cast<Duration>(
          std::chrono::duration<double>(profile_.duration_s()))) {}

}  // namespace drover
