#include <ctime>
#include <fstream>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "reports/sink.hpp"

namespace drover {
namespace {

// nlohmann converts a floating-point number to an integer type with a plain
// cast, undefined behaviour when it does not fit (1e30 as a count): a field
// render_summary_json writes as an integer must read back as one.
template <typename Int>
Int integer(const nlohmann::json& j) {
  if (!j.is_number_integer())
    throw std::domain_error(std::string("an integer field holds ") + j.type_name());
  return j.get<Int>();
}

// j.value(key, fallback) for an integer field.
template <typename Int>
Int integer_value(const nlohmann::json& j, const std::string& key, Int fallback) {
  return j.is_object() && j.contains(key) ? integer<Int>(j.at(key)) : j.value(key, fallback);
}

// A text field that is null (or missing) when there is none.
std::string optional_text(const nlohmann::json& j, const std::string& key) {
  if (!j.is_object() || !j.contains(key) || j.at(key).is_null()) return "";
  return j.at(key).get<std::string>();
}

// Fields added after schema_version 1's first release are read when present,
// so an older summary still reads back.
OpTotals read_totals(const nlohmann::json& j, double* rate) {
  OpTotals t;
  if (!j.is_object()) return t;
  const auto& by_class = j.value("errors_by_class", nlohmann::json::object());
  for (std::size_t i = 1; i < kOutcomeCount; ++i) {
    t.by_outcome[i] = integer_value(by_class, std::string(kOutcomeNames[i]), std::uint64_t{0});
  }
  t.by_outcome[0] = integer_value(j, "ok", std::uint64_t{0});
  t.late_replies = integer_value(j, "late_replies", std::uint64_t{0});
  t.missed_starts = integer_value(j, "missed_starts", std::uint64_t{0});
  if (rate) *rate = j.value("rate_per_s", 0.0);
  return t;
}

LatencySummary read_latency(const nlohmann::json& j) {
  LatencySummary l;
  if (!j.is_object()) return l;
  l.count = integer_value(j, "count", std::uint64_t{0});
  l.min_ms = j.value("min", 0.0);
  l.mean_ms = j.value("mean", 0.0);
  l.p50_ms = j.value("p50", 0.0);
  l.p90_ms = j.value("p90", 0.0);
  l.p99_ms = j.value("p99", 0.0);
  l.p999_ms = j.value("p999", 0.0);
  l.max_ms = j.value("max", 0.0);
  return l;
}

std::chrono::system_clock::time_point read_time(const std::string& iso) {
  std::tm tm{};
  if (std::sscanf(iso.c_str(), "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6) {
    return {};
  }
  // Only what system_clock's nanoseconds since 1970 can hold (years 1678 to
  // 2261), fields within their ranges: a corrupt date reads as unknown, like
  // an unreadable one, rather than overflow.
  if (tm.tm_year < 1678 || tm.tm_year > 2261 || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
      tm.tm_mday > 31 || tm.tm_hour < 0 || tm.tm_hour > 23 || tm.tm_min < 0 || tm.tm_min > 59 ||
      tm.tm_sec < 0 || tm.tm_sec > 60) {
    return {};
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

void read_figures(const nlohmann::json& j, RunResult& run) {
  run.started_at = read_time(j.value("started_at", ""));
  run.totals = read_totals(j.value("totals", nlohmann::json()), &run.rate_per_s);
  run.latency = read_latency(j.value("latency_ms", nlohmann::json()));
  for (const auto& f : j.value("fleets", nlohmann::json::array())) {
    FleetResult fr;
    fr.name = f.at("name").get<std::string>();
    fr.target = f.value("target", "");
    fr.clients = integer_value(f, "clients", 0);
    fr.totals = read_totals(f.value("totals", nlohmann::json()), &fr.rate_per_s);
    fr.latency = read_latency(f.value("latency_ms", nlohmann::json()));
    for (const auto& o : f.value("ops", nlohmann::json::array())) {
      OpResult op;
      op.name = o.at("name").get<std::string>();
      op.totals = read_totals(o.value("totals", nlohmann::json()), &op.rate_per_s);
      op.latency = read_latency(o.value("latency_ms", nlohmann::json()));
      fr.ops.push_back(std::move(op));
    }
    const nlohmann::json hosts = f.value("hosts", nlohmann::json::array());
    for (const auto& h : hosts.is_array() ? hosts : nlohmann::json::array()) {
      if (!h.is_object()) continue;
      FleetHostResult hr;
      hr.host = h.value("host", "");
      hr.clients = integer_value(h, "clients", 0);
      hr.totals = read_totals(h.value("totals", nlohmann::json()), &hr.rate_per_s);
      hr.latency = read_latency(h.value("latency_ms", nlohmann::json()));
      fr.hosts.push_back(std::move(hr));
    }
    run.fleets.push_back(std::move(fr));
  }
  for (const auto& f : j.value("faults", nlohmann::json::array())) {
    run.faults.push_back({f.at("action").get<std::string>(), f.at("target").get<std::string>(),
                          f.at("start_s").get<double>(), f.at("end_s").get<double>(),
                          f.at("detail").get<std::string>()});
  }
  for (const auto& t : j.value("targets", nlohmann::json::array())) {
    TargetResult tr;
    tr.name = t.at("name").get<std::string>();
    tr.kind = t.value("kind", "");
    tr.address = t.value("address", "");
    tr.host = optional_text(t, "host");
    tr.host_address = optional_text(t, "host_address");
    tr.pid = integer_value(t, "pid", 0);
    tr.exited_during_run = t.value("exited_during_run", false);
    tr.exit_description = t.value("exit", "");
    tr.logs = t.value("logs", std::vector<std::string>{});
    tr.restarts = integer_value(t, "restarts", 0);
    run.targets.push_back(std::move(tr));
  }
  for (const auto& step : j.value("setup", nlohmann::json::array())) {
    SetupStepResult sr;
    sr.step = step.at("step").get<std::string>();
    sr.host = optional_text(step, "host");
    sr.host_address = optional_text(step, "host_address");
    sr.argv = step.value("argv", std::vector<std::string>{});
    if (step.contains("exit_status") && !step.at("exit_status").is_null()) {
      sr.exit_status = integer<int>(step.at("exit_status"));
    }
    sr.outcome = step.value("outcome", "");
    sr.duration_s = step.value("duration_s", 0.0);
    sr.ok = step.value("ok", false);
    sr.allow_failure = step.value("allow_failure", false);
    sr.log = step.value("log", "");
    run.setup.push_back(std::move(sr));
  }
  for (const auto& s : j.value("series", nlohmann::json::array())) {
    run.series.push_back({integer<int>(s.at("second")), integer_value(s, "ops", std::uint64_t{0}),
                          integer_value(s, "errors", std::uint64_t{0}), s.value("p50_ms", 0.0),
                          s.value("p99_ms", 0.0), s.value("max_ms", 0.0)});
  }
  for (const auto& p : j.value("latency_distribution", nlohmann::json::array())) {
    run.distribution.push_back({p.at("percentile").get<double>(), p.at("ms").get<double>()});
  }
  if (j.contains("capacity")) {
    const auto& c = j.at("capacity");
    run.capacity.searched = true;
    run.capacity.capacity_per_s = c.value("capacity_per_s", 0.0);
    for (const auto& step : c.value("curve", nlohmann::json::array())) {
      run.capacity.curve.push_back({step.value("offered_per_s", 0.0),
                                    step.value("answered_per_s", 0.0), step.value("p99_ms", 0.0),
                                    step.value("error_rate", 0.0),
                                    integer_value(step, "missed_starts", std::uint64_t{0}),
                                    step.value("ok", false), step.value("missed", "")});
    }
  }
}

}  // namespace

std::optional<RunResult> read_summary_json(const std::string& path, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    if (error) *error = "cannot read " + path;
    return std::nullopt;
  }
  try {
    nlohmann::json j = nlohmann::json::parse(in);
    RunResult run;
    run.scenario = j.at("scenario").get<std::string>();
    run.scenario_file = j.value("scenario_file", "");
    std::string expect = j.value("expect", "pass");
    if (!expect_from_name(expect)) throw std::runtime_error("unknown expect \"" + expect + "\"");
    run.expect = *expect_from_name(expect);
    run.violation_missing = j.value("violation_missing", false);
    run.interrupted = j.value("interrupted", false);
    run.aborted = j.value("aborted", false);
    run.seed = integer_value(j, "seed", std::uint64_t{0});
    run.duration_s = j.value("duration_s", 0.0);
    std::string result = j.at("result").get<std::string>();
    run.verdict = result == "pass"   ? Verdict::kPass
                  : result == "fail" ? Verdict::kFail
                                     : Verdict::kError;
    run.exit_code = static_cast<ExitCode>(integer<int>(j.at("exit_code")));
    run.errors = j.value("errors", std::vector<std::string>{});
    for (const auto& t : j.at("thresholds")) {
      ThresholdResult r;
      r.metric = t.at("metric").get<std::string>();
      r.fleet = t.at("fleet").is_null() ? "" : t.at("fleet").get<std::string>();
      r.comparison = t.at("op").get<std::string>();
      r.limit = t.at("limit").get<std::string>();
      r.limit_value = t.at("limit_value").get<double>();
      r.value = t.at("value").get<double>();
      r.unit = t.at("unit").get<std::string>();
      r.ok = t.at("ok").get<bool>();
      if (t.contains("aborted")) {
        r.aborted = true;
        r.aborted_at_s = t.at("aborted").at("at_s").get<double>();
        r.aborted_value = t.at("aborted").at("value").get<double>();
      }
      run.thresholds.push_back(std::move(r));
    }
    for (const auto& i : j.at("invariants")) {
      std::string name = i.at("name").get<std::string>();
      std::optional<Invariant> invariant = invariant_from_name(name);
      if (!invariant) throw std::runtime_error("unknown invariant \"" + name + "\"");
      InvariantResult r{*invariant, i.at("subject").get<std::string>(), i.at("ok").get<bool>(),
                        i.at("detail").get<std::string>(), std::nullopt};
      r.expected_failure = i.value("expected_failure", false);
      if (i.contains("anomaly")) {
        const auto& a = i.at("anomaly");
        Anomaly anomaly{a.at("about").get<std::string>(), a.at("t_ms").get<double>(), {}};
        for (const auto& e : a.at("events")) {
          anomaly.events.push_back(
              {e.at("t_ms").get<double>(), integer<std::uint32_t>(e.at("client")),
               e.at("fleet").get<std::string>(), e.at("type").get<std::string>(),
               e.at("f").get<std::string>(), e.at("value").get<std::string>(),
               e.at("focus").get<bool>(), e.at("related").get<bool>()});
        }
        r.anomaly = std::move(anomaly);
      }
      run.invariants.push_back(std::move(r));
    }
    read_figures(j, run);
    return run;
  } catch (const std::exception& e) {
    if (error) *error = path + ": not a drover summary (" + e.what() + ")";
    return std::nullopt;
  }
}

}  // namespace drover
