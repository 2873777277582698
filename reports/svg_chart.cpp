#include "reports/svg_chart.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "reports/format.hpp"

namespace drover {
namespace {

constexpr double kWidth = 720, kHeight = 260;
constexpr double kLeft = 64, kRight = 16, kTop = 28, kBottom = 40;
// Percentile axis: 0 % .. 99.999 % are x 0..5; the max is drawn at 6.
constexpr double kPercentileMaxX = 6;

// A step of 1, 2 or 5 times a power of ten that cuts span into about n parts.
double nice_step(double span, int n) {
  if (span <= 0) return 1;
  double raw = span / n;
  double power = std::pow(10, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (raw <= m * power) return m * power;
  }
  return 10 * power;
}

std::string trim_number(double v) {
  std::string s = fmt::format("{:.6g}", v);
  return s == "-0" ? "0" : s;
}

double percentile_x(double p) {
  if (p >= 100) return kPercentileMaxX;
  return std::min(kPercentileMaxX - 0.5, std::log10(100 / (100 - p)));
}

}  // namespace

std::string render_line_chart(const ChartSpec& spec) {
  const double plot_w = kWidth - kLeft - kRight, plot_h = kHeight - kTop - kBottom;
  std::vector<ChartLine> lines = spec.lines;
  double x_min = 0, x_max = 1, y_max = 0;
  bool any = false;
  for (ChartLine& line : lines) {
    for (ChartPoint& p : line.points) {
      if (spec.percentile_x) p.x = percentile_x(p.x);
      if (!std::isfinite(p.x) || !std::isfinite(p.y)) continue;
      x_min = any ? std::min(x_min, p.x) : p.x;
      x_max = any ? std::max(x_max, p.x) : p.x;
      y_max = std::max(y_max, p.y);
      any = true;
    }
  }
  if (spec.percentile_x) x_min = 0, x_max = kPercentileMaxX;
  if (x_max <= x_min) x_max = x_min + 1;
  double y_step = nice_step(y_max > 0 ? y_max : 1, 5);
  double y_top = std::max(y_step, std::ceil(y_max / y_step) * y_step);
  auto sx = [&](double x) { return kLeft + (x - x_min) / (x_max - x_min) * plot_w; };
  auto sy = [&](double y) { return kTop + plot_h - y / y_top * plot_h; };
  auto format_y = spec.format_y ? spec.format_y : trim_number;

  std::string out = fmt::format(
      "<svg class=\"chart\" id=\"{}\" viewBox=\"0 0 {} {}\" "
      "role=\"img\" aria-label=\"{}\">\n",
      escape_html(spec.id), kWidth, kHeight, escape_html(spec.y_label));
  // Grid and y ticks.
  for (double y = 0; y <= y_top + y_step / 2; y += y_step) {
    out += fmt::format(
        "<line class=\"grid\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\"/>"
        "<text class=\"tick\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n",
        kLeft, sy(y), kLeft + plot_w, sy(y), kLeft - 6, sy(y) + 4, escape_html(format_y(y)));
  }
  // X ticks.
  std::vector<std::pair<double, std::string>> x_ticks;
  if (spec.percentile_x) {
    x_ticks = {{0, "0%"},
               {1, "90%"},
               {2, "99%"},
               {3, "99.9%"},
               {4, "99.99%"},
               {5, "99.999%"},
               {kPercentileMaxX, "max"}};
  } else {
    double step = std::max(1.0, nice_step(x_max - x_min, 8));  // whole seconds
    for (double x = std::ceil(x_min / step) * step; x <= x_max + step / 1000; x += step) {
      x_ticks.emplace_back(x, trim_number(x));
    }
  }
  for (const auto& [x, label] : x_ticks) {
    out += fmt::format(
        "<line class=\"grid\" x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\"/>"
        "<text class=\"tick\" x=\"{0:.1f}\" y=\"{3:.1f}\" text-anchor=\"middle\">{4}</text>\n",
        sx(x), kTop, kTop + plot_h, kTop + plot_h + 16, escape_html(label));
  }
  out += fmt::format(
      "<line class=\"axis\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/>"
      "<line class=\"axis\" x1=\"{0}\" y1=\"{2}\" x2=\"{3}\" y2=\"{2}\"/>\n",
      kLeft, kTop, kTop + plot_h, kLeft + plot_w);
  out += fmt::format(
      "<text class=\"label\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>"
      "<text class=\"label\" x=\"{}\" y=\"16\">{}</text>\n",
      kLeft + plot_w / 2, kHeight - 6, escape_html(spec.x_label), kLeft, escape_html(spec.y_label));

  for (const ChartBand& band : spec.bands) {
    double x0 = std::clamp(sx(std::min(band.x0, band.x1)), kLeft, kLeft + plot_w);
    double x1 = std::clamp(sx(std::max(band.x0, band.x1)), kLeft, kLeft + plot_w);
    out += fmt::format(
        "<rect class=\"band\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
        "fill=\"#cf222e\" fill-opacity=\"0.12\" stroke=\"#cf222e\" stroke-opacity=\"0.5\">"
        "<title>{}</title></rect>\n",
        x0, kTop, std::max(x1 - x0, 2.0), plot_h, escape_html(band.label));
  }
  if (!any) {
    out += fmt::format(
        "<text class=\"empty\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">"
        "no data</text>\n",
        kLeft + plot_w / 2, kTop + plot_h / 2);
  }
  double legend_x = kLeft + plot_w;
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    const ChartLine& line = *it;
    std::string points;
    for (const ChartPoint& p : line.points) {
      if (!std::isfinite(p.x) || !std::isfinite(p.y)) continue;
      points += fmt::format("{}{:.1f},{:.1f}", points.empty() ? "" : " ", sx(p.x), sy(p.y));
    }
    if (!points.empty()) {
      out += fmt::format(
          "<polyline class=\"line\" data-name=\"{}\" fill=\"none\" stroke=\"{}\" "
          "points=\"{}\"/>\n",
          escape_html(line.name), escape_html(line.color), points);
    }
    // Points with a tip, or a lone point (a polyline of one point draws nothing).
    for (const ChartPoint& p : line.points) {
      if (!std::isfinite(p.x) || !std::isfinite(p.y)) continue;
      if (p.tip.empty() && line.points.size() > 1) continue;
      out += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"{}\">", sx(p.x),
                         sy(p.y), escape_html(line.color));
      if (!p.tip.empty()) out += "<title>" + escape_html(p.tip) + "</title>";
      out += "</circle>\n";
    }
    // Legend, right-aligned along the top, last line rightmost.
    legend_x -= 7.0 * static_cast<double>(line.name.size()) + 24;
    out += fmt::format(
        "<rect x=\"{:.1f}\" y=\"9\" width=\"10\" height=\"10\" fill=\"{}\"/>"
        "<text class=\"legend\" x=\"{:.1f}\" y=\"18\">{}</text>\n",
        legend_x, escape_html(line.color), legend_x + 14, escape_html(line.name));
  }
  out += "</svg>\n";
  return out;
}

}  // namespace drover
