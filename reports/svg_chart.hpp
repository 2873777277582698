// Line charts as inline SVG, for report.html: no script, no fetch, so the
// report opens anywhere (a CI artifact, a mail attachment) as it was made.
// Pure functions, thread-safe.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace drover {

struct ChartPoint {
  double x = 0, y = 0;
  std::string tip;  // shown on hover (an SVG <title>); empty: none
};

struct ChartLine {
  std::string name;   // in the legend
  std::string color;  // a CSS colour
  std::vector<ChartPoint> points;
};

// A span of x marked across the plot (a fault, for the time charts).
struct ChartBand {
  double x0 = 0, x1 = 0;  // x1 == x0: a thin line
  std::string label;      // shown on hover
};

struct ChartSpec {
  std::string id;  // the <svg> element's id, stable for tests and styles
  std::string x_label, y_label;
  std::vector<ChartLine> lines;
  std::function<std::string(double)> format_y;  // tick labels; default: the number
  // The x axis as HdrHistogram plots percentiles: x is log10(1 / (1 - p/100))
  // for p in 0..100, so 90, 99, 99.9 % are equally spaced; 100 % (the max)
  // is drawn at the right end. Otherwise x ticks are whole numbers (seconds).
  bool percentile_x = false;
  std::vector<ChartBand> bands;  // drawn behind the lines, clipped to the plot
};

// <svg class="chart" id="ID" ...>: axes, ticks, a grid, one polyline per
// line (class "line"), and a legend. With no points, the axes and "no data".
std::string render_line_chart(const ChartSpec& spec);

}  // namespace drover
