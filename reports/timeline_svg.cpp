#include "reports/timeline_svg.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "reports/format.hpp"

namespace drover {
namespace {

constexpr double kLeft = 170, kRight = 20, kTop = 34, kLane = 24, kBottom = 46;
constexpr double kColumnMin = 22, kWidthMin = 720;

const char* outcome_color(const std::string& type) {
  if (type == "ok") return "#1a7f37";
  if (type == "fail") return "#bc4c00";
  if (type == "info") return "#6e7781";
  return "#0969da";  // an invoke whose completion lies outside the window
}

std::string tip(const TimelineEvent& e, double focus_ms) {
  return fmt::format("{} client {} ({}): {} {}{}{}", format_offset_ms(e.t_ms - focus_ms), e.client,
                     e.fleet, e.f, e.type, e.value.empty() ? "" : " ", e.value);
}

}  // namespace

std::string render_anomaly_timeline(const Anomaly& anomaly, const std::string& id) {
  const std::vector<TimelineEvent>& events = anomaly.events;
  // Lanes in the order clients first appear.
  std::map<std::uint32_t, std::size_t> lane_of;
  std::vector<const TimelineEvent*> lane_first;
  for (const TimelineEvent& e : events) {
    if (lane_of.emplace(e.client, lane_first.size()).second) lane_first.push_back(&e);
  }
  std::size_t columns = std::max<std::size_t>(events.size(), 1);
  double width = std::max(kWidthMin, kLeft + kRight + kColumnMin * static_cast<double>(columns));
  double plot_w = width - kLeft - kRight;
  double height =
      kTop + kLane * static_cast<double>(std::max<std::size_t>(lane_first.size(), 1)) + kBottom;
  auto x = [&](std::size_t column) {
    return kLeft + (static_cast<double>(column) + 0.5) * plot_w / static_cast<double>(columns);
  };
  auto y = [&](std::size_t lane) { return kTop + (static_cast<double>(lane) + 0.5) * kLane; };

  std::string out = fmt::format(
      "<svg class=\"timeline\" id=\"{}\" viewBox=\"0 0 {:.0f} {:.0f}\" "
      "role=\"img\" aria-label=\"{}\">\n",
      escape_html(id), width, height, escape_html(anomaly.about));
  for (std::size_t lane = 0; lane < lane_first.size(); ++lane) {
    const TimelineEvent& e = *lane_first[lane];
    out += fmt::format(
        "<line class=\"grid\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\"/>"
        "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">client {} ({})</text>\n",
        kLeft, y(lane), width - kRight, y(lane), kLeft - 8, y(lane) + 4, e.client,
        escape_html(e.fleet));
  }
  // The anomaly's column: a red line across every lane.
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (!events[i].focus) continue;
    out += fmt::format(
        "<line class=\"focus\" x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" "
        "stroke=\"#cf222e\" stroke-dasharray=\"4 3\"/>\n",
        x(i), kTop - 6, height - kBottom + 4);
  }
  // Operations: an invoke joined to its client's next completion of the
  // same operation; a completion without its invoke starts at the left edge.
  std::vector<bool> joined(events.size(), false);
  for (std::size_t i = 0; i < events.size(); ++i) {
    const TimelineEvent& e = events[i];
    if (e.type == "invoke") continue;
    std::optional<std::size_t> from;
    for (std::size_t j = i; j-- > 0;) {
      if (events[j].client != e.client) continue;
      if (events[j].type == "invoke" && events[j].f == e.f && !joined[j]) from = j;
      break;
    }
    double x0 = from ? x(*from) : kLeft;
    if (from) joined[*from] = true;
    std::size_t lane = lane_of[e.client];
    // Begun before the window: dashed, like one still under way after it.
    out += fmt::format(
        "<line class=\"op\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\" "
        "stroke-width=\"5\" opacity=\"{}\"{}/>\n",
        x0, y(lane), x(i), y(lane), outcome_color(e.type), from ? "0.55" : "0.4",
        from ? "" : " stroke-dasharray=\"3 3\"");
  }
  for (std::size_t i = 0; i < events.size(); ++i) {
    const TimelineEvent& e = events[i];
    std::size_t lane = lane_of[e.client];
    if (e.type == "invoke" && !joined[i]) {  // still under way at the window's end
      out += fmt::format(
          "<line class=\"op\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" "
          "stroke=\"{}\" stroke-width=\"5\" stroke-dasharray=\"3 3\" opacity=\"0.4\"/>\n",
          x(i), y(lane), width - kRight, y(lane), outcome_color(e.type));
    }
    const char* stroke = e.focus ? "#cf222e" : e.related ? "#8250df" : "#fff";
    out += fmt::format(
        "<circle class=\"event {}{}\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{}\" fill=\"{}\" "
        "stroke=\"{}\" stroke-width=\"{}\"><title>{}</title></circle>\n",
        escape_html(e.type),
        e.focus     ? " focus"
        : e.related ? " related"
                    : "",
        x(i), y(lane), e.focus ? 7 : 4.5, outcome_color(e.type), stroke,
        e.focus || e.related ? 2.5 : 1, escape_html(tip(e, anomaly.t_ms)));
    if (e.focus || e.related) {
      std::string label = e.f + (e.value.empty() ? "" : " " + e.value);
      if (label.size() > 24) label = label.substr(0, 23) + "…";
      out += fmt::format(
          "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" fill=\"{}\">{}</text>\n", x(i),
          y(lane) - 9, e.focus ? "#cf222e" : "#8250df", escape_html(label));
    }
  }
  // Axis: a few columns' times relative to the anomaly, always its own.
  double axis_y = height - kBottom + 4;
  out += fmt::format(
      "<line class=\"axis\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\"/>\n", kLeft,
      axis_y, width - kRight, axis_y);
  std::size_t every = std::max<std::size_t>(1, columns / 8);
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (i % every != 0 && !events[i].focus) continue;
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\"{}>{}</text>\n", x(i),
                       axis_y + 16, events[i].focus ? " fill=\"#cf222e\"" : "",
                       escape_html(format_offset_ms(events[i].t_ms - anomaly.t_ms)));
  }
  out += fmt::format(
      "<text class=\"label\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">events in time order "
      "(time relative to the anomaly)</text>\n",
      kLeft + plot_w / 2, height - 6);
  out +=
      "<text class=\"label\" x=\"8\" y=\"16\">invoke to ok (green), fail (orange), unknown "
      "(grey); red ring: where it broke; purple: the same key</text>\n";
  out += "</svg>\n";
  return out;
}

}  // namespace drover
