#include "harness/checks/anomaly_timeline.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <queue>
#include <tuple>

#include "harness/history/history_log.hpp"

namespace drover {
namespace {

// An event's key as AnomalyFocus defines it; nullopt when it has none.
std::optional<std::string> key_of(const Event& e, std::size_t field) {
  switch (e.value.kind) {
    case EventValue::Kind::kInt:
      return std::to_string(e.value.number);
    case EventValue::Kind::kText:
      return e.value.text;
    case EventValue::Kind::kInts:
      if (field < e.value.numbers.size()) return std::to_string(e.value.numbers[field]);
      return std::nullopt;
    case EventValue::Kind::kNull:
      break;
  }
  return std::nullopt;
}

// Whether e is about the focus's key, whatever its type.
bool related_to(const Event& e, const AnomalyFocus& c) {
  return c.key && e.f == c.f && key_of(e, c.key_field) == c.key;
}

TimelineEvent timeline_event(const Event& e) {
  return {static_cast<double>(e.time_ns) / 1e6, e.client, e.fleet, event_type_name(e.type), e.f,
          describe_event_value(e.value),        false,    false};
}

// The `limit` events nearest to a time on one side of it: a heap whose top
// is the farthest kept.
class Nearest {
 public:
  Nearest(std::uint64_t focus_ns, std::size_t limit) : focus_ns_(focus_ns), limit_(limit) {}
  void offer(const Event& e) {
    std::uint64_t d = distance(e.time_ns);
    if (heap_.size() == limit_ && d >= heap_.top().first) return;
    if (heap_.size() == limit_) heap_.pop();
    heap_.push({d, timeline_event(e)});
  }
  void drain_into(std::vector<TimelineEvent>& out) {
    for (; !heap_.empty(); heap_.pop()) out.push_back(heap_.top().second);
  }

 private:
  using Entry = std::pair<std::uint64_t, TimelineEvent>;
  struct Farther {
    bool operator()(const Entry& a, const Entry& b) const { return a.first < b.first; }
  };
  std::uint64_t distance(std::uint64_t t) const {
    return t > focus_ns_ ? t - focus_ns_ : focus_ns_ - t;
  }
  std::uint64_t focus_ns_;
  std::size_t limit_;
  std::priority_queue<Entry, std::vector<Entry>, Farther> heap_;
};

// Where the earliest candidate happened: which one, and when.
struct Placed {
  std::size_t candidate = 0;
  std::uint64_t at_ns = 0;
};

// First read: when each candidate happened (its nth matching event in time
// order; the file is in the order threads wrote, not time order). nullopt
// when no candidate is in the history.
Expected<std::optional<Placed>> place_earliest(const std::string& history_path,
                                               const CheckScope& scope,
                                               const std::vector<AnomalyFocus>& candidates) {
  std::vector<std::vector<std::uint64_t>> times(candidates.size());
  Expected<void> read = read_history(history_path, [&](const Event& e) {
    if (!scope.covers(e)) return;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      if (focus_matches(e, candidates[i])) times[i].push_back(e.time_ns);
    }
  });
  if (!read) return unexpected(read.take_error());
  std::optional<Placed> first;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    std::size_t nth = std::max<std::size_t>(candidates[i].nth, 1);
    if (times[i].size() < nth) continue;
    auto at = times[i].begin() + static_cast<std::ptrdiff_t>(nth - 1);
    std::nth_element(times[i].begin(), at, times[i].end());
    if (!first || *at < first->at_ns) first = Placed{i, *at};
  }
  return first;
}

// The events around a placed anomaly, offered one at a time: the anomaly
// itself, the nearest on each side, and those about the same key.
class Timeline {
 public:
  Timeline(const AnomalyFocus& focus, std::uint64_t focus_ns)
      : focus_(focus),
        focus_ns_(focus_ns),
        before_(focus_ns, kTimelineNeighbours),
        after_(focus_ns, kTimelineNeighbours),
        related_(focus_ns, kTimelineRelated) {}

  void offer(const Event& e) {
    if (!focus_event_ && e.time_ns == focus_ns_ && focus_matches(e, focus_)) {
      focus_event_ = timeline_event(e);
      focus_event_->focus = true;
      focus_event_->related = focus_.key.has_value();
    } else if (related_to(e, focus_)) {
      related_.offer(e);
    } else if (e.time_ns <= focus_ns_) {
      before_.offer(e);
    } else {
      after_.offer(e);
    }
  }

  // nullopt when the anomaly's own event was not offered.
  std::optional<Anomaly> anomaly() {
    if (!focus_event_) return std::nullopt;
    Anomaly anomaly;
    anomaly.about = focus_.about;
    anomaly.t_ms = static_cast<double>(focus_ns_) / 1e6;
    std::vector<TimelineEvent>& events = anomaly.events;
    events.push_back(*focus_event_);
    before_.drain_into(events);
    after_.drain_into(events);
    std::size_t first_related = events.size();
    related_.drain_into(events);
    for (std::size_t i = first_related; i < events.size(); ++i) events[i].related = true;
    std::stable_sort(events.begin(), events.end(),
                     [](const TimelineEvent& a, const TimelineEvent& b) {
                       return std::tie(a.t_ms, a.client) < std::tie(b.t_ms, b.client);
                     });
    return anomaly;
  }

 private:
  const AnomalyFocus& focus_;
  std::uint64_t focus_ns_;
  Nearest before_, after_, related_;
  std::optional<TimelineEvent> focus_event_;
};

}  // namespace

bool focus_matches(const Event& e, const AnomalyFocus& focus) {
  if (e.type != focus.type || e.f != focus.f) return false;
  return !focus.key || key_of(e, focus.key_field) == focus.key;
}

std::string describe_event_value(const EventValue& v) {
  switch (v.kind) {
    case EventValue::Kind::kInt:
      return std::to_string(v.number);
    case EventValue::Kind::kText:
      return v.text;
    case EventValue::Kind::kInts:
      return fmt::format("[{}]", fmt::join(v.numbers, ", "));
    case EventValue::Kind::kNull:
      break;
  }
  return "";
}

Expected<std::optional<Anomaly>> find_first_anomaly(const std::string& history_path,
                                                    const CheckScope& scope,
                                                    const std::vector<AnomalyFocus>& candidates) {
  if (candidates.empty()) return std::optional<Anomaly>();
  Expected<std::optional<Placed>> placed = place_earliest(history_path, scope, candidates);
  if (!placed) return unexpected(placed.take_error());
  if (!*placed) return std::optional<Anomaly>();
  // Second read: the events around it.
  Timeline timeline(candidates[(*placed)->candidate], (*placed)->at_ns);
  Expected<void> read = read_history(history_path, [&](const Event& e) {
    if (scope.covers(e)) timeline.offer(e);
  });
  if (!read) return unexpected(read.take_error());
  return timeline.anomaly();
}

}  // namespace drover
