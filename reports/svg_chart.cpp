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

bool finite(const ChartPoint& p) {
  return std::isfinite(p.x) && std::isfinite(p.y);
}

// One chart as it is drawn: the scales fitted to its points, then each part
// in the order the SVG stacks them, back to front.
class LineChart {
 public:
  explicit LineChart(const ChartSpec& spec)
      : spec_(spec), lines_(spec.lines), format_y_(spec.format_y ? spec.format_y : trim_number) {
    fit();
  }

  std::string render() {
    out_ = fmt::format(
        "<svg class=\"chart\" id=\"{}\" viewBox=\"0 0 {} {}\" "
        "role=\"img\" aria-label=\"{}\">\n",
        escape_html(spec_.id), kWidth, kHeight, escape_html(spec_.y_label));
    grid();
    x_ticks();
    axes();
    bands();
    if (!any_) {
      out_ += fmt::format(
          "<text class=\"empty\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">"
          "no data</text>\n",
          kLeft + kPlotW / 2, kTop + kPlotH / 2);
    }
    for (auto it = lines_.rbegin(); it != lines_.rend(); ++it) line(*it);
    out_ += "</svg>\n";
    return out_;
  }

 private:
  static constexpr double kPlotW = kWidth - kLeft - kRight, kPlotH = kHeight - kTop - kBottom;

  // The x range of the finite points (the percentile axis's own), and a
  // y axis from 0 to a round number above the highest point.
  void fit() {
    double y_max = 0;
    for (ChartLine& line : lines_) {
      for (ChartPoint& p : line.points) {
        if (spec_.percentile_x) p.x = percentile_x(p.x);
        if (!finite(p)) continue;
        x_min_ = any_ ? std::min(x_min_, p.x) : p.x;
        x_max_ = any_ ? std::max(x_max_, p.x) : p.x;
        y_max = std::max(y_max, p.y);
        any_ = true;
      }
    }
    if (spec_.percentile_x) x_min_ = 0, x_max_ = kPercentileMaxX;
    if (x_max_ <= x_min_) x_max_ = x_min_ + 1;
    y_step_ = nice_step(y_max > 0 ? y_max : 1, 5);
    y_top_ = std::max(y_step_, std::ceil(y_max / y_step_) * y_step_);
  }

  double sx(double x) const { return kLeft + (x - x_min_) / (x_max_ - x_min_) * kPlotW; }
  double sy(double y) const { return kTop + kPlotH - y / y_top_ * kPlotH; }

  // Horizontal grid lines, each with its y tick.
  void grid() {
    for (double y = 0; y <= y_top_ + y_step_ / 2; y += y_step_) {
      out_ += fmt::format(
          "<line class=\"grid\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\"/>"
          "<text class=\"tick\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n",
          kLeft, sy(y), kLeft + kPlotW, sy(y), kLeft - 6, sy(y) + 4, escape_html(format_y_(y)));
    }
  }

  std::vector<std::pair<double, std::string>> x_tick_labels() const {
    if (spec_.percentile_x) {
      return {{0, "0%"},
              {1, "90%"},
              {2, "99%"},
              {3, "99.9%"},
              {4, "99.99%"},
              {5, "99.999%"},
              {kPercentileMaxX, "max"}};
    }
    std::vector<std::pair<double, std::string>> ticks;
    double step = std::max(1.0, nice_step(x_max_ - x_min_, 8));  // whole seconds
    for (double x = std::ceil(x_min_ / step) * step; x <= x_max_ + step / 1000; x += step) {
      ticks.emplace_back(x, trim_number(x));
    }
    return ticks;
  }

  // Vertical grid lines, each with its x tick.
  void x_ticks() {
    for (const auto& [x, label] : x_tick_labels()) {
      out_ += fmt::format(
          "<line class=\"grid\" x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\"/>"
          "<text class=\"tick\" x=\"{0:.1f}\" y=\"{3:.1f}\" text-anchor=\"middle\">{4}</text>\n",
          sx(x), kTop, kTop + kPlotH, kTop + kPlotH + 16, escape_html(label));
    }
  }

  void axes() {
    out_ += fmt::format(
        "<line class=\"axis\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/>"
        "<line class=\"axis\" x1=\"{0}\" y1=\"{2}\" x2=\"{3}\" y2=\"{2}\"/>\n",
        kLeft, kTop, kTop + kPlotH, kLeft + kPlotW);
    out_ += fmt::format(
        "<text class=\"label\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>"
        "<text class=\"label\" x=\"{}\" y=\"16\">{}</text>\n",
        kLeft + kPlotW / 2, kHeight - 6, escape_html(spec_.x_label), kLeft,
        escape_html(spec_.y_label));
  }

  // Behind the lines, clipped to the plot.
  void bands() {
    for (const ChartBand& band : spec_.bands) {
      double x0 = std::clamp(sx(std::min(band.x0, band.x1)), kLeft, kLeft + kPlotW);
      double x1 = std::clamp(sx(std::max(band.x0, band.x1)), kLeft, kLeft + kPlotW);
      out_ += fmt::format(
          "<rect class=\"band\" x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
          "fill=\"#cf222e\" fill-opacity=\"0.12\" stroke=\"#cf222e\" stroke-opacity=\"0.5\">"
          "<title>{}</title></rect>\n",
          x0, kTop, std::max(x1 - x0, 2.0), kPlotH, escape_html(band.label));
    }
  }

  // The polyline, its points that have a tip, and its legend entry.
  void line(const ChartLine& line) {
    std::string points;
    for (const ChartPoint& p : line.points) {
      if (!finite(p)) continue;
      points += fmt::format("{}{:.1f},{:.1f}", points.empty() ? "" : " ", sx(p.x), sy(p.y));
    }
    if (!points.empty()) {
      out_ += fmt::format(
          "<polyline class=\"line\" data-name=\"{}\" fill=\"none\" stroke=\"{}\" "
          "points=\"{}\"/>\n",
          escape_html(line.name), escape_html(line.color), points);
    }
    // Points with a tip, or a lone point (a polyline of one point draws nothing).
    for (const ChartPoint& p : line.points) {
      if (!finite(p)) continue;
      if (p.tip.empty() && line.points.size() > 1) continue;
      out_ += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"{}\">", sx(p.x),
                          sy(p.y), escape_html(line.color));
      if (!p.tip.empty()) out_ += "<title>" + escape_html(p.tip) + "</title>";
      out_ += "</circle>\n";
    }
    // Legend, right-aligned along the top, last line rightmost.
    legend_x_ -= 7.0 * static_cast<double>(line.name.size()) + 24;
    out_ += fmt::format(
        "<rect x=\"{:.1f}\" y=\"9\" width=\"10\" height=\"10\" fill=\"{}\"/>"
        "<text class=\"legend\" x=\"{:.1f}\" y=\"18\">{}</text>\n",
        legend_x_, escape_html(line.color), legend_x_ + 14, escape_html(line.name));
  }

  const ChartSpec& spec_;
  std::vector<ChartLine> lines_;  // x on the percentile axis already mapped
  std::function<std::string(double)> format_y_;
  double x_min_ = 0, x_max_ = 1, y_step_ = 1, y_top_ = 1;
  bool any_ = false;  // a finite point to draw
  double legend_x_ = kLeft + kPlotW;
  std::string out_;
};

}  // namespace

std::string render_line_chart(const ChartSpec& spec) {
  return LineChart(spec).render();
}

}  // namespace drover
