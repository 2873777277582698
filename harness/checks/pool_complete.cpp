// pool_complete over histories of tens of millions of tasks: submissions
// and answers go into flat lists, matched by task id after a radix sort,
// rather than into a node-based map (one allocation and a cache miss per
// task).
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <thread>
#include <vector>

#include "harness/checks/checker.hpp"
#include "harness/checks/listing.hpp"
#include "harness/checks/radix_sort.hpp"

namespace drover {
namespace {

// A result's value: task, n, n*n, worker pid, start_us, end_us.
constexpr std::size_t kResultFields = 6;

// What the answers said, task by task.
struct Tally {
  std::vector<std::int64_t> unanswered, unknown, answered_twice, wrong, impossible, unsolicited;
  std::int64_t tasks = 0, errors = 0;
};

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
        highest_submitted_ = std::max(highest_submitted_, v[0]);
        break;
      case EventType::kOk:
        if (stray(v[0])) break;
        if (v.size() >= kResultFields) {
          answers_.push_back({v[0], v[2], v[4], v[5], Answer::kTimed});
        } else {
          answers_.push_back({v[0], 0, 0, 0, Answer::kUntimed});
        }
        break;
      case EventType::kFail:  // answered with an error (e.g. its worker died)
        if (stray(v[0])) break;
        answers_.push_back({v[0], 0, 0, 0, Answer::kError});
        break;
      case EventType::kInfo:  // no answer in time: it may yet have run
        answers_.push_back({v[0], 0, 0, 0, Answer::kUnknown});
        break;
    }
  }

  std::vector<AnomalyFocus> anomalies() const override { return anomalies_; }

  InvariantResult result() const override {
    // Sorted in place: copies of lists this size would double the memory.
    // One sort on a second core while this one does the other. The sort is
    // stable: a task's first answer in the file stays first.
    std::thread helper(
        [this] { radix_sort(submitted_, [](const Submitted& s) { return radix_key(s.task); }); });
    radix_sort(answers_, [](const Answer& a) { return radix_key(a.task); });
    helper.join();
    Tally tally = match();
    // An answer on a torn last line is lost with it: one task unanswered
    // is then of unknown outcome, not lost.
    if (torn_line_ != 0 && tally.unanswered.size() == 1) {
      tally.unknown.push_back(tally.unanswered.front());
      tally.unanswered.clear();
    }
    auto [peak, peak_at] = max_overlap();
    std::vector<std::string> problems = find_problems(tally, peak, peak_at);
    InvariantResult r{Invariant::kPoolComplete, scope_.target, problems.empty(), "", {}};
    std::string unknown_text = unknown_outcomes(tally);
    if (!problems.empty()) {
      if (!unknown_text.empty()) problems.push_back(unknown_text);
      r.detail = join(problems, "; ");
    } else if (submitted_.empty() || !unknown_text.empty()) {
      r.ok = false;
      r.unknown = true;
      r.detail =
          submitted_.empty()
              ? "the history holds no SUBMIT of this target's fleets"
              : unknown_text +
                    fmt::format("; the {} others answered once each",
                                tally.tasks - static_cast<std::int64_t>(tally.unknown.size()));
    } else {
      r.detail = fmt::format(
          "{} tasks answered once each ({} with an error), at most {} of {} running at once",
          tally.tasks, tally.errors, peak, workers_);
    }
    return r;
  }

 private:
  struct Submitted {
    std::int64_t task;
    std::int64_t n;
  };
  struct Answer {
    enum Kind : std::uint8_t { kTimed, kUntimed, kError, kUnknown };
    std::int64_t task;
    std::int64_t value;
    std::int64_t start_us;
    std::int64_t end_us;
    Kind kind;
  };

  // Walks the sorted submissions and answers side by side, once each. Only
  // a task's first answer, if its interval is possible, counts towards the
  // overlap: a repeated answer is reported as that alone.
  Tally match() const {
    Tally t;
    starts_.clear();
    ends_.clear();
    std::size_t a = 0;
    auto unsolicited = [&](std::size_t i) {
      if (answers_[i].kind != Answer::kUnknown) t.unsolicited.push_back(answers_[i].task);
    };
    for (std::size_t s = 0; s < submitted_.size();) {
      const std::int64_t task = submitted_[s].task;
      const std::int64_t n = submitted_[s].n;
      std::size_t times = 0;
      for (; s < submitted_.size() && submitted_[s].task == task; ++s) ++times;
      for (; a < answers_.size() && answers_[a].task < task; ++a) unsolicited(a);
      std::size_t answers = 0, infos = 0;
      for (; a < answers_.size() && answers_[a].task == task; ++a) {
        const Answer& answer = answers_[a];
        if (answer.kind == Answer::kUnknown) {
          ++infos;
          continue;
        }
        if (++answers == 1 && answer.kind == Answer::kTimed) {
          if (answer.end_us < answer.start_us) {
            t.impossible.push_back(task);
          } else {
            starts_.push_back(answer.start_us);
            ends_.push_back(answer.end_us);
          }
        }
        if (answer.kind == Answer::kError) {
          ++t.errors;
        } else if (answer.value != n * n) {
          t.wrong.push_back(task);
        }
      }
      ++t.tasks;
      if (answers < times) (infos > 0 ? t.unknown : t.unanswered).push_back(task);
      if (answers > times) t.answered_twice.push_back(task);
    }
    for (; a < answers_.size(); ++a) unsolicited(a);
    return t;
  }

  std::vector<std::string> find_problems(const Tally& t, std::int64_t peak,
                                         std::int64_t peak_at) const {
    // A few of each kind, for find_first_anomaly() to place in time.
    constexpr std::size_t kCandidates = 3;
    anomalies_.clear();
    std::vector<std::string> problems;
    auto report = [&](const std::vector<std::int64_t>& tasks, std::string text, const char* about,
                      EventType type, std::size_t nth) {
      if (tasks.empty()) return;
      problems.push_back(std::move(text));
      for (std::size_t i = 0; i < tasks.size() && i < kCandidates; ++i) {
        anomalies_.push_back({fmt::format("task {} {}", tasks[i], about), "submit", type,
                              std::to_string(tasks[i]), 0, nth});
      }
    };
    report(
        t.unanswered,
        fmt::format("{} tasks never answered: {}", t.unanswered.size(), first_items(t.unanswered)),
        "was submitted and never answered", EventType::kInvoke, 1);
    report(t.answered_twice,
           fmt::format("{} tasks answered more than once: {}", t.answered_twice.size(),
                       first_items(t.answered_twice)),
           "was answered a second time", EventType::kOk, 2);
    report(t.wrong,
           fmt::format("{} results not n*n: tasks {}", t.wrong.size(), first_items(t.wrong)),
           "was answered with a value that is not n*n", EventType::kOk, 1);
    report(t.impossible,
           fmt::format("{} answers end before they start: tasks {}", t.impossible.size(),
                       first_items(t.impossible)),
           "was answered with an end before its start", EventType::kOk, 1);
    std::vector<std::int64_t> strays = early_strays_;
    strays.insert(strays.end(), t.unsolicited.begin(), t.unsolicited.end());
    report(strays, unsolicited_text(t), "was answered but never submitted", EventType::kOk, 1);
    if (peak > workers_) {
      // The answer of the task whose start made one too many (field 4 of a
      // result is its start on the workers' clock).
      anomalies_.push_back(
          {fmt::format("a task started while {} others ran (pool of {})", peak - 1, workers_),
           "submit", EventType::kOk, std::to_string(peak_at), 4, 1});
      problems.push_back(
          fmt::format("{} tasks ran at once (pool of {}), at {} us on the workers' clock", peak,
                      workers_, peak_at));
    }
    return problems;
  }

  // A task is answered on the connection that submitted it, after its
  // SUBMIT: an answer for an id above every one submitted so far is for a
  // task never submitted. It is counted, and the first few kept, but not
  // stored: a server that makes up answers cannot grow drover's memory.
  bool stray(std::int64_t task) {
    if (task <= highest_submitted_) return false;
    if (early_strays_.size() < kListedItems) early_strays_.push_back(task);
    ++early_stray_count_;
    return true;
  }

  std::string unsolicited_text(const Tally& t) const {
    const std::size_t total = t.unsolicited.size() + early_stray_count_;
    std::vector<std::int64_t> listed = early_strays_;
    listed.insert(listed.end(), t.unsolicited.begin(), t.unsolicited.end());
    listed.resize(std::min(listed.size(), kListedItems));
    std::string items = first_items(listed);
    if (total > listed.size()) items += fmt::format(", ... ({} more)", total - listed.size());
    return fmt::format(
        "{} answers for tasks never submitted{}: {}", total,
        early_stray_count_
            ? fmt::format(" ({} above every task submitted before them)", early_stray_count_)
            : "",
        items);
  }

  std::string unknown_outcomes(const Tally& t) const {
    if (t.unknown.empty()) return "";
    return fmt::format("{} tasks of unknown outcome (no answer in time{}): {}", t.unknown.size(),
                       torn_line_ ? fmt::format(", or on the torn last line {}", torn_line_) : "",
                       first_items(t.unknown));
  }

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
  mutable std::vector<std::int64_t> starts_;  // filled by result()
  mutable std::vector<std::int64_t> ends_;
  mutable std::vector<AnomalyFocus> anomalies_;  // set by result()
  std::int64_t highest_submitted_ = INT64_MIN;
  std::vector<std::int64_t> early_strays_;  // the first few
  std::size_t early_stray_count_ = 0;
};

}  // namespace

CheckerPtr make_pool_complete_checker(CheckScope scope, std::int64_t workers) {
  return std::make_unique<PoolComplete>(std::move(scope), workers);
}

}  // namespace drover
