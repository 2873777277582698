// The closed loop: each client starts its next operation when the previous
// one has ended plus the think time, until the duration is over or it has
// done its iterations. A slow server therefore receives less load: the
// closed loop measures what clients experience, not what an open arrival
// rate would (that is the open model's job).
#pragma once

#include "harness/load/load_model.hpp"

namespace drover {

class ClosedLoop final : public LoadModel {
 public:
  explicit ClosedLoop(const LoadSpec& spec) : spec_(spec) {}
  ClientPacerPtr pacer_for(std::size_t client_index, TimePoint load_start) override;
  Duration planned_duration() const override { return spec_.duration; }

 private:
  LoadSpec spec_;
};

}  // namespace drover
