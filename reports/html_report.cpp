// report.html: the run for people, in one self-contained file (inline CSS
// and SVG, no script, nothing fetched), so it can be kept as a CI artifact
// and opened anywhere. What it shows is in reports/README.md.
#include <algorithm>
#include <fstream>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "reports/format.hpp"
#include "reports/sink.hpp"
#include "reports/svg_chart.hpp"
#include "reports/timeline_svg.hpp"

namespace drover {
namespace {

constexpr std::size_t kLogTailLines = 20;
// A log's tail is looked for in its last 64 KiB: a target may log gigabytes.
constexpr std::streamoff kLogTailBytes = 64 * 1024;

constexpr const char* kStyle = R"(
body{font:14px/1.4 system-ui,sans-serif;margin:24px auto;max-width:1100px;padding:0 16px;color:#222}
h1{font-size:22px;margin:0}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd}
.verdict{display:inline-block;font-size:30px;font-weight:700;padding:4px 18px;border-radius:6px;color:#fff;margin-right:16px}
.pass{background:#1a7f37}.fail{background:#cf222e}.error{background:#bc4c00}.unknown{background:#9a6700}
.head{display:flex;align-items:center;margin-bottom:8px}
.facts{color:#555}.facts b{color:#222}
table{border-collapse:collapse;margin:6px 0}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:right}
th{background:#f6f8fa}td:first-child,th:first-child,td.text,th.text{text-align:left}
tr.op td:first-child,tr.host td:first-child{padding-left:26px;color:#555}tr.total td{font-weight:600}
.ok{color:#1a7f37;font-weight:600}.bad{color:#cf222e;font-weight:600}.undecided{color:#9a6700;font-weight:600}
pre{background:#f6f8fa;padding:8px;overflow-x:auto;font-size:12px;margin:4px 0;white-space:pre-wrap}
.charts{display:grid;grid-template-columns:1fr 1fr;gap:12px}
svg.chart{width:100%;height:auto;border:1px solid #eee;border-radius:4px;background:#fff}
svg .grid{stroke:#eee}svg .axis{stroke:#888}svg .line{stroke-width:1.8}
svg text{font-size:11px;fill:#555}svg .label{font-size:12px;fill:#222}svg .empty{font-size:16px;fill:#999}
.errors li{color:#cf222e}
svg.timeline{width:100%;height:auto;border:1px solid #eee;border-radius:4px;background:#fff}
h3{font-size:15px;margin:16px 0 6px}
)";

std::string h(std::string_view text) {
  return escape_html(text);
}

// Tick labels of counts: 0.2, 5, 120, 12.5k.
std::string count_label(double v) {
  return v >= 1e4 ? format_count(v) : fmt::format("{:g}", v);
}

std::string mark(bool ok) {
  return ok ? "<span class=\"ok\">ok</span>" : "<span class=\"bad\">FAIL</span>";
}

// An invariant whose evidence is missing is neither held nor broken.
std::string invariant_mark(const InvariantResult& i) {
  return i.unknown && !i.ok ? "<span class=\"undecided\">UNKNOWN</span>" : mark(i.ok);
}

// The last kLogTailLines lines of a file, or why there are none.
std::string log_tail(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "(cannot read " + path + ")";
  in.seekg(0, std::ios::end);
  std::streamoff size = in.tellg();
  std::streamoff from = std::max<std::streamoff>(0, size - kLogTailBytes);
  in.seekg(from);
  std::string text(static_cast<std::size_t>(size - from), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (text.empty()) return "(empty)";
  if (text.back() == '\n') text.pop_back();
  std::size_t start = text.size();
  for (std::size_t n = 0; n < kLogTailLines && start != std::string::npos && start > 0; ++n) {
    start = text.rfind('\n', start - 1);
  }
  return start == std::string::npos || start == 0 ? text : text.substr(start + 1);
}

// Under the verdict: the invariants that could not be decided, so that an
// UNKNOWN banner (or a FAIL that also left some undecided) says at once
// what the run did not prove.
void undecided(std::string& out, const RunResult& run) {
  std::string names;
  for (const InvariantResult& i : run.invariants) {
    if (i.ok || !i.unknown) continue;
    names += (names.empty() ? "" : ", ") + h(std::string(invariant_name(i.invariant))) +
             (i.subject.empty() ? "" : " (" + h(i.subject) + ")");
  }
  if (names.empty()) return;
  out += "<p class=\"undecided\" id=\"undecided\">Not decided, its evidence missing: " + names +
         ". The run proved less than it was asked to; see Invariants.</p>\n";
}

void header(std::string& out, const RunResult& run) {
  std::string started =
      fmt::format("{:%Y-%m-%d %H:%M:%S} UTC",
                  fmt::gmtime(std::chrono::system_clock::to_time_t(run.started_at)));
  out += fmt::format(
      "<div class=\"head\"><span class=\"verdict {}\" id=\"verdict\">{}</span>"
      "<div><h1>{}</h1><div class=\"facts\">{}</div></div></div>\n",
      verdict_name(run.verdict), format_verdict(run.verdict), h(run.scenario),
      h(run.scenario_file));
  out += fmt::format(
      "<p class=\"facts\">exit code <b>{}</b> &middot; seed <b>{}</b> &middot; load <b>{:.1f} "
      "s</b> &middot; started <b>{}</b>{}{}{}</p>\n",
      to_int(run.exit_code), run.seed, run.duration_s, started,
      run.expect == Expect::kViolation ? " &middot; <b>a violation is expected</b>" : "",
      run.interrupted ? " &middot; <b class=\"bad\">interrupted</b>" : "",
      run.aborted ? " &middot; <b class=\"bad\">aborted by a threshold</b>" : "");
  if (!run.run_dir.empty()) out += "<p class=\"facts\">run folder " + h(run.run_dir) + "</p>\n";
  if (!run.errors.empty()) {
    out += "<ul class=\"errors\">";
    for (const std::string& e : run.errors) out += "<li>" + h(e) + "</li>";
    out += "</ul>\n";
  }
  undecided(out, run);
}

// Right under the verdict, like the errors: what a reader should know
// before trusting the figures below (a log that stays behind, an unknown
// host key accepted).
void warnings(std::string& out, const RunResult& run) {
  if (run.warnings.empty()) return;
  out +=
      "<h2>Warnings</h2>\n<table id=\"warnings\"><tr><th>at</th><th class=\"text\">about</th>"
      "<th class=\"text\">warning</th></tr>\n";
  for (const Warning& w : run.warnings) {
    out += fmt::format(
        "<tr><td>{:.1f} s</td><td class=\"text\">{}</td><td class=\"text\">{}</td></tr>\n", w.at_s,
        h(w.source), h(w.message));
  }
  out += "</table>\n";
}
// The whole run's latency by percentile, and each op's when there are
// several.
std::vector<ChartLine> distribution_lines(const RunResult& run) {
  static constexpr const char* kOpColors[] = {"#0969da", "#1a7f37", "#bc4c00",
                                              "#cf222e", "#6e7781", "#bf3989"};
  auto line = [](const std::string& name, const char* color, const std::vector<Percentile>& ps) {
    ChartLine l{name, color, {}};
    for (const Percentile& p : ps) {
      l.points.push_back({p.percentile, p.value_ms,
                          fmt::format("{} p{:g}: {}", name, p.percentile, format_ms(p.value_ms))});
    }
    return l;
  };
  std::vector<ChartLine> lines{line("latency", "#8250df", run.distribution)};
  if (run.op_distributions.size() < 2) return lines;
  for (std::size_t i = 0; i < run.op_distributions.size() && i < std::size(kOpColors); ++i) {
    const OpDistribution& op = run.op_distributions[i];
    if (!op.points.empty()) lines.push_back(line(op.name, kOpColors[i], op.points));
  }
  return lines;
}

void charts(std::string& out, const RunResult& run) {
  auto tip = [](const SecondSample& s, const std::string& what) {
    return fmt::format("{}s: {}", s.second, what);
  };
  ChartLine ops{"ops/s", "#0969da", {}};
  ChartLine p50{"p50", "#1a7f37", {}}, p99{"p99", "#bc4c00", {}}, max{"max", "#cf222e", {}};
  ChartLine errors{"errors/s", "#cf222e", {}};
  for (const SecondSample& s : run.series) {
    double x = s.second;
    // The last second may be cut short by the end of the load: its rates are
    // scaled up, and a sliver (replies that came just after the end) left out.
    double covered = run.duration_s > 0 ? std::clamp(run.duration_s - s.second, 0.0, 1.0) : 1.0;
    if (covered < 0.1) continue;
    double per_s = 1 / covered;
    auto ops_s = static_cast<double>(s.ops) * per_s,
         errors_s = static_cast<double>(s.errors) * per_s;
    ops.points.push_back({x, ops_s, tip(s, format_count(ops_s) + " ops/s")});
    errors.points.push_back({x, errors_s, tip(s, format_count(errors_s) + " errors/s")});
    if (s.ops > s.errors || s.p50_ms > 0) {
      p50.points.push_back({x, s.p50_ms, tip(s, "p50 " + format_ms(s.p50_ms))});
      p99.points.push_back({x, s.p99_ms, tip(s, "p99 " + format_ms(s.p99_ms))});
      max.points.push_back({x, s.max_ms, tip(s, "max " + format_ms(s.max_ms))});
    }
  }
  std::vector<ChartLine> distributions = distribution_lines(run);
  auto ms = [](double v) { return format_ms(v); };
  // The nemesis's faults, as bands on every chart over time.
  std::vector<ChartBand> bands;
  for (const FaultRecord& f : run.faults) {
    bands.push_back(
        {f.start_s, std::max(f.start_s, f.end_s),
         fmt::format("{} {} at {:.1f} s: {}", f.action, f.target, f.start_s, f.detail)});
  }
  out += "<h2>Over time</h2>\n<div class=\"charts\">\n";
  out += render_line_chart({"throughput",
                            "seconds into the load",
                            "operations per second",
                            {ops},
                            count_label,
                            false,
                            bands});
  out += render_line_chart({"latency-over-time",
                            "seconds into the load",
                            "latency per second (ms)",
                            {p50, p99, max},
                            ms,
                            false,
                            bands});
  out += render_line_chart({"latency-distribution",
                            "percentile",
                            "latency by percentile, whole run",
                            distributions,
                            ms,
                            true,
                            {}});
  out += render_line_chart({"errors-over-time",
                            "seconds into the load",
                            "errors per second",
                            {errors},
                            count_label,
                            false,
                            bands});
  out += "</div>\n";
}

void fleets(std::string& out, const RunResult& run) {
  if (run.fleets.empty()) return;
  out +=
      "<h2>Fleets</h2>\n<table id=\"fleets\"><tr><th>fleet</th><th class=\"text\">target</th>"
      "<th>clients</th><th>ops</th><th>ops/s</th><th>errors</th><th>error rate</th>"
      "<th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th></tr>\n";
  auto row = [&](const char* cls, const std::string& name, const std::string& target,
                 const std::string& clients, const OpTotals& t, double rate,
                 const LatencySummary& l) {
    out += fmt::format(
        "<tr class=\"{}\"><td>{}</td><td class=\"text\">{}</td><td>{}</td><td>{}</td><td>{}</td>"
        "<td>{}</td><td>{:.4g}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
        cls, h(name), h(target), clients, format_count(static_cast<double>(t.ops())),
        format_count(rate), format_count(static_cast<double>(t.errors())), t.error_rate(),
        format_ms(l.p50_ms), format_ms(l.p90_ms), format_ms(l.p99_ms), format_ms(l.p999_ms),
        format_ms(l.max_ms));
  };
  int clients = 0;
  for (const FleetResult& f : run.fleets) {
    row("fleet", f.name, f.target, std::to_string(f.clients), f.totals, f.rate_per_s, f.latency);
    if (f.ops.size() > 1) {
      for (const OpResult& op : f.ops)
        row("op", op.name, "", "", op.totals, op.rate_per_s, op.latency);
    }
    for (const FleetHostResult& host : f.hosts) {
      row("host", "@" + host.host, "", std::to_string(host.clients), host.totals, host.rate_per_s,
          host.latency);
    }
    clients += f.clients;
  }
  if (run.fleets.size() > 1) {
    row("total", "total", "", std::to_string(clients), run.totals, run.rate_per_s, run.latency);
  }
  out += "</table>\n";
  std::string notes;
  for (std::size_t i = 1; i < kOutcomeCount; ++i) {
    if (run.totals.by_outcome[i] == 0) continue;
    notes += fmt::format("{}{} {}", notes.empty() ? "errors: " : ", ", run.totals.by_outcome[i],
                         kOutcomeNames[i]);
  }
  if (run.totals.missed_starts > 0) {
    notes += fmt::format("{}missed starts (no idle client at the intended time): {}",
                         notes.empty() ? "" : "; ", run.totals.missed_starts);
  }
  if (run.totals.late_replies > 0) {
    notes += fmt::format("{}late replies (after their timeout): {}", notes.empty() ? "" : "; ",
                         run.totals.late_replies);
  }
  if (!notes.empty()) out += "<p>" + h(notes) + "</p>\n";
}

// One row per example: when, which client, what was sent, expected and
// received (escaped, cut), and the rule it broke.
void example_rows(std::string& out, const OpResult& op, const FailureSamples& s) {
  auto row = [&](const FailureExample& e, const char* which) {
    out += fmt::format(
        "<tr><td class=\"text\">{}</td><td class=\"text\">{}</td><td class=\"text\">{}</td>"
        "<td>{}</td><td>{}</td><td class=\"text\"><code>{}</code></td>"
        "<td class=\"text\"><code>{}</code></td><td class=\"text\"><code>{}</code></td>"
        "<td class=\"text\">{}</td></tr>\n",
        h(op.name), h(outcome_name(s.outcome)), which, format_ms(e.t_ms), e.client,
        h(shown_text(e.request)), h(shown_text(e.expected)), h(shown_text(e.received)), h(e.rule));
  };
  for (const FailureExample& e : s.first) row(e, "first");
  for (const FailureExample& e : s.sampled) row(e, "sampled");
}

// A table per fleet of the examples its drivers kept of its failures: the
// first few of each class, then a random sample of the rest.
void failure_examples(std::string& out, const RunResult& run) {
  bool any = false;
  for (const FleetResult& f : run.fleets) {
    std::string rows;
    for (const OpResult& op : f.ops)
      for (const FailureSamples& s : op.failures) example_rows(rows, op, s);
    if (rows.empty()) continue;
    if (!any) out += "<h2>Failed operations</h2>\n";
    any = true;
    out += fmt::format(
        "<h3>{}</h3>\n<table class=\"failures\" id=\"failures-{}\"><tr><th>op</th>"
        "<th class=\"text\">class</th><th class=\"text\">example</th><th>at</th><th>client</th>"
        "<th class=\"text\">request</th><th class=\"text\">expected</th>"
        "<th class=\"text\">received</th><th class=\"text\">rule broken</th></tr>\n{}</table>\n",
        h(f.name), h(f.name), rows);
  }
}

// p99 against the offered rate, the steps in order of rate (bisection
// steps fall between the rising ones), the knee's interval marked.
void capacity_chart(std::string& out, const CapacityResult& c) {
  std::vector<CapacityStep> by_rate = c.curve;
  std::stable_sort(by_rate.begin(), by_rate.end(),
                   [](const CapacityStep& a, const CapacityStep& b) {
                     return a.offered_per_s < b.offered_per_s;
                   });
  ChartLine p99{"p99", "#bc4c00", {}};
  for (const CapacityStep& s : by_rate) {
    p99.points.push_back({s.offered_per_s, s.p99_ms,
                          fmt::format("{:.0f}/s offered: p99 {}, {}", s.offered_per_s,
                                      format_ms(s.p99_ms), s.ok ? "met" : "missed: " + s.why)});
  }
  std::vector<ChartBand> knee;
  if (c.capacity_per_s > 0 && c.upper_bound_per_s > 0) {
    knee.push_back({c.capacity_per_s, c.upper_bound_per_s, format_capacity(c)});
  }
  out += render_line_chart({"capacity-curve",
                            "offered operations per second",
                            "p99 latency per step (ms)",
                            {std::move(p99)},
                            [](double ms) { return format_ms(ms); },
                            false,
                            std::move(knee)});
}

void capacity(std::string& out, const CapacityResult& c) {
  if (!c.searched) return;
  out += "<h2>Capacity</h2>\n<p id=\"capacity-knee\"><b>" + h(format_capacity(c)) + "</b></p>\n";
  capacity_chart(out, c);
  out +=
      "<table id=\"capacity\"><tr><th>step</th><th>offered/s</th><th>answered/s</th>"
      "<th>p99</th><th>error rate</th><th>missed starts</th>"
      "<th class=\"text\">objective</th></tr>\n";
  std::size_t step = 0;
  for (const CapacityStep& s : c.curve) {
    out += fmt::format(
        "<tr><td>{}</td><td>{:.0f}</td><td>{:.0f}</td><td>{}</td><td>{:.4g}</td><td>{}</td>"
        "<td class=\"text\">{} {}</td></tr>\n",
        ++step, s.offered_per_s, s.answered_per_s, format_ms(s.p99_ms), s.error_rate,
        s.missed_starts, mark(s.ok), h(s.why));
  }
  out += "</table>\n";
}

void faults(std::string& out, const RunResult& run) {
  if (run.faults.empty()) return;
  out +=
      "<h2>Faults</h2>\n<table id=\"faults\"><tr><th class=\"text\">fault</th>"
      "<th class=\"text\">target</th><th>from</th><th>to</th><th class=\"text\">what</th></tr>\n";
  for (const FaultRecord& f : run.faults) {
    out += fmt::format(
        "<tr><td class=\"text\">{}</td><td class=\"text\">{}</td><td>{:.2f} s</td>"
        "<td>{}</td><td class=\"text\">{}</td></tr>\n",
        h(f.action), h(f.target), f.start_s,
        f.end_s > f.start_s ? fmt::format("{:.2f} s", f.end_s) : std::string(""), h(f.detail));
  }
  out += "</table>\n";
}

void thresholds(std::string& out, const RunResult& run) {
  if (run.thresholds.empty()) return;
  out +=
      "<h2>Thresholds</h2>\n<table id=\"thresholds\"><tr><th>threshold</th><th>limit</th>"
      "<th>value</th><th class=\"text\">ok</th><th class=\"text\"></th></tr>\n";
  for (const ThresholdResult& t : run.thresholds) {
    std::string name = threshold_key(t.metric, t.fleet, t.op);
    std::string aborted = t.aborted
                              ? fmt::format("aborted the run at {:.1f} s (value then {})",
                                            t.aborted_at_s, format_value(t.aborted_value, t.unit))
                              : format_worst_window(t);
    out += fmt::format(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"text\">{}</td>"
        "<td class=\"text bad\">{}</td></tr>\n",
        h(name), h(t.limit), h(format_value(t.value, t.unit)), mark(t.ok), h(aborted));
  }
  out += "</table>\n";
}

// Where a violated history invariant first broke: the timeline, then its
// events as a table.
void anomaly(std::string& out, const InvariantResult& i, int n) {
  const Anomaly& a = *i.anomaly;
  out +=
      fmt::format("<h3>Where {} ({}) first broke: {}, at {:.3f} s</h3>\n{}\n",
                  h(std::string(invariant_name(i.invariant))), h(i.subject), h(a.about),
                  a.t_ms / 1000, render_anomaly_timeline(a, fmt::format("anomaly-timeline-{}", n)));
  out +=
      "<details><summary>the events</summary><table class=\"anomaly-events\"><tr><th>time</th>"
      "<th>client</th><th class=\"text\">fleet</th><th class=\"text\">operation</th>"
      "<th class=\"text\">type</th><th class=\"text\">value</th><th class=\"text\"></th></tr>\n";
  for (const TimelineEvent& e : a.events) {
    out += fmt::format(
        "<tr{}><td>{}</td><td>{}</td><td class=\"text\">{}</td><td class=\"text\">{}</td>"
        "<td class=\"text\">{}</td><td class=\"text\">{}</td><td class=\"text\">{}</td></tr>\n",
        e.focus ? " class=\"bad\"" : "", format_offset_ms(e.t_ms - a.t_ms), e.client, h(e.fleet),
        h(e.f), h(e.type), h(e.value),
        e.focus     ? "where it broke"
        : e.related ? "same key"
                    : "");
  }
  out += "</table></details>\n";
}

// A violated invariant's offending operations, as its checker found them in
// history.jsonl.
void violation_examples(std::string& out, const InvariantResult& i, int n) {
  out += fmt::format(
      "<h3>{} ({}): offending operations</h3>\n<table class=\"violations\" "
      "id=\"violations-{}\"><tr><th class=\"text\">what</th><th>at</th><th>line</th>"
      "<th>client</th><th class=\"text\">fleet</th><th class=\"text\">event</th></tr>\n",
      h(std::string(invariant_name(i.invariant))), h(i.subject), n);
  for (const ViolationExample& e : i.examples) {
    out += fmt::format(
        "<tr><td class=\"text\">{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"text\">{}"
        "</td><td class=\"text\"><code>{}</code></td></tr>\n",
        h(e.about), format_ms(e.t_ms), e.line, e.client, h(e.fleet), h(e.event));
  }
  out += "</table>\n";
}

void invariants(std::string& out, const RunResult& run) {
  if (run.invariants.empty()) return;
  out += fmt::format("<h2>Invariants{}</h2>\n",
                     run.expect == Expect::kViolation ? " (a violation is expected)" : "");
  out +=
      "<table id=\"invariants\"><tr><th>invariant</th><th class=\"text\">subject</th>"
      "<th class=\"text\">ok</th><th class=\"text\">detail</th></tr>\n";
  for (const InvariantResult& i : run.invariants) {
    out += fmt::format(
        "<tr><td>{}</td><td class=\"text\">{}</td><td class=\"text\">{}</td>"
        "<td class=\"text\"><pre>{}</pre></td></tr>\n",
        h(std::string(invariant_name(i.invariant))), h(i.subject), invariant_mark(i), h(i.detail));
  }
  out += "</table>\n";
  int n = 0;
  for (const InvariantResult& i : run.invariants) {
    if (i.anomaly) anomaly(out, i, ++n);
  }
  int e = 0;
  for (const InvariantResult& i : run.invariants) {
    if (!i.examples.empty()) violation_examples(out, i, ++e);
  }
}

// "db1 (10.0.0.2)", or "this machine" when there is no host.
std::string host_text(const std::string& host, const std::string& address) {
  if (host.empty()) return "this machine";
  return address.empty() ? host : fmt::format("{} ({})", host, address);
}

void setup_steps(std::string& out, const RunResult& run) {
  if (run.setup.empty()) return;
  out +=
      "<h2>Setup</h2>\n<table id=\"setup\"><tr><th>step</th><th class=\"text\">on</th>"
      "<th class=\"text\">command</th><th class=\"text\">ok</th>"
      "<th class=\"text\">result</th><th>seconds</th><th class=\"text\">log</th></tr>\n";
  for (const SetupStepResult& step : run.setup) {
    const std::string command = format_command(step.argv);
    out += fmt::format(
        "<tr><td>{}</td><td class=\"text\">{}</td><td class=\"text\"><code>{}</code></td>"
        "<td class=\"text\">{}</td><td class=\"text\">{}{}</td><td>{:.3f}</td>"
        "<td class=\"text\">{}</td></tr>\n",
        h(step.step), h(host_text(step.host, step.host_address)), h(command), mark(step.ok),
        h(step.outcome), !step.ok && step.allow_failure ? " (allowed to fail)" : "",
        step.duration_s, h(step.log));
  }
  out += "</table>\n";
}

void targets(std::string& out, const RunResult& run) {
  if (run.targets.empty()) return;
  out += "<h2>Targets</h2>\n";
  for (const TargetResult& t : run.targets) {
    // An address target runs wherever its address says, not where drover put it.
    std::string on =
        t.kind == "address" && t.host.empty() ? "" : ", on " + h(host_text(t.host, t.host_address));
    out +=
        fmt::format("<h3>{} <small>({}{}{}{})</small></h3>\n<p>{}{}</p>\n", h(t.name), h(t.kind),
                    t.address.empty() ? "" : ", " + h(t.address), on,
                    t.pid > 0 ? fmt::format(", pid {}", t.pid) : "",
                    t.exited_during_run ? "<span class=\"bad\">exited during the run</span>: " : "",
                    h(t.exit_description.empty() ? "not started by drover" : t.exit_description));
    for (const std::string& log : t.logs) {
      std::string path = run.run_dir.empty() ? log : run.run_dir + "/" + log;
      out += fmt::format(
          "<details open><summary>{} (last {} lines)</summary><pre>{}</pre>"
          "</details>\n",
          h(log), kLogTailLines, h(log_tail(path)));
    }
  }
}

}  // namespace

std::string render_report_html(const RunResult& run) {
  std::string out = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>drover {}: {}</title>\n<style>{}</style></head><body>\n",
      h(run.scenario), format_verdict(run.verdict), kStyle);
  header(out, run);
  warnings(out, run);
  charts(out, run);
  fleets(out, run);
  failure_examples(out, run);
  capacity(out, run.capacity);
  faults(out, run);
  thresholds(out, run);
  invariants(out, run);
  setup_steps(out, run);
  targets(out, run);
  out += "</body></html>\n";
  return out;
}

SinkPtr make_report_html_sink(std::string path) {
  return make_file_sink(std::move(path), render_report_html);
}

}  // namespace drover
