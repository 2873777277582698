#include "harness/compare/compare_report.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "reports/format.hpp"

namespace drover {

std::string format_figure(Metric m, double value) {
  if (m == Metric::kThroughput) return format_count(value) + "/s";
  if (m == Metric::kErrorRate) return fmt::format("{:.2f}%", value * 100);
  return format_ms(value);
}

namespace {

std::string signed_change(Metric m, double v) {
  if (std::isinf(v)) return v > 0 ? "+inf" : "-inf";
  if (change_in_points(m)) return fmt::format("{:+.2f}pp", v);
  return fmt::format("{:+.1f}%", v * 100);
}

std::string limit_text(const MetricComparison& m) {
  if (!m.limit) return "";
  return change_in_points(m.metric) ? fmt::format("{:.2f}pp", *m.limit)
                                    : fmt::format("{:g}%", *m.limit * 100);
}

const char* verdict_of(const MetricComparison& m) {
  if (m.regression) return "REGRESSION";
  if (!m.limit) return "";
  return m.judged ? "ok" : "not judged";
}

std::string sources(const CompareInputs& in) {
  return fmt::format("base {} ({} run{}), new {} ({} run{})", in.base.source, in.base.runs.size(),
                     in.base.runs.size() == 1 ? "" : "s", in.now.source, in.now.runs.size(),
                     in.now.runs.size() == 1 ? "" : "s");
}

}  // namespace

std::string format_change(const MetricComparison& m) {
  return fmt::format("{} [{}, {}]", signed_change(m.metric, m.change),
                     signed_change(m.metric, m.ci_low), signed_change(m.metric, m.ci_high));
}

std::string compare_console(const CompareInputs& in) {
  std::string out = fmt::format("{}: {}\n", in.base.runs.front().scenario, sources(in));
  out += fmt::format("{:<24} {:<11} {:>10} {:>10}  {:<34} {:>7}  {}\n", "fleet/op", "metric",
                     "base", "new", "change [95% CI]", "max", "verdict");
  int regressions = 0;
  for (const OpComparison& op : in.result.ops) {
    for (const MetricComparison& m : op.metrics) {
      out += fmt::format("{:<24} {:<11} {:>10} {:>10}  {:<34} {:>7}  {}\n", op.fleet + "/" + op.op,
                         metric_name(m.metric), format_figure(m.metric, m.base),
                         format_figure(m.metric, m.now), format_change(m), limit_text(m),
                         verdict_of(m));
      regressions += m.regression ? 1 : 0;
    }
  }
  for (const OpComparison& op : in.result.ops) {
    if (op.units < kMinUnits)
      out += fmt::format(
          "{}/{}: not judged: a side has {} unit{} to resample (its runs, or one run's blocks of "
          "seconds), and an interval needs {}: run longer, or --repeat {}\n",
          op.fleet, op.op, op.units, op.units == 1 ? "" : "s", kMinUnits, kMinUnits);
  }
  out += regressions ? fmt::format("REGRESSION: {} metric{} worse beyond the allowed change\n",
                                   regressions, regressions == 1 ? "" : "s")
                     : std::string("no regression\n");
  return out;
}

std::string compare_json(const CompareInputs& in) {
  using nlohmann::json;
  json ops = json::array();
  for (const OpComparison& op : in.result.ops) {
    json metrics = json::array();
    for (const MetricComparison& m : op.metrics) {
      json limit = m.limit ? json(*m.limit) : json(nullptr);
      auto number = [](double v) { return std::isfinite(v) ? json(v) : json(nullptr); };
      metrics.push_back({{"metric", metric_name(m.metric)},
                         {"base", m.base},
                         {"new", m.now},
                         {"change", number(m.change)},
                         {"change_unit", change_in_points(m.metric) ? "pp" : "ratio"},
                         {"ci95", {number(m.ci_low), number(m.ci_high)}},
                         {"max_regression", limit},
                         {"judged", m.judged},
                         {"significant", m.significant},
                         {"regression", m.regression}});
    }
    ops.push_back(
        {{"fleet", op.fleet}, {"op", op.op}, {"units", op.units}, {"metrics", std::move(metrics)}});
  }
  json out = {{"scenario", in.base.runs.front().scenario},
              {"base", {{"source", in.base.source}, {"runs", in.base.runs.size()}}},
              {"new", {{"source", in.now.source}, {"runs", in.now.runs.size()}}},
              {"seed", in.options.seed},
              {"resamples", in.options.resamples},
              {"regression", in.result.regression()},
              {"ops", std::move(ops)}};
  return out.dump(2) + "\n";
}

std::string compare_junit(const CompareInputs& in) {
  std::string cases;
  int tests = 0, failures = 0, skipped = 0;
  for (const OpComparison& op : in.result.ops) {
    for (const MetricComparison& m : op.metrics) {
      if (!m.limit) continue;
      ++tests;
      std::string name = fmt::format("{}/{} {}", op.fleet, op.op, metric_name(m.metric));
      cases += "    <testcase classname=\"drover.compare\" name=\"";
      append_markup(cases, name, true);
      cases += "\"";
      if (!m.judged) {
        ++skipped;
        cases += ">\n      <skipped message=\"too few units for an interval\"/>\n    </testcase>\n";
        continue;
      }
      if (!m.regression) {
        cases += "/>\n";
        continue;
      }
      ++failures;
      std::string message =
          fmt::format("{}: base {}, new {}, change {} (95% CI), more than the allowed {}", name,
                      format_figure(m.metric, m.base), format_figure(m.metric, m.now),
                      format_change(m), limit_text(m));
      cases += ">\n      <failure message=\"";
      append_markup(cases, message, true);
      cases += "\" type=\"regression\">";
      append_markup(cases, message, false);
      cases += "</failure>\n    </testcase>\n";
    }
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites tests=\"{0}\" failures=\"{1}\">\n  <testsuite name=\"", tests,
                     failures);
  append_markup(out, "compare " + in.base.runs.front().scenario, true);
  out += fmt::format("\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\">\n", tests,
                     failures, skipped);
  return out + cases + "  </testsuite>\n</testsuites>\n";
}

Expected<void> write_compare_outputs(const std::string& dir, const CompareInputs& in) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return unexpected(fmt::format("{}: cannot be created: {}", dir, ec.message()));
  const std::pair<const char*, std::string> files[] = {{"compare.json", compare_json(in)},
                                                       {"junit.xml", compare_junit(in)},
                                                       {"compare.html", compare_html(in)}};
  for (const auto& [name, text] : files) {
    fs::path path = fs::path(dir) / name;
    std::ofstream out(path.string() + ".tmp");
    out << text;
    out.close();
    if (!out) return unexpected(fmt::format("{}: cannot be written", path.string()));
    fs::rename(path.string() + ".tmp", path, ec);
    if (ec)
      return unexpected(fmt::format("{}: cannot be written: {}", path.string(), ec.message()));
  }
  return {};
}

}  // namespace drover
