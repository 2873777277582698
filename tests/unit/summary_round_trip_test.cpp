// Every shipped scenario's result survives summary.json: a RunResult with
// every field summary.json holds set (from the scenario's targets, fleets,
// ops, thresholds and checks, plus hosts, series, anomalies, faults, a
// capacity curve, setup steps and warnings) is rendered, read back and
// rendered again, and the two texts must be the same bytes. A field the
// reader drops, or reads into a neighbour's place, changes the second text.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/scenario/parse.hpp"
#include "reports/sink.hpp"
#include "tests/temp_dir.hpp"

namespace drover::summary_round_trip_test {
namespace {

namespace fs = std::filesystem;

// Distinct figures, each exactly representable with at most three
// decimals (summary.json rounds to the microsecond), so that a figure read
// into another field's place shows in the second text.
class Figures {
 public:
  double next() { return ++n_ * 1.125; }
  std::uint64_t count() { return static_cast<std::uint64_t>(++n_) * 7; }
  int small() { return ++n_; }

 private:
  int n_ = 0;
};

std::string unit_of(const std::string& metric) {
  if (metric.rfind("latency.", 0) == 0) return "ms";
  if (metric == "errors.rate") return "ratio";
  if (metric == "throughput") return "ops/s";
  return "count";
}

// A RunResult as a run of the scenario could leave it, with every field
// summary.json holds set to a value of its own.
class FullRun {
 public:
  explicit FullRun(const Scenario& scenario) : s_(scenario) {}

  RunResult build() {
    RunResult run = head();
    run.totals = totals();
    run.latency = latency();
    run.rate_per_s = f_.next();
    for (const FleetSpec& spec : s_.fleets) run.fleets.push_back(fleet(spec, run.fleets.size()));
    for (const TargetSpec& spec : s_.targets) run.targets.push_back(target(spec));
    run.thresholds = thresholds();
    run.invariants = invariants();
    run.setup = setup();
    run.faults = faults();
    run.series = series();
    run.distribution = {{0, f_.next()},  {50, f_.next()},   {90, f_.next()},
                        {99, f_.next()}, {99.9, f_.next()}, {100, f_.next()}};
    run.capacity = capacity();
    run.warnings = {{0.125, "target " + s_.targets.front().name, "its log stays behind"},
                    {2.5, "push-gateway", "a \"quoted\" reply, caf\u00e9,\nand a second line"}};
    return run;
  }

 private:
  RunResult head() {
    RunResult run;
    run.scenario = s_.name;
    run.scenario_file = s_.file;
    run.expect = s_.expect;
    run.started_at = std::chrono::system_clock::from_time_t(1700000000 + f_.small());
    run.duration_s = f_.next();
    run.interrupted = true;
    run.aborted = true;
    run.seed = 0xfedcba9876543210u;
    // A scenario with history checks can leave them undecided: its run is
    // unknown; others fail, so that both verdicts make the trip.
    run.verdict = s_.checks.empty() ? Verdict::kFail : Verdict::kUnknown;
    run.exit_code = ExitCode::kInterrupted;
    run.violation_missing = s_.expect == Expect::kViolation;
    run.errors = {"target " + s_.targets.front().name + " would not start"};
    return run;
  }

  OpTotals totals() {
    OpTotals t;
    for (std::uint64_t& n : t.by_outcome) n = f_.count();
    t.late_replies = f_.count();
    t.missed_starts = f_.count();
    for (std::uint64_t& n : t.status_classes) n = f_.count();
    return t;
  }

  LatencySummary latency() {
    return {f_.count(), f_.next(), f_.next(), f_.next(),
            f_.next(),  f_.next(), f_.next(), f_.next()};
  }

  OpResult op(const std::string& name) {
    OpResult op;
    op.name = name;
    op.totals = totals();
    op.latency = latency();
    op.rate_per_s = f_.next();
    // An HTTPS op's handshakes are its own: not in its fleet's totals.
    op.totals.tls_handshakes = f_.count();
    op.totals.tls_resumed = f_.count();
    op.handshake = latency();
    op.failures = {failures(Outcome::kWrongReply, name), failures(Outcome::kTimeout, name)};
    return op;
  }

  ViolationExample violation() {
    return {"serial " + std::to_string(f_.small()) + " sold a second time",
            f_.next(),
            f_.count(),
            static_cast<std::uint32_t>(f_.small()),
            s_.fleets.front().name,
            "ok buy " + std::to_string(f_.small())};
  }

  FailureExample example(const std::string& op) {
    FailureExample e;
    e.t_ms = f_.next();
    e.fleet = "fleet " + std::to_string(f_.small());
    e.op = op;
    e.client = f_.count();
    e.request = {"PING\\r", f_.count()};
    e.expected = {"+OK\\r", f_.count()};
    e.received = {"+OK \"caf\\xC3\\xA9\"", f_.count()};
    e.rule = "expected equals \"+OK\\r\", received \"+OK\" (note: line framing strips \"\\r\")";
    return e;
  }

  FailureSamples failures(Outcome outcome, const std::string& op) {
    FailureSamples s;
    s.outcome = outcome;
    s.count = f_.count();
    s.first = {example(op), example(op)};
    s.sampled = {example(op)};
    return s;
  }

  FleetHostResult host_share(const std::string& host) {
    return {host, f_.small(), totals(), latency(), f_.next()};
  }

  // Fleets run on hosts as the scenario says; every other one is given
  // hosts too, so that each scenario carries a fleet's per-host shares.
  FleetResult fleet(const FleetSpec& spec, std::size_t index) {
    FleetResult fleet;
    fleet.name = spec.name;
    fleet.target = spec.target;
    fleet.clients = spec.clients;
    fleet.totals = totals();
    fleet.latency = latency();
    fleet.rate_per_s = f_.next();
    fleet.ops.push_back(op(workload_name(spec.first_op().workload)));
    if (spec.first_op().workload == Workload::kBuy && spec.first_op().search_first)
      fleet.ops.push_back(op("search"));
    std::vector<std::string> hosts = spec.hosts;
    if (hosts.empty() && index % 2 == 0) hosts = {"load1", "load2"};
    for (const std::string& host : hosts) fleet.hosts.push_back(host_share(host));
    return fleet;
  }

  std::string host_address(const std::string& host) const {
    const RemoteHostSpec* spec = s_.find_host(host);
    return spec ? spec->address : "";
  }

  TargetResult target(const TargetSpec& spec) {
    TargetResult t;
    t.name = spec.name;
    t.kind = spec.kind;
    t.address =
        spec.address.empty() ? "127.0.0.1:" + std::to_string(40000 + f_.small()) : spec.address;
    t.pid = spec.source == TargetSpec::Source::kAddress ? 0 : 1000 + f_.small();
    t.exited_during_run = f_.small() % 2 == 0;
    t.exit_description = "killed by signal 9 (Killed)";
    t.logs = {"logs/" + spec.name + ".stdout.log", "logs/" + spec.name + ".stderr.log"};
    t.restarts = f_.small();
    t.host = spec.host;
    t.host_address = host_address(spec.host);
    return t;
  }

  ThresholdResult threshold(const ThresholdSpec& spec) {
    ThresholdResult t;
    t.metric = spec.metric;
    t.fleet = spec.fleet;
    t.op = spec.op;
    t.comparison = comparison_text(spec.comparison);
    t.limit = spec.text;
    t.limit_value = spec.limit;
    t.value = f_.next();
    t.unit = unit_of(spec.metric);
    t.ok = f_.small() % 2 == 0;
    return t;
  }

  static ThresholdSpec threshold_spec(std::string metric, std::string fleet, Comparison c,
                                      double limit, std::string text) {
    ThresholdSpec t;
    t.metric = std::move(metric);
    t.fleet = std::move(fleet);
    t.comparison = c;
    t.limit = limit;
    t.text = std::move(text);
    return t;
  }

  // The scenario's thresholds and its capacity objective, then one about a
  // fleet that aborted the load and one about the whole run.
  std::vector<ThresholdResult> thresholds() {
    std::vector<ThresholdResult> out;
    for (const ThresholdSpec& spec : s_.thresholds) out.push_back(threshold(spec));
    for (const ThresholdSpec& spec : s_.load.slo) out.push_back(threshold(spec));
    ThresholdSpec p99 = threshold_spec("latency.p99", s_.fleets.front().name,
                                       Comparison::kLessEqual, 20, "<= 20ms");
    ThresholdResult aborted = threshold(p99);
    aborted.aborted = true;
    aborted.aborted_at_s = f_.next();
    aborted.aborted_value = f_.next();
    out.push_back(aborted);
    out.push_back(threshold(threshold_spec("ops", "", Comparison::kGreaterEqual, 100, ">= 100")));
    ThresholdSpec per_op = threshold_spec("latency.p50", "", Comparison::kLess, 5, "< 5ms");
    per_op.op = "get";
    out.push_back(threshold(per_op));
    return out;
  }

  Anomaly anomaly(const std::string& fleet) {
    Anomaly a{"serial 17 sold a second time", f_.next(), {}};
    const char* types[] = {"invoke", "ok", "invoke", "fail", "info"};
    for (const char* type : types) {
      TimelineEvent e{
          f_.next(), static_cast<std::uint32_t>(f_.small()), fleet, type, "buy", "", false, false};
      e.value = std::string(type) == "ok" ? "17" : "";
      a.events.push_back(std::move(e));
    }
    a.events[1].focus = true;
    a.events[3].related = true;
    return a;
  }

  // Each fleet's replies_correct and fleet_answered, then the scenario's
  // checks; every other one fails with an anomaly, some of them expected,
  // and of the rest that fail some are undecided.
  std::vector<InvariantResult> invariants() {
    std::vector<InvariantResult> out;
    for (const FleetSpec& fleet : s_.fleets) {
      out.push_back({Invariant::kRepliesCorrect, fleet.name, true, "", {}});
      out.push_back({Invariant::kFleetAnswered, fleet.name, true, "", {}});
    }
    for (const CheckSpec& check : s_.checks)
      out.push_back({check.invariant, check.target, true, "", {}});
    for (std::size_t i = 0; i < out.size(); ++i) {
      out[i].detail = "checked " + std::to_string(f_.count()) + " replies\nfirst: <b>&amp;</b>";
      if (i % 2 == 0) continue;
      out[i].ok = false;
      out[i].expected_failure = i % 4 == 1;
      out[i].unknown = i % 8 == 3;
      if (!out[i].unknown) out[i].anomaly = anomaly(s_.fleets.front().name);
      if (!out[i].unknown) out[i].examples = {violation(), violation()};
    }
    InvariantResult undecided{Invariant::kTargetAlive,
                              s_.targets.front().name,
                              false,
                              "not decided: the run left no summary.json",
                              {}};
    undecided.unknown = true;
    out.push_back(undecided);
    return out;
  }

  SetupStepResult setup_step(const SetupStepSpec& spec, bool ok) {
    SetupStepResult step;
    step.step = spec.at_pointer;
    step.host = spec.host;
    step.host_address = host_address(spec.host);
    step.argv = spec.argv;
    if (ok) step.exit_status = 0;
    step.outcome = ok ? "exited with status 0" : "timed out after 1.0 s";
    step.duration_s = f_.next();
    step.ok = ok;
    step.allow_failure = spec.allow_failure || !ok;
    step.log = "logs/setup-" + std::to_string(f_.small()) + ".log";
    return step;
  }

  // The scenario's steps, or two made up: one on a host, one here.
  std::vector<SetupStepResult> setup() {
    std::vector<SetupStepSpec> specs = s_.setup;
    if (specs.empty()) {
      SetupStepSpec remote{"db1", {"df", "-h"}, false, {}, "", "/setup/0"};
      SetupStepSpec here{"", {"sleep", "$(x)"}, true, {}, "", "/setup/1"};
      specs = {remote, here};
    }
    std::vector<SetupStepResult> out;
    for (const SetupStepSpec& spec : specs) out.push_back(setup_step(spec, out.size() % 2 == 0));
    if (out.front().host_address.empty() && !out.front().host.empty())
      out.front().host_address = "10.0.0.2";
    return out;
  }

  // The scenario's faults, or one made up.
  std::vector<FaultRecord> faults() {
    std::vector<FaultRecord> out;
    for (const FaultSpec& spec : s_.faults) {
      double start = to_seconds(spec.at) + f_.next();
      out.push_back({fault_action_name(spec.action), spec.target, start,
                     start + to_seconds(spec.length),
                     "did " + std::string(fault_action_name(spec.action))});
    }
    if (out.empty()) {
      double start = f_.next();
      out.push_back({"kill", s_.targets.front().name, start, start + 1.5,
                     "SIGKILL to pid 123; restarted after 1.0 s"});
    }
    return out;
  }

  std::vector<SecondSample> series() {
    std::vector<SecondSample> out;
    for (int second = 0; second < 3; ++second) {
      out.push_back({second, f_.count(), f_.count(), f_.next(), f_.next(), f_.next()});
    }
    return out;
  }

  CapacityStep capacity_step(double offered) {
    return {offered,    f_.next(),           f_.next(),       f_.next() / 1000,
            f_.count(), f_.small() % 2 == 0, "p99 above 20ms"};
  }

  // The scenario's capacity steps, or two made up.
  CapacityResult capacity() {
    CapacityResult c;
    c.searched = true;
    c.capacity_per_s = f_.next();
    c.upper_bound_per_s = c.capacity_per_s + f_.next();
    c.resolution = f_.next() / 1000;
    const LoadSpec& load = s_.load;
    if (load.model == LoadSpec::Model::kCapacity) {
      for (double rate = load.from; rate <= load.to; rate *= load.factor)
        c.curve.push_back(capacity_step(rate));
    } else {
      c.curve = {capacity_step(1000), capacity_step(2000)};
    }
    c.curve.back().why = "";
    return c;
  }

  const Scenario& s_;
  Figures f_;
};

std::vector<fs::path> shipped_scenarios() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(fs::path(DROVER_SOURCE_DIR) / "scenarios")) {
    const fs::path& file = entry.path();
    if (file.extension() == ".json" && file.filename() != "schema.json") files.push_back(file);
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Renders the run, reads it back from a file and renders that: the text
// first written, or a failure naming what differs.
class RoundTrip {
 public:
  std::string first;
  std::string second;

  explicit RoundTrip(const RunResult& run) : first(render_summary_json(run)) {
    test_files::TempDir dir;
    Expected<RunResult> back = read_summary_json(dir.write("summary.json", first).string());
    if (!back) {
      ADD_FAILURE() << back.error();
      return;
    }
    second = render_summary_json(*back);
  }
};

class SummaryRoundTrip : public ::testing::TestWithParam<fs::path> {};

TEST_P(SummaryRoundTrip, EveryFieldOfTheScenariosResultComesBackAsItWasWritten) {
  ParsedScenario parsed = load_scenario(GetParam().string());
  ASSERT_TRUE(parsed) << parsed.error().front().to_string();
  ASSERT_FALSE(parsed->fleets.empty());
  ASSERT_FALSE(parsed->targets.empty());
  RoundTrip trip(FullRun(*parsed).build());
  EXPECT_EQ(trip.second, trip.first);

  // Every part of the file is there to be lost: none is left out or empty.
  nlohmann::json written = nlohmann::json::parse(trip.first);
  for (const char* key : {"errors", "warnings", "fleets", "thresholds", "invariants", "targets",
                          "setup", "faults", "series", "latency_distribution"}) {
    EXPECT_TRUE(written.contains(key) && !written[key].empty()) << key;
  }
  EXPECT_TRUE(written.contains("capacity"));
  EXPECT_TRUE(written["fleets"][0].contains("hosts"));
  bool undecided = false;
  for (const auto& i : written["invariants"]) undecided = undecided || i["unknown"].get<bool>();
  EXPECT_TRUE(undecided) << "no invariant is undecided: \"unknown\" never makes the trip";
}

INSTANTIATE_TEST_SUITE_P(Shipped, SummaryRoundTrip, ::testing::ValuesIn(shipped_scenarios()),
                         [](const ::testing::TestParamInfo<fs::path>& info) {
                           std::string name = info.param.stem().string();
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

// The fields summary.json writes only when they apply, and the nulls of an
// empty host, fleet and exit status, come back as they were too.
TEST(SummaryRoundTripOfAnEmptyRun, ComesBackAsItWasWritten) {
  RoundTrip trip{RunResult{}};
  EXPECT_EQ(trip.second, trip.first);
  nlohmann::json written = nlohmann::json::parse(trip.first);
  EXPECT_FALSE(written.contains("faults"));
  EXPECT_FALSE(written.contains("capacity"));
}

}  // namespace
}  // namespace drover::summary_round_trip_test
