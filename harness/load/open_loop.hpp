// The open models: iterations start on a fixed schedule (a constant rate, or
// rates ramping stage by stage), whether or not earlier ones were answered.
// A slow server therefore gets the same load, and each iteration's latency
// is measured from its intended start: a stall shows at its true size, with
// none of the closed loop's coordinated omission.
#pragma once

#include "harness/load/load_model.hpp"

namespace drover {

class OpenLoop final : public LoadModel {
 public:
  explicit OpenLoop(const LoadSpec& spec);
  ClientPacerPtr pacer_for(std::size_t, TimePoint) override { return nullptr; }
  const RateProfile* arrivals() const override { return &profile_; }
  int max_inflight() const override { return max_inflight_; }
  Duration planned_duration() const override { return duration_; }

 private:
  RateProfile profile_;
  int max_inflight_;
  Duration duration_;
};

}  // namespace drover
