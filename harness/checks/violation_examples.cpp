#include "harness/checks/violation_examples.hpp"

#include <algorithm>
#include <optional>
#include <queue>
#include <tuple>

#include "harness/checks/anomaly_timeline.hpp"
#include "harness/history/history_log.hpp"

namespace drover {
namespace {

struct Found {
  std::uint64_t time_ns = 0;
  std::uint64_t line = 0;
  Event event;
};

struct Later {
  bool operator()(const Found& a, const Found& b) const {
    return std::tie(a.time_ns, a.line) < std::tie(b.time_ns, b.line);
  }
};

// A candidate's nth matching event in time order: the nth earliest kept in
// a heap whose top is the latest of them.
class NthEarliest {
 public:
  explicit NthEarliest(std::size_t nth) : nth_(std::max<std::size_t>(nth, 1)) {}
  void offer(const Event& e, std::uint64_t line) {
    if (heap_.size() == nth_ && !Later{}({e.time_ns, line, {}}, heap_.top())) return;
    if (heap_.size() == nth_) heap_.pop();
    heap_.push({e.time_ns, line, e});
  }
  std::optional<Found> nth() const {
    if (heap_.size() < nth_) return std::nullopt;
    return heap_.top();
  }

 private:
  std::size_t nth_;
  std::priority_queue<Found, std::vector<Found>, Later> heap_;
};

ViolationExample example_of(const AnomalyFocus& focus, const Found& found) {
  const Event& e = found.event;
  std::string value = describe_event_value(e.value);
  return {focus.about,
          static_cast<double>(found.time_ns) / 1e6,
          found.line,
          e.client,
          e.fleet,
          std::string(event_type_name(e.type)) + " " + e.f + (value.empty() ? "" : " " + value)};
}

}  // namespace

Expected<std::vector<ViolationExample>> find_violation_examples(
    const std::string& history_path, const CheckScope& scope,
    const std::vector<AnomalyFocus>& candidates) {
  std::vector<ViolationExample> examples;
  if (candidates.empty()) return examples;
  std::vector<NthEarliest> nth;
  for (const AnomalyFocus& c : candidates) nth.emplace_back(c.nth);
  auto read = read_history_lines(history_path, [&](const Event& e, std::uint64_t line) {
    if (!scope.covers(e)) return;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      if (focus_matches(e, candidates[i])) nth[i].offer(e, line);
    }
  });
  if (!read) return unexpected(read.take_error());
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (auto found = nth[i].nth()) examples.push_back(example_of(candidates[i], *found));
  }
  std::stable_sort(examples.begin(), examples.end(),
                   [](const ViolationExample& a, const ViolationExample& b) {
                     return std::tie(a.t_ms, a.line) < std::tie(b.t_ms, b.line);
                   });
  return examples;
}

}  // namespace drover
