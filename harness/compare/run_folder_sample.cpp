// A run folder as a RunSample (sample_io.hpp).
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness/compare/sample_io.hpp"
#include "harness/measure/hdr_log.hpp"
#include "harness/scenario/json_reading.hpp"
#include "harness/scenario/parse_sections.hpp"

namespace drover {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

Expected<json> read_json(const fs::path& file) {
  std::ifstream in(file);
  if (!in) return unexpected(fmt::format("{}: cannot be read", file.string()));
  try {
    return json::parse(in);
  } catch (const json::exception& e) {
    return unexpected(fmt::format("{}: not JSON: {}", file.string(), e.what()));
  }
}

// The load section without its top-level duration: runs of different
// lengths of one load model compare.
std::string load_model_of(const json& scenario) {
  json load = scenario.value("load", json::object());
  if (load.is_object()) load.erase("duration");
  return load.dump();
}

// scenario.json's load section with the run's --set overrides (inputs.json)
// applied, as the run read it.
Expected<std::string> load_model_in(const fs::path& folder) {
  auto scenario = read_json(folder / "scenario.json");
  if (!scenario) return unexpected(scenario.error());
  std::vector<std::string> overrides;
  if (fs::exists(folder / "inputs.json")) {
    auto inputs = read_json(folder / "inputs.json");
    if (!inputs) return unexpected(inputs.error());
    overrides = inputs->value("overrides", std::vector<std::string>{});
  }
  scenario_json::Json doc = scenario_json::Json::parse(scenario->dump());
  scenario_json::Problems problems;
  scenario_json::apply_overrides(doc, overrides, problems);
  return load_model_of(json::parse(doc.dump()));
}

double share(double part, double whole) {
  return whole > 0 ? part / whole : 0;
}

// Each op's seconds from summary.json: its share of the run's operations
// and errors of each second (the series is per run, not per op).
void add_ops(const json& summary, RunSample& run) {
  const json& totals = summary.at("totals");
  double run_ops = totals.at("ops").get<double>();
  double run_errors = totals.at("errors").get<double>();
  const json& series = summary.value("series", json::array());
  for (const json& fleet : summary.at("fleets")) {
    for (const json& op : fleet.at("ops")) {
      OpSeries s{fleet.at("name").get<std::string>(), op.at("name").get<std::string>(), {}};
      double ops_share = share(op.at("totals").at("ops").get<double>(), run_ops);
      double err_share = share(op.at("totals").at("errors").get<double>(), run_errors);
      s.seconds.resize(series.size());
      for (std::size_t i = 0; i < series.size(); ++i) {
        s.seconds[i].ops = series[i].at("ops").get<double>() * ops_share;
        s.seconds[i].errors = series[i].at("errors").get<double>() * err_share;
      }
      run.ops.push_back(std::move(s));
    }
  }
}

Expected<void> add_latencies(const fs::path& log_file, RunSample& run) {
  std::map<std::string, OpSeries*> by_tag;
  for (OpSeries& s : run.ops) by_tag[s.key()] = &s;
  auto reader = IntervalLogReader::open(log_file.string());
  if (!reader) return unexpected(reader.error());
  while (true) {
    auto next = reader->next();
    if (!next) return unexpected(next.error());
    if (!*next) return {};
    const LogInterval& interval = **next;
    auto it = by_tag.find(interval.tag);
    if (it == by_tag.end()) {
      return unexpected(fmt::format("{}: tag \"{}\" names no fleet/op of summary.json",
                                    log_file.string(), interval.tag));
    }
    // What ended after the run's last whole second counts in that second
    // (fit_seconds), so no later second needs a place of its own.
    auto second = static_cast<std::size_t>(
        std::min(std::floor(interval.start_s + 1e-6), std::max(0.0, run.duration_s)));
    std::vector<SampleSecond>& seconds = it->second->seconds;
    if (second >= seconds.size()) seconds.resize(second + 1);
    SampleSecond& s = seconds[second];
    auto buckets = interval.histogram.nonzero_buckets();
    for (const auto& b : buckets) {
      s.buckets.push_back(b);
      s.answered += b.count;
    }
  }
}

void merge_into(SampleSecond& into, const SampleSecond& from) {
  into.buckets.insert(into.buckets.end(), from.buckets.begin(), from.buckets.end());
  into.answered += from.answered;
  into.ops += from.ops;
  into.errors += from.errors;
}

// A run lasts no longer than its series (a figure per second) says, or
// than a latency log covers when it has none: every op gets an entry per second of it.
Expected<void> check_duration(const json& summary, double duration_s) {
  const std::size_t series = summary.value("series", json::array()).size();
  const double longest = series > 0 ? static_cast<double>(series) + 2 : kLongestLogS;
  if (duration_s >= 0 && duration_s <= longest) return {};
  return unexpected(fmt::format("duration_s is {}; want 0 to {} s (its series has {} seconds)",
                                duration_s, longest, series));
}

// Every op gets one entry per whole second of the load; what ended after
// its last whole second (replies still in flight) counts in that second.
void fit_seconds(RunSample& run) {
  auto seconds = static_cast<std::size_t>(std::max(1.0, std::round(run.duration_s)));
  for (OpSeries& s : run.ops) {
    for (std::size_t i = seconds; i < s.seconds.size(); ++i) {
      merge_into(s.seconds[seconds - 1], s.seconds[i]);
    }
    s.seconds.resize(seconds);
  }
}

}  // namespace

Expected<RunSample> load_run_folder(const std::string& dir) {
  fs::path folder(dir);
  if (!fs::exists(folder / "summary.json")) {
    return unexpected(fmt::format("{}: not a run folder (no summary.json)", dir));
  }
  if (!fs::exists(folder / "latency-seconds.hlog")) {
    return unexpected(
        fmt::format("{}: has no latency-seconds.hlog (a run folder of an older drover)", dir));
  }
  auto summary = read_json(folder / "summary.json");
  if (!summary) return unexpected(summary.error());
  RunSample run;
  run.source = dir;
  try {
    if (summary->value("result", "") == "error") {
      return unexpected(
          fmt::format("{}: the run could not be carried out (result \"error\")", dir));
    }
    run.scenario = summary->at("scenario").get<std::string>();
    run.duration_s = summary->at("duration_s").get<double>();
    auto duration = check_duration(*summary, run.duration_s);
    if (!duration) return unexpected(fmt::format("{}/summary.json: {}", dir, duration.error()));
    auto model = load_model_in(folder);
    if (!model) return unexpected(model.error());
    run.load_model = *model;
    add_ops(*summary, run);
  } catch (const json::exception& e) {
    return unexpected(fmt::format("{}/summary.json: {}", dir, e.what()));
  }
  auto latencies = add_latencies(folder / "latency-seconds.hlog", run);
  if (!latencies) return unexpected(latencies.error());
  fit_seconds(run);
  return run;
}

}  // namespace drover
