// compare.html: the comparison table, and per fleet/op both runs' latency
// by percentile overlaid (HdrHistogram's percentile spectrum), in one
// self-contained page as report.html is.
#include <cmath>

#include <fmt/format.h>

#include "harness/compare/compare_report.hpp"
#include "reports/format.hpp"
#include "reports/svg_chart.hpp"

namespace drover {
namespace {

constexpr const char* kStyle = R"(
body{font:14px/1.4 system-ui,sans-serif;margin:24px auto;max-width:1100px;padding:0 16px;color:#222}
h1{font-size:22px;margin:0 0 8px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:6px 0}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:right}
th{background:#f6f8fa}td:first-child,th:first-child{text-align:left}
.ok{color:#1a7f37;font-weight:600}.bad{color:#cf222e;font-weight:600}
svg.chart{width:100%;height:auto;border:1px solid #eee;border-radius:4px;background:#fff}
svg .grid{stroke:#eee}svg .axis{stroke:#888}svg .line{stroke-width:1.8}
svg text{font-size:11px;fill:#555}svg .label{font-size:12px;fill:#222}svg .empty{font-size:16px;fill:#999}
)";

std::string runs_text(const Sample& side) {
  return fmt::format("{} run{}", side.runs.size(), side.runs.size() == 1 ? "" : "s");
}

LatencyHistogram merged(const Sample& side, std::size_t op) {
  LatencyHistogram h;
  for (const RunSample& run : side.runs) {
    for (const SampleSecond& s : run.ops[op].seconds) h.add_buckets(s.buckets);
  }
  return h;
}

// The percentile spectrum: 0 to 99.999 % evenly on the log axis, then max.
ChartLine spectrum(const std::string& name, const std::string& color, const LatencyHistogram& h) {
  ChartLine line{name, color, {}};
  if (h.count() == 0) return line;
  for (double x = 0; x <= 5.0001; x += 0.05) {
    double p = 100.0 * (1.0 - std::pow(10.0, -x));
    double ms = static_cast<double>(h.percentile(p)) / 1e6;
    line.points.push_back({p, ms, fmt::format("{}: p{:.4g} {}", name, p, format_ms(ms))});
  }
  double max_ms = static_cast<double>(h.max()) / 1e6;
  line.points.push_back({100, max_ms, fmt::format("{}: max {}", name, format_ms(max_ms))});
  return line;
}

std::string table(const CompareInputs& in) {
  std::string out =
      "<table><tr><th>fleet/op</th><th>metric</th><th>base</th><th>new</th>"
      "<th>change [95% CI]</th><th>max</th><th>verdict</th></tr>\n";
  for (const OpComparison& op : in.result.ops) {
    for (const MetricComparison& m : op.metrics) {
      std::string verdict = m.regression ? "<span class=\"bad\">REGRESSION</span>"
                            : m.limit    ? "<span class=\"ok\">ok</span>"
                                         : "";
      std::string limit = !m.limit                     ? ""
                          : change_in_points(m.metric) ? fmt::format("{:.2f}pp", *m.limit)
                                                       : fmt::format("{:g}%", *m.limit * 100);
      out += fmt::format(
          "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></"
          "tr>\n",
          escape_html(op.fleet + "/" + op.op), metric_name(m.metric),
          format_figure(m.metric, m.base), format_figure(m.metric, m.now),
          escape_html(format_change(m)), limit, verdict);
    }
  }
  return out + "</table>\n";
}

}  // namespace

std::string compare_html(const CompareInputs& in) {
  const std::string& scenario = in.base.runs.front().scenario;
  std::string out = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<title>drover compare: {0}</title><style>{1}</style></head><body>\n"
      "<h1>{0}: {2}</h1>\n<p>base <b>{3}</b> ({4}), new <b>{5}</b> ({6}); 95% "
      "intervals from a block bootstrap of {7} resamples, seed {8}</p>\n",
      escape_html(scenario), kStyle, in.result.regression() ? "REGRESSION" : "no regression",
      escape_html(in.base.source), runs_text(in.base), escape_html(in.now.source),
      runs_text(in.now), in.options.resamples, in.options.seed);
  out += table(in);
  for (std::size_t i = 0; i < in.result.ops.size(); ++i) {
    const OpComparison& op = in.result.ops[i];
    std::string key = op.fleet + "/" + op.op;
    ChartSpec spec;
    spec.id = fmt::format("spectrum-{}", i);
    spec.x_label = "percentile";
    spec.y_label = "latency";
    spec.percentile_x = true;
    spec.format_y = [](double ms) { return format_ms(ms); };
    spec.lines.push_back(spectrum("base", "#0969da", merged(in.base, i)));
    spec.lines.push_back(spectrum("new", "#cf222e", merged(in.now, i)));
    out += fmt::format("<h2>{}: latency by percentile</h2>\n", escape_html(key));
    out += render_line_chart(spec);
  }
  return out + "</body></html>\n";
}

}  // namespace drover
