#include "harness/run/figures.hpp"

namespace drover {
namespace {

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
  run.op_distributions.clear();
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
      run.op_distributions.push_back({f.name + "/" + op.name, percentile_points(slot.latency)});
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

  run.distribution = percentile_points(all);
}

}  // namespace drover
