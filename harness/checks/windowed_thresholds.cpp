#include "harness/checks/windowed_thresholds.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "harness/checks/thresholds.hpp"
#include "harness/measure/hdr_log.hpp"
#include "harness/measure/latency_summary.hpp"

namespace drover {

namespace {

// Whether a is a worse value than b for a threshold compared this way.
bool worse(double a, double b, Comparison c) {
  return c == Comparison::kLess || c == Comparison::kLessEqual ? a > b : a < b;
}

}  // namespace

WindowedThresholds::WindowedThresholds(
    const std::vector<ThresholdSpec>& specs,
    const std::function<std::vector<std::size_t>(const ThresholdSpec&)>& slots_of) {
  for (std::size_t i = 0; i < specs.size(); ++i) {
    if (specs[i].window <= Duration::zero()) continue;
    auto seconds = static_cast<std::size_t>(
        std::chrono::duration_cast<std::chrono::seconds>(specs[i].window).count());
    Tracker t;
    t.index = i;
    t.spec = &specs[i];
    t.slots = slots_of(specs[i]);
    t.seconds = std::max<std::size_t>(seconds, 1);
    trackers_.push_back(std::move(t));
  }
}

void WindowedThresholds::add_second(std::size_t second,
                                    const std::vector<LatencyHistogram>& slots) {
  for (Tracker& t : trackers_) {
    if (t.window.empty()) t.window_start = second;
    std::vector<LatencyHistogram::Bucket> buckets;
    for (std::size_t slot : t.slots) {
      if (slot >= slots.size() || slots[slot].count() == 0) continue;
      auto more = slots[slot].nonzero_buckets();
      buckets.insert(buckets.end(), more.begin(), more.end());
    }
    t.answered_seconds += !buckets.empty();
    t.window.push_back(std::move(buckets));
    if (t.window.size() > t.seconds) {
      t.answered_seconds -= !t.window.front().empty();
      t.window.pop_front();
      ++t.window_start;
    }
    // A window that answered nothing is skipped (judge), here at no cost:
    // a log may leave hours without lines.
    if (t.window.size() == t.seconds && t.answered_seconds > 0) judge(t);
  }
}

void WindowedThresholds::finish() {
  for (Tracker& t : trackers_) {
    if (!t.judged && t.answered_seconds > 0) judge(t);
  }
}

// The window now in t: skipped when it answered nothing (the errors
// thresholds speak for such a stretch), else judged.
void WindowedThresholds::judge(Tracker& t) {
  merged_.clear();
  for (const auto& second : t.window) merged_.add_buckets(second);
  if (merged_.count() == 0) return;
  std::optional<double> value = latency_figure(summarize(merged_), t.spec->metric);
  if (!value) return;
  t.latest_failed = !compare(*value, t.spec->comparison, t.spec->limit);
  if (!t.judged || worse(*value, t.worst_value, t.spec->comparison)) {
    t.worst_value = *value;
    t.worst_start = t.window_start;
  }
  t.judged = true;
  t.failed = t.failed || t.latest_failed;
}

void WindowedThresholds::apply(std::vector<ThresholdResult>& results) const {
  for (const Tracker& t : trackers_) {
    if (t.index >= results.size()) continue;
    ThresholdResult& r = results[t.index];
    if (!t.judged) continue;
    r.worst_window_start_s = static_cast<double>(t.worst_start);
    r.worst_window_value = t.worst_value;
    if (t.failed) {
      r.ok = false;
      r.value = t.worst_value;
    }
  }
}

std::optional<std::size_t> WindowedThresholds::failing_abort(Duration elapsed) const {
  for (const Tracker& t : trackers_) {
    if (t.spec->abort_on_fail && t.latest_failed && elapsed >= t.spec->delay_abort_eval)
      return t.index;
  }
  return std::nullopt;
}

std::optional<ThresholdResult> WindowedThresholds::worst(std::size_t index) const {
  for (const Tracker& t : trackers_) {
    if (t.index != index || !t.judged) continue;
    ThresholdResult r;
    r.metric = result_metric_name(*t.spec);
    r.fleet = t.spec->fleet;
    r.op = t.spec->op;
    r.comparison = comparison_text(t.spec->comparison);
    r.limit = t.spec->text;
    r.limit_value = t.spec->limit;
    r.unit = "ms";
    r.value = t.worst_value;
    r.ok = !t.failed;
    r.window_s = static_cast<double>(t.seconds);
    r.worst_window_start_s = static_cast<double>(t.worst_start);
    r.worst_window_value = t.worst_value;
    return r;
  }
  return std::nullopt;
}

namespace {

// Each tag of the log once, in the order first seen: the slots of a run
// read back.
Expected<std::vector<std::string>> log_tags(const std::string& path) {
  auto reader = IntervalLogReader::open(path);
  if (!reader) return unexpected(reader.error());
  std::vector<std::string> tags;
  for (;;) {
    auto next = reader->next();
    if (!next) return unexpected(next.error());
    if (!*next) return tags;
    if (std::find(tags.begin(), tags.end(), (*next)->tag) == tags.end())
      tags.push_back((*next)->tag);
  }
}

// Whether the tag "fleet/op" is in the threshold's scope.
bool in_scope(const ThresholdSpec& t, const std::string& tag) {
  std::size_t slash = tag.find('/');
  if (slash == std::string::npos) return false;
  return (t.fleet.empty() || tag.compare(0, slash, t.fleet) == 0) &&
         (t.op.empty() || tag.compare(slash + 1, std::string::npos, t.op) == 0) &&
         (t.fleet.empty() || slash == t.fleet.size()) &&
         (t.op.empty() || tag.size() - slash - 1 == t.op.size());
}

}  // namespace

Expected<std::vector<ThresholdResult>> judge_windows_from_log(
    const std::vector<ThresholdSpec>& specs, const std::string& log_path) {
  auto tags = log_tags(log_path);
  if (!tags) return unexpected(tags.error());
  WindowedThresholds windows(specs, [&](const ThresholdSpec& t) {
    std::vector<std::size_t> slots;
    for (std::size_t i = 0; i < tags->size(); ++i)
      if (in_scope(t, (*tags)[i])) slots.push_back(i);
    return slots;
  });
  auto reader = IntervalLogReader::open(log_path);
  if (!reader) return unexpected(reader.error());
  std::vector<LatencyHistogram> second(tags->size());
  std::size_t current = 0;
  // Lines come a second at a time, in order; seconds without lines had no
  // answers. A line for a second already passed (a late one) joins the
  // current second.
  for (;;) {
    auto next = reader->next();
    if (!next) return unexpected(next.error());
    std::size_t at = *next ? static_cast<std::size_t>((*next)->start_s + 0.5) : current + 1;
    while (current < at) {
      windows.add_second(current++, second);
      for (LatencyHistogram& h : second)
        if (h.count() > 0) h.clear();
    }
    if (!*next) break;
    auto slot = std::find(tags->begin(), tags->end(), (*next)->tag) - tags->begin();
    second[static_cast<std::size_t>(slot)].merge((*next)->histogram);
  }
  windows.finish();
  std::vector<ThresholdResult> out;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    if (specs[i].window <= Duration::zero()) continue;
    std::optional<ThresholdResult> worst = windows.worst(i);
    if (!worst) {
      ThresholdResult none;
      none.metric = result_metric_name(specs[i]);
      none.fleet = specs[i].fleet;
      none.op = specs[i].op;
      none.comparison = comparison_text(specs[i].comparison);
      none.limit = specs[i].text;
      none.unit = "ms";
      none.window_s = to_seconds(specs[i].window);
      worst = none;  // no window answered anything: nothing failed
      worst->ok = true;
    }
    out.push_back(*worst);
  }
  return out;
}

}  // namespace drover
