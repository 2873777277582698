#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>
#include <vector>

#include "harness/checks/checker.hpp"
#include "harness/checks/listing.hpp"

namespace drover {
namespace {

// A result's value: task, n, n*n, worker pid, start_us, end_us.
constexpr std::size_t kResultFields = 6;

class PoolComplete final : public Checker {
 public:
  PoolComplete(CheckScope scope, std::int64_t workers)
      : scope_(std::move(scope)), workers_(workers) {}

  void observe(const Event& e) override {
    if (!scope_.covers(e) || e.f != "submit") return;
    const auto& v = e.value.numbers;
    if (v.empty()) return;
    Task& task = tasks_[v[0]];
    switch (e.type) {
      case EventType::kInvoke:
        ++task.submitted;
        if (v.size() >= 2) task.n = v[1];
        break;
      case EventType::kOk:
        ++task.answers;
        if (v.size() >= kResultFields) {
          if (v[2] != task.n * task.n) wrong_.push_back(v[0]);
          starts_.push_back(v[4]);
          ends_.push_back(v[5]);
        }
        break;
      case EventType::kFail:  // answered with an error (e.g. its worker died)
        ++task.answers;
        ++errors_;
        break;
      case EventType::kInfo:
        break;
    }
  }

  InvariantResult result() const override {
    std::vector<std::int64_t> unanswered, answered_twice;
    for (const auto& [id, task] : tasks_) {
      if (task.answers < task.submitted) unanswered.push_back(id);
      if (task.answers > task.submitted) answered_twice.push_back(id);
    }
    auto [peak, peak_at] = max_overlap();
    std::vector<std::string> problems;
    if (!unanswered.empty()) {
      problems.push_back(fmt::format("{} tasks never answered: {}", unanswered.size(),
                                     first_items(sorted(unanswered))));
    }
    if (!answered_twice.empty()) {
      problems.push_back(fmt::format("{} tasks answered more than once: {}", answered_twice.size(),
                                     first_items(sorted(answered_twice))));
    }
    if (!wrong_.empty()) {
      problems.push_back(
          fmt::format("{} results not n*n: tasks {}", wrong_.size(), first_items(sorted(wrong_))));
    }
    if (peak > workers_) {
      problems.push_back(
          fmt::format("{} tasks ran at once (pool of {}), at {} us on the workers' clock", peak,
                      workers_, peak_at));
    }
    InvariantResult r{"pool_complete", scope_.target, problems.empty(), ""};
    r.detail = r.ok ? fmt::format(
                          "{} tasks answered once each ({} with an error), at most {} of {} "
                          "running at once",
                          tasks_.size(), errors_, peak, workers_)
                    : join(problems, "; ");
    return r;
  }

 private:
  struct Task {
    std::int64_t n = 0;
    std::int64_t submitted = 0;
    std::int64_t answers = 0;
  };
  // Sweep over start and end times, sorted apart (two sorts of n values
  // are much cheaper than one of 2n pairs); an end at the same microsecond
  // as a start comes first, so back-to-back tasks on a worker never overlap.
  std::pair<std::int64_t, std::int64_t> max_overlap() const {
    std::vector<std::int64_t> starts = starts_, ends = ends_;
    std::sort(starts.begin(), starts.end());
    std::sort(ends.begin(), ends.end());
    std::int64_t running = 0, peak = 0, peak_at = 0;
    std::size_t e = 0;
    for (std::int64_t start : starts) {
      while (e < ends.size() && ends[e] <= start) {
        --running;
        ++e;
      }
      if (++running > peak) {
        peak = running;
        peak_at = start;
      }
    }
    return {peak, peak_at};
  }

  CheckScope scope_;
  std::int64_t workers_;
  std::unordered_map<std::int64_t, Task> tasks_;
  std::vector<std::int64_t> wrong_;
  std::vector<std::int64_t> starts_;
  std::vector<std::int64_t> ends_;
  std::int64_t errors_ = 0;
};

}  // namespace

CheckerPtr make_pool_complete_checker(CheckScope scope, std::int64_t workers) {
  return std::make_unique<PoolComplete>(std::move(scope), workers);
}

}  // namespace drover
