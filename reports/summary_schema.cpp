#include "reports/summary_schema.hpp"

#include "reports/strict_json.hpp"

#include <cmath>
#include <cstdio>
#include <ctime>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <utility>

#include <fmt/chrono.h>

namespace drover {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;
using namespace strict_json;

// Figures are rounded to the microsecond: more digits would only be noise.
// From 1e12 ms on a double has no such digits left to round, and rounding
// would no longer give the same figure when done twice.
double round3(double v) {
  if (!(std::abs(v) < 1e12)) return v;
  return std::round(v * 1000.0) / 1000.0;
}

// An optional text: null rather than "" when there is none.
ordered_json or_null(const std::string& text) {
  return text.empty() ? ordered_json() : ordered_json(text);
}

std::optional<Outcome> outcome_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kOutcomeCount; ++i)
    if (name == kOutcomeNames[i]) return static_cast<Outcome>(i);
  return std::nullopt;
}

std::optional<Verdict> verdict_from_name(std::string_view name) {
  for (Verdict v : {Verdict::kPass, Verdict::kFail, Verdict::kError, Verdict::kUnknown})
    if (name == verdict_name(v)) return v;
  return std::nullopt;
}

// UTC, to the second: "2024-05-01T12:00:00Z".
std::string iso_time(std::chrono::system_clock::time_point t) {
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", fmt::gmtime(std::chrono::system_clock::to_time_t(t)));
}

// What iso_time wrote; an unreadable time reads as unknown (the epoch).
std::chrono::system_clock::time_point time_from_iso(const std::string& iso) {
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

// Totals' errors_by_class: the count of each outcome but ok, by its name.
struct ErrorsByClass {
  std::array<std::uint64_t, kOutcomeCount> by_outcome{};
};

void to_json(ordered_json& j, const ErrorsByClass& e) {
  j = ordered_json::object();
  for (std::size_t i = 1; i < kOutcomeCount; ++i)
    j[std::string(kOutcomeNames[i])] = e.by_outcome[i];
}

void from_json(const json& j, ErrorsByClass& e) {
  expect_object(j);
  for (std::size_t i = 1; i < kOutcomeCount; ++i)
    e.by_outcome[i] = field_or<std::uint64_t>(j, kOutcomeNames[i]);
}

// A threshold's "aborted": when it stopped the load, and its value then;
// also a windowed threshold's "worst_window": its start and value.
struct ThresholdAbort {
  double at_s = 0;
  double value = 0;
};

void to_json(ordered_json& j, const ThresholdAbort& a) {
  j = {{"at_s", round3(a.at_s)}, {"value", round3(a.value)}};
}

void from_json(const json& j, ThresholdAbort& a) {
  expect_object(j);
  a.at_s = field<double>(j, "at_s");
  a.value = field<double>(j, "value");
}

}  // namespace

void to_json(ordered_json& j, const RatedTotals& t) {
  const OpTotals& c = t.totals;
  j = {{"ops", c.ops()},
       {"ok", c.ok()},
       {"errors", c.errors()},
       {"error_rate", c.error_rate()},
       {"rate_per_s", round3(t.rate_per_s)},
       {"errors_by_class", ErrorsByClass{c.by_outcome}},
       {"late_replies", c.late_replies},
       {"missed_starts", c.missed_starts}};
  if (c.has_status_classes()) {
    ordered_json classes = ordered_json::object();
    for (std::size_t i = 0; i < c.status_classes.size(); ++i)
      classes[fmt::format("{}xx", i + 1)] = c.status_classes[i];
    j["status_classes"] = std::move(classes);
  }
}

// ops, errors and error_rate follow from the counts.
void from_json(const json& j, RatedTotals& t) {
  expect_object(j);
  t.totals.by_outcome = field_or<ErrorsByClass>(j, "errors_by_class").by_outcome;
  t.totals.by_outcome[static_cast<std::size_t>(Outcome::kOk)] = field_or<std::uint64_t>(j, "ok");
  t.totals.late_replies = field_or<std::uint64_t>(j, "late_replies");
  t.totals.missed_starts = field_or<std::uint64_t>(j, "missed_starts");
  if (auto classes = j.find("status_classes"); classes != j.end()) {
    expect_object(*classes);
    for (std::size_t i = 0; i < t.totals.status_classes.size(); ++i)
      t.totals.status_classes[i] = field_or<std::uint64_t>(*classes, fmt::format("{}xx", i + 1));
  }
  t.rate_per_s = field_or<double>(j, "rate_per_s");
}

void to_json(ordered_json& j, const LatencySummary& l) {
  j = {{"count", l.count},          {"min", round3(l.min_ms)}, {"mean", round3(l.mean_ms)},
       {"p50", round3(l.p50_ms)},   {"p90", round3(l.p90_ms)}, {"p99", round3(l.p99_ms)},
       {"p999", round3(l.p999_ms)}, {"max", round3(l.max_ms)}};
}

void from_json(const json& j, LatencySummary& l) {
  expect_object(j);
  l.count = field_or<std::uint64_t>(j, "count");
  l.min_ms = field_or<double>(j, "min");
  l.mean_ms = field_or<double>(j, "mean");
  l.p50_ms = field_or<double>(j, "p50");
  l.p90_ms = field_or<double>(j, "p90");
  l.p99_ms = field_or<double>(j, "p99");
  l.p999_ms = field_or<double>(j, "p999");
  l.max_ms = field_or<double>(j, "max");
}

void to_json(ordered_json& j, const ShownBytes& b) {
  j = {{"text", b.text}, {"cut_bytes", b.cut_bytes}};
}

void from_json(const json& j, ShownBytes& b) {
  expect_object(j);
  b.text = field<std::string>(j, "text");
  b.cut_bytes = field_or<std::uint64_t>(j, "cut_bytes");
}

void to_json(ordered_json& j, const FailureExample& e) {
  j = {{"t_ms", round3(e.t_ms)}, {"fleet", e.fleet},     {"op", e.op},
       {"client", e.client},     {"request", e.request}, {"expected", e.expected},
       {"received", e.received}, {"rule", e.rule}};
}

void from_json(const json& j, FailureExample& e) {
  expect_object(j);
  e.t_ms = field<double>(j, "t_ms");
  e.fleet = field<std::string>(j, "fleet");
  e.op = field<std::string>(j, "op");
  e.client = field<std::uint64_t>(j, "client");
  e.request = field_or<ShownBytes>(j, "request");
  e.expected = field_or<ShownBytes>(j, "expected");
  e.received = field_or<ShownBytes>(j, "received");
  e.rule = field<std::string>(j, "rule");
}

void to_json(ordered_json& j, const FailureSamples& s) {
  j = {{"class", std::string(outcome_name(s.outcome))},
       {"count", s.count},
       {"first", s.first},
       {"sampled", s.sampled}};
}

void from_json(const json& j, FailureSamples& s) {
  expect_object(j);
  std::string name = field<std::string>(j, "class");
  s.outcome = known(outcome_from_name(name), "class", name);
  if (s.outcome == Outcome::kOk) throw std::runtime_error("/class: ok is not a failure");
  s.count = field<std::uint64_t>(j, "count");
  s.first = field_or<std::vector<FailureExample>>(j, "first");
  s.sampled = field_or<std::vector<FailureExample>>(j, "sampled");
}

void to_json(ordered_json& j, const OpResult& op) {
  j = {{"name", op.name},
       {"totals", RatedTotals{op.totals, op.rate_per_s}},
       {"latency_ms", op.latency}};
  // HTTPS only: its handshakes, timed apart from the requests.
  if (op.totals.tls_handshakes > 0) {
    j["tls"] = {{"handshakes", op.totals.tls_handshakes},
                {"resumed", op.totals.tls_resumed},
                {"handshake_ms", op.handshake}};
  }
  // Only an op that failed has examples: summaries of clean runs stay as
  // they were.
  if (!op.failures.empty()) j["failures"] = op.failures;
}

void from_json(const json& j, OpResult& op) {
  expect_object(j);
  op.name = field<std::string>(j, "name");
  auto [totals, rate] = field_or<RatedTotals>(j, "totals");
  op.totals = totals;
  op.rate_per_s = rate;
  op.latency = field_or<LatencySummary>(j, "latency_ms");
  if (auto tls = j.find("tls"); tls != j.end()) {
    expect_object(*tls);
    op.totals.tls_handshakes = field<std::uint64_t>(*tls, "handshakes");
    op.totals.tls_resumed = field<std::uint64_t>(*tls, "resumed");
    op.handshake = field<LatencySummary>(*tls, "handshake_ms");
  }
  op.failures = field_or<std::vector<FailureSamples>>(j, "failures");
}

void to_json(ordered_json& j, const FleetHostResult& h) {
  j = {{"host", h.host},
       {"clients", h.clients},
       {"totals", RatedTotals{h.totals, h.rate_per_s}},
       {"latency_ms", h.latency}};
}

void from_json(const json& j, FleetHostResult& h) {
  expect_object(j);
  h.host = field_or<std::string>(j, "host");
  h.clients = field_or<int>(j, "clients");
  auto [totals, rate] = field_or<RatedTotals>(j, "totals");
  h.totals = totals;
  h.rate_per_s = rate;
  h.latency = field_or<LatencySummary>(j, "latency_ms");
}

// hosts only for a fleet run by agents on SSH hosts.
void to_json(ordered_json& j, const FleetResult& f) {
  j = {{"name", f.name},          {"target", f.target},
       {"clients", f.clients},    {"totals", RatedTotals{f.totals, f.rate_per_s}},
       {"latency_ms", f.latency}, {"ops", f.ops}};
  if (!f.hosts.empty()) j["hosts"] = f.hosts;
}

void from_json(const json& j, FleetResult& f) {
  expect_object(j);
  f.name = field<std::string>(j, "name");
  f.target = field_or<std::string>(j, "target");
  f.clients = field_or<int>(j, "clients");
  auto [totals, rate] = field_or<RatedTotals>(j, "totals");
  f.totals = totals;
  f.rate_per_s = rate;
  f.latency = field_or<LatencySummary>(j, "latency_ms");
  f.ops = field_or<std::vector<OpResult>>(j, "ops");
  f.hosts = field_or<std::vector<FleetHostResult>>(j, "hosts");
}

void to_json(ordered_json& j, const ThresholdResult& t) {
  j = {{"metric", t.metric},
       {"fleet", or_null(t.fleet)},
       {"op_name", or_null(t.op)},
       {"op", t.comparison},
       {"limit", t.limit},
       {"limit_value", t.limit_value},
       {"value", round3(t.value)},
       {"unit", t.unit},
       {"ok", t.ok}};
  if (t.aborted) j["aborted"] = ThresholdAbort{t.aborted_at_s, t.aborted_value};
  if (t.window_s > 0) {
    j["window_s"] = t.window_s;
    j["worst_window"] = ThresholdAbort{t.worst_window_start_s, t.worst_window_value};
  }
}

void from_json(const json& j, ThresholdResult& t) {
  expect_object(j);
  t.metric = field<std::string>(j, "metric");
  t.fleet = nullable<std::string>(j, "fleet").value_or("");
  t.op = nullable<std::string>(j, "op_name").value_or("");
  t.comparison = field<std::string>(j, "op");
  t.limit = field<std::string>(j, "limit");
  t.limit_value = field<double>(j, "limit_value");
  t.value = field<double>(j, "value");
  t.unit = field<std::string>(j, "unit");
  t.ok = field<bool>(j, "ok");
  if (j.contains("aborted")) {
    auto [at_s, value] = field<ThresholdAbort>(j, "aborted");
    t.aborted = true;
    t.aborted_at_s = at_s;
    t.aborted_value = value;
  }
  if (j.contains("window_s")) {
    t.window_s = field<double>(j, "window_s");
    auto [at_s, value] = field<ThresholdAbort>(j, "worst_window");
    t.worst_window_start_s = at_s;
    t.worst_window_value = value;
  }
}

void to_json(ordered_json& j, const TimelineEvent& e) {
  j = {{"t_ms", round3(e.t_ms)},
       {"client", e.client},
       {"fleet", e.fleet},
       {"type", e.type},
       {"f", e.f},
       {"value", e.value},
       {"focus", e.focus},
       {"related", e.related}};
}

void from_json(const json& j, TimelineEvent& e) {
  expect_object(j);
  e.t_ms = field<double>(j, "t_ms");
  e.client = field<std::uint32_t>(j, "client");
  e.fleet = field<std::string>(j, "fleet");
  e.type = field<std::string>(j, "type");
  e.f = field<std::string>(j, "f");
  e.value = field<std::string>(j, "value");
  e.focus = field<bool>(j, "focus");
  e.related = field<bool>(j, "related");
}

void to_json(ordered_json& j, const Anomaly& a) {
  j = {{"about", a.about}, {"t_ms", round3(a.t_ms)}, {"events", a.events}};
}

void from_json(const json& j, Anomaly& a) {
  expect_object(j);
  a.about = field<std::string>(j, "about");
  a.t_ms = field<double>(j, "t_ms");
  a.events = field<std::vector<TimelineEvent>>(j, "events");
}

// anomaly only for a violated history invariant.
void to_json(ordered_json& j, const ViolationExample& e) {
  j = {{"about", e.about},   {"t_ms", round3(e.t_ms)}, {"line", e.line},
       {"client", e.client}, {"fleet", e.fleet},       {"event", e.event}};
}

void from_json(const json& j, ViolationExample& e) {
  expect_object(j);
  e.about = field<std::string>(j, "about");
  e.t_ms = field<double>(j, "t_ms");
  e.line = field<std::uint64_t>(j, "line");
  e.client = field<std::uint32_t>(j, "client");
  e.fleet = field<std::string>(j, "fleet");
  e.event = field<std::string>(j, "event");
}

void to_json(ordered_json& j, const InvariantResult& i) {
  j = {{"name", invariant_name(i.invariant)},
       {"subject", i.subject},
       {"ok", i.ok},
       {"unknown", i.unknown},
       {"expected_failure", i.expected_failure},
       {"detail", i.detail}};
  if (i.anomaly) j["anomaly"] = *i.anomaly;
  if (!i.examples.empty()) j["examples"] = i.examples;
}

void from_json(const json& j, InvariantResult& i) {
  expect_object(j);
  std::string name = field<std::string>(j, "name");
  i.invariant = known(invariant_from_name(name), "name", name);
  i.subject = field<std::string>(j, "subject");
  i.ok = field<bool>(j, "ok");
  i.unknown = field_or<bool>(j, "unknown");
  // Undecided means not held: a file saying both was not written by drover.
  if (i.ok && i.unknown) throw std::runtime_error("/unknown: true for an invariant that held");
  i.expected_failure = field_or<bool>(j, "expected_failure");
  i.detail = field<std::string>(j, "detail");
  if (j.contains("anomaly")) i.anomaly = field<Anomaly>(j, "anomaly");
  i.examples = field_or<std::vector<ViolationExample>>(j, "examples");
}

void to_json(ordered_json& j, const TargetResult& t) {
  j = {{"name", t.name},
       {"kind", t.kind},
       {"address", t.address},
       {"host", or_null(t.host)},
       {"host_address", or_null(t.host_address)},
       {"pid", t.pid},
       {"exited_during_run", t.exited_during_run},
       {"exit", t.exit_description},
       {"logs", t.logs},
       {"restarts", t.restarts}};
}

void from_json(const json& j, TargetResult& t) {
  expect_object(j);
  t.name = field<std::string>(j, "name");
  t.kind = field_or<std::string>(j, "kind");
  t.address = field_or<std::string>(j, "address");
  t.host = nullable<std::string>(j, "host").value_or("");
  t.host_address = nullable<std::string>(j, "host_address").value_or("");
  t.pid = field_or<int>(j, "pid");
  t.exited_during_run = field_or<bool>(j, "exited_during_run");
  t.exit_description = field_or<std::string>(j, "exit");
  t.logs = field_or<std::vector<std::string>>(j, "logs");
  t.restarts = field_or<int>(j, "restarts");
}

void to_json(ordered_json& j, const SetupStepResult& s) {
  j = {{"step", s.step},
       {"host", or_null(s.host)},
       {"host_address", or_null(s.host_address)},
       {"argv", s.argv},
       {"exit_status", s.exit_status ? ordered_json(*s.exit_status) : ordered_json()},
       {"outcome", s.outcome},
       {"duration_s", round3(s.duration_s)},
       {"ok", s.ok},
       {"allow_failure", s.allow_failure},
       {"log", s.log}};
}

void from_json(const json& j, SetupStepResult& s) {
  expect_object(j);
  s.step = field<std::string>(j, "step");
  s.host = nullable<std::string>(j, "host").value_or("");
  s.host_address = nullable<std::string>(j, "host_address").value_or("");
  s.argv = field_or<std::vector<std::string>>(j, "argv");
  s.exit_status = nullable<int>(j, "exit_status");
  s.outcome = field_or<std::string>(j, "outcome");
  s.duration_s = field_or<double>(j, "duration_s");
  s.ok = field_or<bool>(j, "ok");
  s.allow_failure = field_or<bool>(j, "allow_failure");
  s.log = field_or<std::string>(j, "log");
}

void to_json(ordered_json& j, const FaultRecord& f) {
  j = {{"action", f.action},
       {"target", f.target},
       {"start_s", round3(f.start_s)},
       {"end_s", round3(f.end_s)},
       {"detail", f.detail}};
}

void from_json(const json& j, FaultRecord& f) {
  expect_object(j);
  f.action = field<std::string>(j, "action");
  f.target = field<std::string>(j, "target");
  f.start_s = field<double>(j, "start_s");
  f.end_s = field<double>(j, "end_s");
  f.detail = field<std::string>(j, "detail");
}

void to_json(ordered_json& j, const SecondSample& s) {
  j = {{"second", s.second},         {"ops", s.ops},
       {"errors", s.errors},         {"p50_ms", round3(s.p50_ms)},
       {"p99_ms", round3(s.p99_ms)}, {"max_ms", round3(s.max_ms)}};
}

void from_json(const json& j, SecondSample& s) {
  expect_object(j);
  s.second = field<int>(j, "second");
  s.ops = field_or<std::uint64_t>(j, "ops");
  s.errors = field_or<std::uint64_t>(j, "errors");
  s.p50_ms = field_or<double>(j, "p50_ms");
  s.p99_ms = field_or<double>(j, "p99_ms");
  s.max_ms = field_or<double>(j, "max_ms");
}

void to_json(ordered_json& j, const Percentile& p) {
  j = {{"percentile", p.percentile}, {"ms", round3(p.value_ms)}};
}

void from_json(const json& j, Percentile& p) {
  expect_object(j);
  p.percentile = field<double>(j, "percentile");
  p.value_ms = field<double>(j, "ms");
}

void to_json(ordered_json& j, const CapacityStep& c) {
  j = {{"offered_per_s", round3(c.offered_per_s)},
       {"answered_per_s", round3(c.answered_per_s)},
       {"p99_ms", round3(c.p99_ms)},
       {"error_rate", c.error_rate},
       {"missed_starts", c.missed_starts},
       {"ok", c.ok},
       {"missed", c.why}};
}

void from_json(const json& j, CapacityStep& c) {
  expect_object(j);
  c.offered_per_s = field_or<double>(j, "offered_per_s");
  c.answered_per_s = field_or<double>(j, "answered_per_s");
  c.p99_ms = field_or<double>(j, "p99_ms");
  c.error_rate = field_or<double>(j, "error_rate");
  c.missed_starts = field_or<std::uint64_t>(j, "missed_starts");
  c.ok = field_or<bool>(j, "ok");
  c.why = field_or<std::string>(j, "missed");
}

void to_json(ordered_json& j, const CapacityResult& c) {
  j = {{"capacity_per_s", round3(c.capacity_per_s)},
       {"upper_bound_per_s", round3(c.upper_bound_per_s)},
       {"resolution", c.resolution},
       {"curve", c.curve}};
}

void from_json(const json& j, CapacityResult& c) {
  expect_object(j);
  c.searched = true;
  c.capacity_per_s = field_or<double>(j, "capacity_per_s");
  c.upper_bound_per_s = field_or<double>(j, "upper_bound_per_s");
  c.resolution = field_or<double>(j, "resolution");
  c.curve = field_or<std::vector<CapacityStep>>(j, "curve");
}

void to_json(ordered_json& j, const Warning& w) {
  j = {{"at_s", round3(w.at_s)}, {"source", w.source}, {"message", w.message}};
}

void from_json(const json& j, Warning& w) {
  expect_object(j);
  w.at_s = field<double>(j, "at_s");
  w.source = field<std::string>(j, "source");
  w.message = field<std::string>(j, "message");
}

// faults only when the nemesis caused any, capacity only for the capacity
// model.
void to_json(ordered_json& j, const RunResult& run) {
  j = {{"schema_version", 1},
       {"scenario", run.scenario},
       {"scenario_file", run.scenario_file},
       {"result", verdict_name(run.verdict)},
       {"exit_code", to_int(run.exit_code)},
       {"expect", expect_name(run.expect)},
       {"violation_missing", run.violation_missing},
       {"interrupted", run.interrupted},
       {"aborted", run.aborted},
       {"seed", run.seed},
       {"started_at", iso_time(run.started_at)},
       {"duration_s", round3(run.duration_s)},
       {"errors", run.errors},
       {"warnings", run.warnings},
       {"totals", RatedTotals{run.totals, run.rate_per_s}},
       {"latency_ms", run.latency},
       {"fleets", run.fleets},
       {"thresholds", run.thresholds},
       {"invariants", run.invariants},
       {"targets", run.targets},
       {"setup", run.setup}};
  if (!run.faults.empty()) j["faults"] = run.faults;
  j["series"] = run.series;
  if (run.capacity.searched) j["capacity"] = run.capacity;
  j["latency_distribution"] = run.distribution;
}

void from_json(const json& j, RunResult& run) {
  expect_object(j);
  run.scenario = field<std::string>(j, "scenario");
  run.scenario_file = field_or<std::string>(j, "scenario_file");
  std::string result = field<std::string>(j, "result");
  run.verdict = known(verdict_from_name(result), "result", result);
  run.exit_code = static_cast<ExitCode>(field<int>(j, "exit_code"));
  std::string expect = field_or<std::string>(j, "expect", "pass");
  run.expect = known(expect_from_name(expect), "expect", expect);
  run.violation_missing = field_or<bool>(j, "violation_missing");
  run.interrupted = field_or<bool>(j, "interrupted");
  run.aborted = field_or<bool>(j, "aborted");
  run.seed = field_or<std::uint64_t>(j, "seed");
  run.started_at = time_from_iso(field_or<std::string>(j, "started_at"));
  run.duration_s = field_or<double>(j, "duration_s");
  run.errors = field_or<std::vector<std::string>>(j, "errors");
  run.warnings = field_or<std::vector<Warning>>(j, "warnings");
  auto [totals, rate] = field_or<RatedTotals>(j, "totals");
  run.totals = totals;
  run.rate_per_s = rate;
  run.latency = field_or<LatencySummary>(j, "latency_ms");
  run.fleets = field_or<std::vector<FleetResult>>(j, "fleets");
  run.thresholds = field<std::vector<ThresholdResult>>(j, "thresholds");
  run.invariants = field<std::vector<InvariantResult>>(j, "invariants");
  run.targets = field_or<std::vector<TargetResult>>(j, "targets");
  run.setup = field_or<std::vector<SetupStepResult>>(j, "setup");
  run.faults = field_or<std::vector<FaultRecord>>(j, "faults");
  run.series = field_or<std::vector<SecondSample>>(j, "series");
  if (j.contains("capacity")) run.capacity = field<CapacityResult>(j, "capacity");
  run.distribution = field_or<std::vector<Percentile>>(j, "latency_distribution");
}

}  // namespace drover
