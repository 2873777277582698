// The closed loop: each client starts its next operation when the previous
// one has ended plus the think time, until the duration is over or it has
// done its iterations. A slow server therefore receives less load: the
// closed loop measures what clients experience, not what an open arrival
// rate would (that is the open model's job).
//
// With stages, the number of active clients of each fleet ramps linearly
// stage by stage (k6's ramping VUs): client k of a fleet starts iterations
// only while the count is above k, and waits, idle, while it is not.
#pragma once

#include <optional>

#include "harness/load/load_model.hpp"

namespace drover {

class ClosedLoop final : public LoadModel {
 public:
  explicit ClosedLoop(const LoadSpec& spec);
  ClientPacerPtr pacer_for(std::size_t index_in_fleet, TimePoint load_start) override;
  Duration planned_duration() const override { return spec_.duration; }

 private:
  LoadSpec spec_;
  std::optional<RateProfile> clients_;  // with stages: active clients over time
};

}  // namespace drover
