// When operations start. A load model knows timing and nothing of protocols:
// it hands each client a pacer that says when the client's next operation
// is meant to start. Latency is measured from that intended start.
#pragma once

#include <memory>
#include <optional>

#include "harness/core/clock.hpp"
#include "harness/load/arrivals.hpp"
#include "harness/scenario/scenario.hpp"

namespace drover {

// One client's schedule. Not thread-safe: used by its client only.
class ClientPacer {
 public:
  virtual ~ClientPacer() = default;
  // The intended start of the next operation, given that the previous one
  // (if any) ended at now; nullopt when the client has no more to do.
  virtual std::optional<TimePoint> next(TimePoint now) = 0;
};
using ClientPacerPtr = std::unique_ptr<ClientPacer>;

class LoadModel {
 public:
  virtual ~LoadModel() = default;
  // Closed models pace each client; open models instead give a schedule of
  // arrivals per fleet (arrivals()), served by whichever client is idle.
  // index_in_fleet: the client's place in its fleet, from 0.
  virtual ClientPacerPtr pacer_for(std::size_t index_in_fleet, TimePoint load_start) = 0;
  virtual const RateProfile* arrivals() const { return nullptr; }
  // Open models: the most iterations of one fleet outstanding at once (0:
  // as many as the fleet has clients).
  virtual int max_inflight() const { return 0; }
  // How long the load phase is planned to last (for progress and reports).
  virtual Duration planned_duration() const = 0;
};
using LoadModelPtr = std::unique_ptr<LoadModel>;

LoadModelPtr make_load_model(const LoadSpec& spec);

// The longest the load of spec can last: its duration, or every step of a
// capacity search. Closed clients stop starting operations then, and open
// arrivals end; operations under way still get their timeout.
Duration longest_load(const LoadSpec& spec);

}  // namespace drover
