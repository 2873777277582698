// The drive phase of a capacity search: one load phase per step.
#include "harness/run/capacity_search.hpp"

#include <cmath>

#include <fmt/format.h>

#include "harness/checks/thresholds.hpp"
#include "harness/run/run.hpp"

namespace drover {

LoadSpec capacity_step_load(const LoadSpec& search, double rate) {
  LoadSpec step = search;
  step.model = LoadSpec::Model::kOpen;
  step.rate = rate;
  step.duration = search.step_duration;
  return step;
}

CapacityStep judge_capacity_step(const LoadSpec& search, std::size_t fleets, double rate,
                                 const RunResult& figures) {
  CapacityStep point;
  point.offered_per_s = rate * static_cast<double>(fleets);
  point.answered_per_s =
      static_cast<double>(figures.totals.ok()) / to_seconds(search.step_duration);
  point.p99_ms = figures.latency.p99_ms;
  point.error_rate = figures.totals.error_rate();
  point.missed_starts = figures.totals.missed_starts;
  std::vector<std::string> missed;
  for (const ThresholdResult& t : evaluate_thresholds(search.slo, figures)) {
    if (!t.ok) missed.push_back(fmt::format("{} {}", t.metric, t.limit));
  }
  if (point.answered_per_s < 0.95 * point.offered_per_s) {
    missed.push_back(fmt::format("answered {:.0f}/s of {:.0f}/s offered", point.answered_per_s,
                                 point.offered_per_s));
  }
  point.ok = missed.empty();
  for (const auto& m : missed) point.why += (point.why.empty() ? "" : "; ") + m;
  return point;
}

// Each step's recording goes after the one before it, so the run's
// per-second series shows the whole search.
void Run::search_capacity() {
  const LoadSpec& spec = scenario_.load;
  result_.capacity.searched = true;
  std::size_t second_offset = 0;
  std::uint64_t step_index = 0;
  for (double rate = spec.from; rate <= spec.to * 1.000001; rate *= spec.factor, ++step_index) {
    std::vector<FleetPlan> plans =
        step_index == 0 ? std::move(first_plans_) : local_only(make_plans());
    second_offset_ = second_offset;
    LoadPhase step =
        run_load(capacity_step_load(spec, rate), std::move(plans), options_.seed + step_index);
    load_duration_ += step.took;
    append_recording(recording_, step.recording, second_offset);
    second_offset += static_cast<std::size_t>(std::ceil(to_seconds(step.took)));

    RunResult figures;
    fill_figures(figures, step.recording, slots_, step.took);
    CapacityStep point = judge_capacity_step(spec, scenario_.fleets.size(), rate, figures);
    result_.capacity.curve.push_back(point);
    if (!point.ok || result_.interrupted) break;
    result_.capacity.capacity_per_s = point.offered_per_s;
  }
}

}  // namespace drover
