#include "harness/run/figures.hpp"

namespace drover {
namespace {

double ms(std::uint64_t nanos) {
  return static_cast<double>(nanos) / 1e6;
}

double rate(std::uint64_t ops, Duration d) {
  double s = to_seconds(d);
  return s > 0 ? static_cast<double>(ops) / s : 0.0;
}

}  // namespace

void fill_figures(RunResult& run, const Recording& recording, const std::vector<FleetSlots>& fleets,
                  Duration load_duration) {
  run.duration_s = to_seconds(load_duration);
  LatencyHistogram all;
  run.totals = {};
  run.fleets.clear();
  for (const FleetSlots& f : fleets) {
    FleetResult fr;
    fr.name = f.name;
    fr.target = f.target;
    fr.clients = f.clients;
    LatencyHistogram fleet_latency;
    for (std::size_t i = 0; i < f.op_names.size(); ++i) {
      const SlotRecording& slot = recording.slots.at(f.first_slot + i);
      OpResult op;
      op.name = f.op_names[i];
      op.totals = slot.totals;
      op.latency = summarize(slot.latency);
      op.rate_per_s = rate(slot.totals.ops(), load_duration);
      for (const LatencyHistogram::Bucket& b : slot.latency.nonzero_buckets()) {
        op.latency_buckets.push_back(
            {LatencyHistogram::bucket_low(b.index) + LatencyHistogram::bucket_width(b.index) - 1,
             b.count});
      }
      op.latency_sum_s = static_cast<double>(slot.latency.sum()) / 1e9;
      op.handshake = summarize(slot.handshakes);
      fr.totals += slot.totals;
      fr.inflight += slot.inflight;
      fleet_latency.merge(slot.latency);
      fr.ops.push_back(std::move(op));
    }
    fr.latency = summarize(fleet_latency);
    fr.rate_per_s = rate(fr.totals.ops(), load_duration);
    run.totals += fr.totals;
    all.merge(fleet_latency);
    run.fleets.push_back(std::move(fr));
  }
  run.latency = summarize(all);
  run.rate_per_s = rate(run.totals.ops(), load_duration);

  run.distribution.clear();
  if (all.count() > 0) {
    for (double p : {0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 75.0, 80.0, 90.0, 95.0, 99.0,
                     99.9, 99.99, 99.999, 100.0}) {
      run.distribution.push_back({p, ms(p == 0.0 ? all.min() : all.percentile(p))});
    }
  }
}

}  // namespace drover
