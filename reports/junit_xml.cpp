// junit.xml: the run as JUnit test results, for CI servers that show tests
// (Jenkins, GitLab, GitHub test reporters). The mapping is in
// reports/README.md; its promise is that the file fails exactly when the run
// does: no failure and no error in it means the verdict is pass.
#include <unistd.h>

#include <cmath>
#include <string_view>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "reports/format.hpp"
#include "reports/sink.hpp"

namespace drover {
namespace {

// An attribute value.
std::string xml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_markup(out, text, true);
  return out;
}

// The text of an element.
std::string xml_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_markup(out, text, false);
  return out;
}

// A failure message is one line that CI servers show in their list; the
// whole text goes in the element's body.
std::string first_line(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  if (line.size() <= 200) return line;
  std::size_t cut = 200;
  while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xc0) == 0x80) --cut;
  return line.substr(0, cut) + "...";
}

std::string figure(double v) {
  return fmt::format("{:.6g}", v);
}

// Milliseconds and seconds to the microsecond, as in summary.json: more
// digits would only be noise.
std::string rounded(double v) {
  return fmt::format("{}", std::round(v * 1000.0) / 1000.0);
}

std::string with_unit(double v, const std::string& unit) {
  if (unit == "ms") return rounded(v) + " ms";
  if (unit == "ratio" || unit == "count" || unit.empty()) return figure(v);
  return figure(v) + " " + unit;
}

struct TestCase {
  enum class Kind { kPass, kFailure, kError };
  TestCase(std::string in_class, std::string test_name, double seconds = 0)
      : classname(std::move(in_class)), name(std::move(test_name)), time_s(seconds) {}
  std::string classname;
  std::string name;
  double time_s = 0;
  Kind outcome = Kind::kPass;
  std::string message;  // of the failure or error
  std::string type;
  std::string text;
  std::string out;  // system-out
};

std::string fleet_figures(const FleetResult& f, double duration_s) {
  std::string out = fmt::format("target {}, clients {}\n", f.target, f.clients);
  auto line = [&](const std::string& label, const OpTotals& t, const LatencySummary& l,
                  double rate) {
    out += fmt::format("{}ops {}, ok {}, errors {}, error rate {}, {} ops/s\n", label, t.ops(),
                       t.ok(), t.errors(), figure(t.error_rate()), figure(rate));
    std::string classes;
    for (std::size_t i = 1; i < kOutcomeCount; ++i) {
      if (t.by_outcome[i] > 0) {
        classes +=
            fmt::format("{}{} {}", classes.empty() ? "" : ", ", kOutcomeNames[i], t.by_outcome[i]);
      }
    }
    if (!classes.empty()) out += fmt::format("{}errors by class: {}\n", label, classes);
    out += fmt::format("{}latency p50 {} ms, p99 {} ms, max {} ms ({} answered)\n", label,
                       rounded(l.p50_ms), rounded(l.p99_ms), rounded(l.max_ms), l.count);
  };
  line("", f.totals, f.latency, f.rate_per_s);
  if (f.totals.missed_starts > 0) out += fmt::format("missed starts {}\n", f.totals.missed_starts);
  if (f.totals.late_replies > 0) out += fmt::format("late replies {}\n", f.totals.late_replies);
  if (f.ops.size() > 1) {
    for (const OpResult& op : f.ops)
      line("op " + op.name + ": ", op.totals, op.latency, op.rate_per_s);
  }
  if (f.totals.ops() > 0 && f.totals.ok() == 0) {
    out += "every operation failed: only a threshold or an invariant fails a run on it\n";
  }
  out += fmt::format("over {} s of load", rounded(duration_s));
  return out;
}

// The examples of the failures of fleet (every fleet's when fleet is
// empty), one line each: what CI shows under a failed threshold or
// invariant, so the reason is in the failure text itself.
std::string failure_examples(const RunResult& run, const std::string& fleet) {
  std::string out;
  for (const FleetResult& f : run.fleets) {
    if (!fleet.empty() && f.name != fleet) continue;
    for (const OpResult& op : f.ops) {
      for (const FailureSamples& s : op.failures) {
        out += fmt::format("{} {} {} ({}):\n", f.name, op.name, outcome_name(s.outcome), s.count);
        for (const FailureExample& e : s.first) out += "  first: " + format_example(e) + "\n";
        for (const FailureExample& e : s.sampled) out += "  sampled: " + format_example(e) + "\n";
      }
    }
  }
  return out.empty() ? out : "\nexamples of failed operations:\n" + out;
}

// A setup step that failed (and was not allowed to) is an error: the run
// stopped there with result "error".
TestCase setup_case(const RunResult& run, const SetupStepResult& step) {
  const std::string command = format_command(step.argv);
  TestCase c{run.scenario + ".setup",
             fmt::format("{} on {}: {}", step.step, step.host.empty() ? "this machine" : step.host,
                         command),
             step.duration_s};
  std::string detail = fmt::format("{}, log {}", step.outcome, step.log);
  if (step.ok) {
    c.out = detail;
  } else if (step.allow_failure) {
    c.out = detail + " (allowed to fail)";
  } else {
    c.outcome = TestCase::Kind::kError;
    c.type = "setup";
    c.message = first_line(step.outcome);
    c.text = detail;
  }
  return c;
}

// Fleets carry their figures and never fail on their own: the scenario's
// thresholds and invariants are what judge them, so the file fails
// exactly when drover's verdict does.
TestCase fleet_case(const RunResult& run, const FleetResult& f) {
  TestCase c{run.scenario + ".fleets", f.name, run.duration_s};
  c.out = fleet_figures(f, run.duration_s) + failure_examples(run, f.name);
  return c;
}

TestCase threshold_case(const RunResult& run, const ThresholdResult& t) {
  std::string limit = t.limit;
  limit.erase(0, limit.find_first_not_of(' '));
  TestCase c{run.scenario + ".thresholds", threshold_key(t.metric, t.fleet, t.op) + " " + limit};
  std::string verdict = fmt::format("value {}, limit {}", with_unit(t.value, t.unit), limit);
  if (std::string window = format_worst_window(t); !window.empty()) verdict += "; " + window;
  if (t.aborted) {
    verdict += fmt::format("; aborted the run at {} s (value then {})", rounded(t.aborted_at_s),
                           with_unit(t.aborted_value, t.unit));
  }
  if (t.ok) {
    c.out = verdict;
  } else {
    c.outcome = TestCase::Kind::kFailure;
    c.type = "threshold";
    c.message = verdict;
    c.text = verdict + failure_examples(run, t.fleet);
  }
  return c;
}

// A violated history invariant's offending operations, one line each.
std::string violation_examples(const InvariantResult& i) {
  std::string out;
  for (const ViolationExample& e : i.examples) out += "\n" + format_violation(e);
  return out.empty() ? out : "\noffending operations:" + out;
}

// An invariant about a fleet (replies_correct) shows that fleet's examples.
std::string subject_examples(const RunResult& run, const InvariantResult& i) {
  for (const FleetResult& f : run.fleets)
    if (!i.subject.empty() && f.name == i.subject) return failure_examples(run, f.name);
  return {};
}

// With "expect": "violation" the scenario runs a deliberately broken
// target: the verdict marks the failures that caught it as expected. An
// undecided invariant is never the expected violation.
TestCase invariant_case(const RunResult& run, const InvariantResult& i) {
  std::string name(invariant_name(i.invariant));
  TestCase c{run.scenario + ".invariants",
             i.subject.empty() ? name : name + " (" + i.subject + ")"};
  if (i.ok) {
    c.out = i.detail;
  } else if (i.unknown) {
    // Undecided is not held: the file fails, as the run (verdict unknown,
    // exit 1) does, and says what evidence is missing.
    c.outcome = TestCase::Kind::kFailure;
    c.type = "unknown";
    c.message = first_line(i.detail.empty() ? name + " could not be decided" : i.detail);
    c.text = i.detail;
  } else if (i.expected_failure) {
    c.out = "violation caught, as the scenario expects (\"expect\": \"violation\"): " + i.detail;
  } else {
    c.outcome = TestCase::Kind::kFailure;
    c.type = "invariant";
    c.message = first_line(i.detail.empty() ? name + " violated" : i.detail);
    c.text = i.detail + subject_examples(run, i) + violation_examples(i);
  }
  return c;
}

// "expect": "violation", and no invariant caught one.
TestCase missing_violation_case(const RunResult& run) {
  TestCase c{run.scenario + ".invariants", "expected a violation"};
  c.outcome = TestCase::Kind::kFailure;
  c.type = "expected_violation";
  c.message =
      "the scenario expects a violation (\"expect\": \"violation\") and no invariant "
      "caught one";
  c.text = c.message;
  return c;
}

TestCase infrastructure_case(const RunResult& run) {
  TestCase c{run.scenario + ".run", "infrastructure"};
  c.outcome = TestCase::Kind::kError;
  c.type = "infrastructure";
  for (const std::string& e : run.errors) {
    c.message += (c.message.empty() ? "" : "; ") + e;
    c.text += e + "\n";
  }
  if (c.message.empty()) c.message = "the run could not be carried out";
  c.message = first_line(c.message);
  return c;
}

// The run's testcases, in the order reports/README.md lists them: setup
// steps as they ran, fleets, thresholds, invariants, then the run itself.
std::vector<TestCase> test_cases(const RunResult& run) {
  std::vector<TestCase> cases;
  for (const SetupStepResult& step : run.setup) cases.push_back(setup_case(run, step));
  for (const FleetResult& f : run.fleets) cases.push_back(fleet_case(run, f));
  for (const ThresholdResult& t : run.thresholds) cases.push_back(threshold_case(run, t));
  for (const InvariantResult& i : run.invariants) cases.push_back(invariant_case(run, i));
  if (run.violation_missing && run.verdict != Verdict::kError)
    cases.push_back(missing_violation_case(run));
  if (run.verdict == Verdict::kError || !run.errors.empty())
    cases.push_back(infrastructure_case(run));
  return cases;
}

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

void append_case(std::string& out, const TestCase& c) {
  out += fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3f}\"", xml(c.classname),
                     xml(c.name), c.time_s);
  if (c.outcome == TestCase::Kind::kPass && c.out.empty()) {
    out += "/>\n";
    return;
  }
  out += ">\n";
  if (c.outcome != TestCase::Kind::kPass) {
    const char* element = c.outcome == TestCase::Kind::kFailure ? "failure" : "error";
    out += fmt::format("      <{} message=\"{}\" type=\"{}\">{}</{}>\n", element, xml(c.message),
                       xml(c.type), xml_text(c.text), element);
  }
  if (!c.out.empty()) out += fmt::format("      <system-out>{}</system-out>\n", xml_text(c.out));
  out += "    </testcase>\n";
}

}  // namespace

namespace {

struct Counts {
  std::size_t tests = 0, failures = 0, errors = 0;
};

Counts count_cases(const std::vector<TestCase>& cases) {
  Counts n;
  n.tests = cases.size();
  for (const TestCase& c : cases) {
    n.failures += c.outcome == TestCase::Kind::kFailure;
    n.errors += c.outcome == TestCase::Kind::kError;
  }
  return n;
}

// What the suite says of the run as a whole, a line each: that it was
// interrupted, and each warning, in the order they came.
std::string suite_out(const RunResult& run) {
  std::string said;
  if (run.interrupted) {
    said = fmt::format(
        "interrupted by SIGINT or SIGTERM after {} s of load: the testcases judge the run as far "
        "as it went (drover exits 130)",
        rounded(run.duration_s));
  }
  for (const Warning& w : run.warnings) {
    said += fmt::format("{}warning at {} s: {}: {}", said.empty() ? "" : "\n", rounded(w.at_s),
                        w.source, w.message);
  }
  return said;
}

// One run as a <testsuite>.
void append_suite(std::string& out, const RunResult& run, const std::vector<TestCase>& cases) {
  Counts n = count_cases(cases);
  std::string timestamp = fmt::format(
      "{:%Y-%m-%dT%H:%M:%S}Z", fmt::gmtime(std::chrono::system_clock::to_time_t(run.started_at)));
  out += fmt::format(
      "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"0\" "
      "time=\"{:.3f}\" timestamp=\"{}\" hostname=\"{}\">\n",
      xml(run.scenario), n.tests, n.failures, n.errors, run.duration_s, timestamp,
      xml(host_name()));
  out += "    <properties>\n";
  auto property = [&](const char* name, const std::string& value) {
    out += fmt::format("      <property name=\"{}\" value=\"{}\"/>\n", name, xml(value));
  };
  property("scenario_file", run.scenario_file);
  property("run_dir", run.run_dir);
  property("result", verdict_name(run.verdict));
  property("exit_code", std::to_string(to_int(run.exit_code)));
  property("expect", std::string(expect_name(run.expect)));
  property("seed", std::to_string(run.seed));
  property("interrupted", run.interrupted ? "true" : "false");
  property("aborted", run.aborted ? "true" : "false");
  out += "    </properties>\n";
  for (const TestCase& c : cases) append_case(out, c);
  if (std::string said = suite_out(run); !said.empty())
    out += fmt::format("    <system-out>{}</system-out>\n", xml_text(said));
  out += "  </testsuite>\n";
}

}  // namespace

std::string render_junit_xml(const std::vector<RunResult>& runs) {
  std::vector<std::vector<TestCase>> cases;
  Counts total;
  double time = 0;
  for (const RunResult& run : runs) {
    cases.push_back(test_cases(run));
    Counts n = count_cases(cases.back());
    total.tests += n.tests;
    total.failures += n.failures;
    total.errors += n.errors;
    time += run.duration_s;
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format(
      "<testsuites name=\"drover\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{:.3f}\">\n",
      total.tests, total.failures, total.errors, time);
  for (std::size_t i = 0; i < runs.size(); ++i) append_suite(out, runs[i], cases[i]);
  out += "</testsuites>\n";
  return out;
}

std::string render_junit_xml(const RunResult& run) {
  return render_junit_xml(std::vector<RunResult>{run});
}

SinkPtr make_junit_xml_sink(std::string path) {
  return make_file_sink(std::move(path),
                        [](const RunResult& run) { return render_junit_xml(run); });
}

}  // namespace drover
