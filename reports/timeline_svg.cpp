#include "reports/timeline_svg.hpp"

#include <algorithm>
#include <map>
#include <optional>

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

// The timeline as it is drawn: lanes and columns laid out from the events,
// then each part in the order the SVG stacks them, back to front.
class AnomalyTimeline {
 public:
  AnomalyTimeline(const Anomaly& anomaly, const std::string& id)
      : anomaly_(anomaly), events_(anomaly.events), id_(id), joined_(events_.size(), false) {
    lay_out();
  }

  std::string render() {
    out_ = fmt::format(
        "<svg class=\"timeline\" id=\"{}\" viewBox=\"0 0 {:.0f} {:.0f}\" "
        "role=\"img\" aria-label=\"{}\">\n",
        escape_html(id_), width_, height_, escape_html(anomaly_.about));
    lanes();
    focus_line();
    completed_operations();
    for (std::size_t i = 0; i < events_.size(); ++i) event(i);
    axis();
    out_ +=
        "<text class=\"label\" x=\"8\" y=\"16\">invoke to ok (green), fail (orange), unknown "
        "(grey); red ring: where it broke; purple: the same key</text>\n";
    out_ += "</svg>\n";
    return out_;
  }

 private:
  // Lanes in the order clients first appear; a column per event.
  void lay_out() {
    for (const TimelineEvent& e : events_) {
      if (lane_of_.emplace(e.client, lane_first_.size()).second) lane_first_.push_back(&e);
    }
    columns_ = std::max<std::size_t>(events_.size(), 1);
    width_ = std::max(kWidthMin, kLeft + kRight + kColumnMin * static_cast<double>(columns_));
    plot_w_ = width_ - kLeft - kRight;
    height_ =
        kTop + kLane * static_cast<double>(std::max<std::size_t>(lane_first_.size(), 1)) + kBottom;
  }

  double x(std::size_t column) const {
    return kLeft + (static_cast<double>(column) + 0.5) * plot_w_ / static_cast<double>(columns_);
  }
  double y(std::size_t lane) const { return kTop + (static_cast<double>(lane) + 0.5) * kLane; }
  std::size_t lane(const TimelineEvent& e) const { return lane_of_.at(e.client); }

  // A grid line per client, named on the left.
  void lanes() {
    for (std::size_t lane = 0; lane < lane_first_.size(); ++lane) {
      const TimelineEvent& e = *lane_first_[lane];
      out_ += fmt::format(
          "<line class=\"grid\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\"/>"
          "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">client {} ({})</text>\n",
          kLeft, y(lane), width_ - kRight, y(lane), kLeft - 8, y(lane) + 4, e.client,
          escape_html(e.fleet));
    }
  }

  // The anomaly's column: a red line across every lane.
  void focus_line() {
    for (std::size_t i = 0; i < events_.size(); ++i) {
      if (!events_[i].focus) continue;
      out_ += fmt::format(
          "<line class=\"focus\" x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" "
          "stroke=\"#cf222e\" stroke-dasharray=\"4 3\"/>\n",
          x(i), kTop - 6, height_ - kBottom + 4);
    }
  }

  // The invoke a completion ends: its client's latest event, when that is
  // an invoke of the same operation not yet joined to another.
  std::optional<std::size_t> invoke_of(std::size_t completion) const {
    const TimelineEvent& e = events_[completion];
    for (std::size_t j = completion; j-- > 0;) {
      if (events_[j].client != e.client) continue;
      if (events_[j].type == "invoke" && events_[j].f == e.f && !joined_[j]) return j;
      return std::nullopt;
    }
    return std::nullopt;
  }

  // Operations: an invoke joined to its client's next completion of the
  // same operation; a completion without its invoke starts at the left edge.
  void completed_operations() {
    for (std::size_t i = 0; i < events_.size(); ++i) {
      const TimelineEvent& e = events_[i];
      if (e.type == "invoke") continue;
      std::optional<std::size_t> from = invoke_of(i);
      double x0 = from ? x(*from) : kLeft;
      if (from) joined_[*from] = true;
      // Begun before the window: dashed, like one still under way after it.
      out_ += fmt::format(
          "<line class=\"op\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" "
          "stroke=\"{}\" stroke-width=\"5\" opacity=\"{}\"{}/>\n",
          x0, y(lane(e)), x(i), y(lane(e)), outcome_color(e.type), from ? "0.55" : "0.4",
          from ? "" : " stroke-dasharray=\"3 3\"");
    }
  }

  // An event's dot, with the rest of its operation when it is still under
  // way at the window's end, and a label when it is about the broken key.
  void event(std::size_t i) {
    const TimelineEvent& e = events_[i];
    std::size_t at = lane(e);
    if (e.type == "invoke" && !joined_[i]) {
      out_ += fmt::format(
          "<line class=\"op\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" "
          "stroke=\"{}\" stroke-width=\"5\" stroke-dasharray=\"3 3\" opacity=\"0.4\"/>\n",
          x(i), y(at), width_ - kRight, y(at), outcome_color(e.type));
    }
    const char* stroke = e.focus ? "#cf222e" : e.related ? "#8250df" : "#fff";
    out_ += fmt::format(
        "<circle class=\"event {}{}\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{}\" fill=\"{}\" "
        "stroke=\"{}\" stroke-width=\"{}\"><title>{}</title></circle>\n",
        escape_html(e.type),
        e.focus     ? " focus"
        : e.related ? " related"
                    : "",
        x(i), y(at), e.focus ? 7 : 4.5, outcome_color(e.type), stroke,
        e.focus || e.related ? 2.5 : 1, escape_html(tip(e, anomaly_.t_ms)));
    if (e.focus || e.related) {
      std::string label = e.f + (e.value.empty() ? "" : " " + e.value);
      if (label.size() > 24) label = label.substr(0, 23) + "…";
      out_ += fmt::format(
          "<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\" fill=\"{}\">{}</text>\n", x(i),
          y(at) - 9, e.focus ? "#cf222e" : "#8250df", escape_html(label));
    }
  }

  // A few columns' times relative to the anomaly, always its own.
  void axis() {
    double axis_y = height_ - kBottom + 4;
    out_ += fmt::format(
        "<line class=\"axis\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\"/>\n", kLeft,
        axis_y, width_ - kRight, axis_y);
    std::size_t every = std::max<std::size_t>(1, columns_ / 8);
    for (std::size_t i = 0; i < events_.size(); ++i) {
      if (i % every != 0 && !events_[i].focus) continue;
      out_ += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\"{}>{}</text>\n",
                          x(i), axis_y + 16, events_[i].focus ? " fill=\"#cf222e\"" : "",
                          escape_html(format_offset_ms(events_[i].t_ms - anomaly_.t_ms)));
    }
    out_ += fmt::format(
        "<text class=\"label\" x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">events in time "
        "order (time relative to the anomaly)</text>\n",
        kLeft + plot_w_ / 2, height_ - 6);
  }

  const Anomaly& anomaly_;
  const std::vector<TimelineEvent>& events_;
  const std::string& id_;
  std::map<std::uint32_t, std::size_t> lane_of_;
  std::vector<const TimelineEvent*> lane_first_;  // each lane's first event
  std::vector<bool> joined_;                      // an invoke drawn with its completion
  std::size_t columns_ = 1;
  double width_ = 0, plot_w_ = 0, height_ = 0;
  std::string out_;
};

}  // namespace

std::string render_anomaly_timeline(const Anomaly& anomaly, const std::string& id) {
  return AnomalyTimeline(anomaly, id).render();
}

}  // namespace drover
