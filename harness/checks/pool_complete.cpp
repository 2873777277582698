// pool_complete over histories of tens of millions of tasks: submissions
// and answers go into flat lists, matched by task id after a radix sort,
// rather than into a node-based map (one allocation and a cache miss per
// task).
#include <fmt/format.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "harness/checks/checker.hpp"
#include "harness/checks/listing.hpp"
#include "harness/checks/radix_sort.hpp"

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
    switch (e.type) {
      case EventType::kInvoke:
        submitted_.push_back({v[0], v.size() >= 2 ? v[1] : 0});
        break;
      case EventType::kOk:
        if (v.size() >= kResultFields) {
          answers_.push_back({v[0], v[2], false});
          starts_.push_back(v[4]);
          ends_.push_back(v[5]);
        } else {
          answers_.push_back({v[0], 0, false});
        }
        break;
      case EventType::kFail:  // answered with an error (e.g. its worker died)
        answers_.push_back({v[0], 0, true});
        break;
      case EventType::kInfo:
        break;
    }
  }

  std::vector<AnomalyFocus> anomalies() const override { return anomalies_; }

  InvariantResult result() const override {
    // Sorted in place: copies of lists this size would double the memory.
    // One sort on a second core while this one does the other.
    std::thread helper(
        [this] { radix_sort(submitted_, [](const Submitted& s) { return radix_key(s.task); }); });
    radix_sort(answers_, [](const Answer& a) { return radix_key(a.task); });
    helper.join();
    std::vector<std::int64_t> unanswered, answered_twice, wrong;
    std::int64_t tasks = 0, errors = 0;
    std::size_t a = 0;
    for (std::size_t s = 0; s < submitted_.size();) {
      std::int64_t task = submitted_[s].task;
      std::int64_t n = submitted_[s].n;
      std::size_t times = 0;
      for (; s < submitted_.size() && submitted_[s].task == task; ++s) ++times;
      while (a < answers_.size() && answers_[a].task < task) ++a;  // answers to unknown tasks
      std::size_t answers = 0;
      for (; a < answers_.size() && answers_[a].task == task; ++a, ++answers) {
        if (answers_[a].error) {
          ++errors;
        } else if (answers_[a].value != n * n) {
          wrong.push_back(task);
        }
      }
      ++tasks;
      if (answers < times) unanswered.push_back(task);
      if (answers > times) answered_twice.push_back(task);
    }
    auto [peak, peak_at] = max_overlap();
    // A few of each kind, for find_first_anomaly() to place in time.
    constexpr std::size_t kCandidates = 3;
    anomalies_.clear();
    auto candidates = [&](const std::vector<std::int64_t>& tasks, const char* about, EventType type,
                          std::size_t nth) {
      for (std::size_t i = 0; i < tasks.size() && i < kCandidates; ++i) {
        anomalies_.push_back({fmt::format("task {} {}", tasks[i], about), "submit", type,
                              std::to_string(tasks[i]), 0, nth});
      }
    };
    candidates(unanswered, "was submitted and never answered", EventType::kInvoke, 1);
    candidates(answered_twice, "was answered a second time", EventType::kOk, 2);
    candidates(wrong, "was answered with a value that is not n*n", EventType::kOk, 1);
    if (peak > workers_) {
      // The answer of the task whose start made one too many (field 4 of a
      // result is its start on the workers' clock).
      anomalies_.push_back(
          {fmt::format("a task started while {} others ran (pool of {})", peak - 1, workers_),
           "submit", EventType::kOk, std::to_string(peak_at), 4, 1});
    }
    std::vector<std::string> problems;
    if (!unanswered.empty()) {
      problems.push_back(
          fmt::format("{} tasks never answered: {}", unanswered.size(), first_items(unanswered)));
    }
    if (!answered_twice.empty()) {
      problems.push_back(fmt::format("{} tasks answered more than once: {}", answered_twice.size(),
                                     first_items(answered_twice)));
    }
    if (!wrong.empty()) {
      problems.push_back(
          fmt::format("{} results not n*n: tasks {}", wrong.size(), first_items(wrong)));
    }
    if (peak > workers_) {
      problems.push_back(
          fmt::format("{} tasks ran at once (pool of {}), at {} us on the workers' clock", peak,
                      workers_, peak_at));
    }
    InvariantResult r{Invariant::kPoolComplete, scope_.target, problems.empty(), "", {}};
    r.detail = r.ok ? fmt::format(
                          "{} tasks answered once each ({} with an error), at most {} of {} "
                          "running at once",
                          tasks, errors, peak, workers_)
                    : join(problems, "; ");
    return r;
  }

 private:
  struct Submitted {
    std::int64_t task;
    std::int64_t n;
  };
  struct Answer {
    std::int64_t task;
    std::int64_t value;
    bool error;
  };

  // Sweep over start and end times, sorted apart; an end at the same
  // microsecond as a start comes first, so back-to-back tasks on a worker
  // never overlap.
  std::pair<std::int64_t, std::int64_t> max_overlap() const {
    std::thread helper([this] { radix_sort(starts_); });
    radix_sort(ends_);
    helper.join();
    std::int64_t running = 0, peak = 0, peak_at = 0;
    std::size_t e = 0;
    for (std::int64_t start : starts_) {
      while (e < ends_.size() && ends_[e] <= start) {
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
  mutable std::vector<Submitted> submitted_;  // sorted by result()
  mutable std::vector<Answer> answers_;
  mutable std::vector<std::int64_t> starts_;
  mutable std::vector<std::int64_t> ends_;
  mutable std::vector<AnomalyFocus> anomalies_;  // set by result()
};

}  // namespace

CheckerPtr make_pool_complete_checker(CheckScope scope, std::int64_t workers) {
  return std::make_unique<PoolComplete>(std::move(scope), workers);
}

}  // namespace drover
