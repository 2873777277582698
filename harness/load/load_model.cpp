#include "harness/load/load_model.hpp"

#include "harness/load/closed_loop.hpp"
#include "harness/load/open_loop.hpp"
#include "harness/scenario/capacity_steps.hpp"

namespace drover {

LoadModelPtr make_load_model(const LoadSpec& spec) {
  switch (spec.model) {
    case LoadSpec::Model::kClosed:
      return std::make_unique<ClosedLoop>(spec);
    case LoadSpec::Model::kOpen:
    case LoadSpec::Model::kStages:
    case LoadSpec::Model::kCapacity:  // the runner runs one open model per step
      return std::make_unique<OpenLoop>(spec);
  }
  return nullptr;
}

Duration longest_load(const LoadSpec& spec) {
  if (spec.model != LoadSpec::Model::kCapacity) return spec.duration;
  // Every step the search may take, its bisection included.
  return spec.step_duration * max_capacity_steps(spec);
}

}  // namespace drover
