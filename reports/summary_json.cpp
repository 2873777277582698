#include <fmt/chrono.h>
#include <nlohmann/json.hpp>

#include "reports/sink.hpp"

namespace drover {
namespace {

using nlohmann::ordered_json;

// Figures are rounded to the microsecond: more digits would only be noise.
double round3(double v) {
  return std::round(v * 1000.0) / 1000.0;
}

// An optional text: null rather than "" when there is none.
ordered_json or_null(const std::string& text) {
  return text.empty() ? ordered_json() : ordered_json(text);
}

ordered_json totals_json(const OpTotals& t, double rate) {
  ordered_json j;
  j["ops"] = t.ops();
  j["ok"] = t.ok();
  j["errors"] = t.errors();
  j["error_rate"] = t.error_rate();
  j["rate_per_s"] = round3(rate);
  ordered_json by_class;
  for (std::size_t i = 1; i < kOutcomeCount; ++i) {
    by_class[std::string(kOutcomeNames[i])] = t.by_outcome[i];
  }
  j["errors_by_class"] = by_class;
  j["late_replies"] = t.late_replies;
  j["missed_starts"] = t.missed_starts;
  return j;
}

ordered_json latency_json(const LatencySummary& l) {
  return {{"count", l.count},          {"min", round3(l.min_ms)}, {"mean", round3(l.mean_ms)},
          {"p50", round3(l.p50_ms)},   {"p90", round3(l.p90_ms)}, {"p99", round3(l.p99_ms)},
          {"p999", round3(l.p999_ms)}, {"max", round3(l.max_ms)}};
}

}  // namespace

std::string render_summary_json(const RunResult& run) {
  ordered_json j;
  j["schema_version"] = 1;
  j["scenario"] = run.scenario;
  j["scenario_file"] = run.scenario_file;
  j["result"] = verdict_name(run.verdict);
  j["exit_code"] = to_int(run.exit_code);
  j["expect"] = expect_name(run.expect);
  j["violation_missing"] = run.violation_missing;
  j["interrupted"] = run.interrupted;
  j["aborted"] = run.aborted;
  j["seed"] = run.seed;
  j["started_at"] = fmt::format("{:%Y-%m-%dT%H:%M:%S}Z",
                                fmt::gmtime(std::chrono::system_clock::to_time_t(run.started_at)));
  j["duration_s"] = round3(run.duration_s);
  j["errors"] = run.errors;
  j["totals"] = totals_json(run.totals, run.rate_per_s);
  j["latency_ms"] = latency_json(run.latency);

  ordered_json fleets = ordered_json::array();
  for (const FleetResult& f : run.fleets) {
    ordered_json fj;
    fj["name"] = f.name;
    fj["target"] = f.target;
    fj["clients"] = f.clients;
    fj["totals"] = totals_json(f.totals, f.rate_per_s);
    fj["latency_ms"] = latency_json(f.latency);
    ordered_json ops = ordered_json::array();
    for (const OpResult& op : f.ops) {
      ops.push_back({{"name", op.name},
                     {"totals", totals_json(op.totals, op.rate_per_s)},
                     {"latency_ms", latency_json(op.latency)}});
    }
    fj["ops"] = ops;
    if (!f.hosts.empty()) {
      ordered_json hosts = ordered_json::array();
      for (const FleetHostResult& h : f.hosts) {
        hosts.push_back({{"host", h.host},
                         {"clients", h.clients},
                         {"totals", totals_json(h.totals, h.rate_per_s)},
                         {"latency_ms", latency_json(h.latency)}});
      }
      fj["hosts"] = hosts;
    }
    fleets.push_back(fj);
  }
  j["fleets"] = fleets;

  ordered_json thresholds = ordered_json::array();
  for (const ThresholdResult& t : run.thresholds) {
    thresholds.push_back({{"metric", t.metric},
                          {"fleet", t.fleet.empty() ? ordered_json() : ordered_json(t.fleet)},
                          {"op", t.comparison},
                          {"limit", t.limit},
                          {"limit_value", t.limit_value},
                          {"value", round3(t.value)},
                          {"unit", t.unit},
                          {"ok", t.ok}});
    if (t.aborted) {
      thresholds.back()["aborted"] = {{"at_s", round3(t.aborted_at_s)},
                                      {"value", round3(t.aborted_value)}};
    }
  }
  j["thresholds"] = thresholds;

  ordered_json invariants = ordered_json::array();
  for (const InvariantResult& i : run.invariants) {
    ordered_json invariant = {{"name", invariant_name(i.invariant)},
                              {"subject", i.subject},
                              {"ok", i.ok},
                              {"expected_failure", i.expected_failure},
                              {"detail", i.detail}};
    if (i.anomaly) {
      ordered_json events = ordered_json::array();
      for (const TimelineEvent& e : i.anomaly->events) {
        events.push_back({{"t_ms", round3(e.t_ms)},
                          {"client", e.client},
                          {"fleet", e.fleet},
                          {"type", e.type},
                          {"f", e.f},
                          {"value", e.value},
                          {"focus", e.focus},
                          {"related", e.related}});
      }
      invariant["anomaly"] = {
          {"about", i.anomaly->about}, {"t_ms", round3(i.anomaly->t_ms)}, {"events", events}};
    }
    invariants.push_back(std::move(invariant));
  }
  j["invariants"] = invariants;

  ordered_json targets = ordered_json::array();
  for (const TargetResult& t : run.targets) {
    targets.push_back({{"name", t.name},
                       {"kind", t.kind},
                       {"address", t.address},
                       {"host", or_null(t.host)},
                       {"host_address", or_null(t.host_address)},
                       {"pid", t.pid},
                       {"exited_during_run", t.exited_during_run},
                       {"exit", t.exit_description},
                       {"logs", t.logs},
                       {"restarts", t.restarts}});
  }
  j["targets"] = targets;

  ordered_json setup = ordered_json::array();
  for (const SetupStepResult& step : run.setup) {
    setup.push_back(
        {{"step", step.step},
         {"host", or_null(step.host)},
         {"host_address", or_null(step.host_address)},
         {"argv", step.argv},
         {"exit_status", step.exit_status ? ordered_json(*step.exit_status) : ordered_json()},
         {"outcome", step.outcome},
         {"duration_s", round3(step.duration_s)},
         {"ok", step.ok},
         {"allow_failure", step.allow_failure},
         {"log", step.log}});
  }
  j["setup"] = setup;
  if (!run.faults.empty()) {
    ordered_json faults = ordered_json::array();
    for (const FaultRecord& f : run.faults) {
      faults.push_back({{"action", f.action},
                        {"target", f.target},
                        {"start_s", round3(f.start_s)},
                        {"end_s", round3(f.end_s)},
                        {"detail", f.detail}});
    }
    j["faults"] = faults;
  }

  ordered_json series = ordered_json::array();
  for (const SecondSample& s : run.series) {
    series.push_back({{"second", s.second},
                      {"ops", s.ops},
                      {"errors", s.errors},
                      {"p50_ms", round3(s.p50_ms)},
                      {"p99_ms", round3(s.p99_ms)},
                      {"max_ms", round3(s.max_ms)}});
  }
  j["series"] = series;

  if (run.capacity.searched) {
    ordered_json curve = ordered_json::array();
    for (const CapacityStep& c : run.capacity.curve) {
      curve.push_back({{"offered_per_s", round3(c.offered_per_s)},
                       {"answered_per_s", round3(c.answered_per_s)},
                       {"p99_ms", round3(c.p99_ms)},
                       {"error_rate", c.error_rate},
                       {"missed_starts", c.missed_starts},
                       {"ok", c.ok},
                       {"missed", c.why}});
    }
    j["capacity"] = {{"capacity_per_s", round3(run.capacity.capacity_per_s)}, {"curve", curve}};
  }

  ordered_json distribution = ordered_json::array();
  for (const Percentile& p : run.distribution) {
    distribution.push_back({{"percentile", p.percentile}, {"ms", round3(p.value_ms)}});
  }
  j["latency_distribution"] = distribution;
  return j.dump(2);
}

SinkPtr make_summary_json_sink(std::string path) {
  return make_file_sink(std::move(path),
                        [](const RunResult& run) { return render_summary_json(run) + '\n'; });
}

}  // namespace drover
