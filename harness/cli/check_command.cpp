#include "harness/cli/check_command.hpp"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness/checks/history_checks.hpp"
#include "harness/checks/verdict.hpp"
#include "harness/checks/windowed_thresholds.hpp"
#include "harness/core/exit_code.hpp"
#include "harness/core/run_result.hpp"
#include "harness/history/history_log.hpp"
#include "harness/measure/seconds_log.hpp"
#include "harness/scenario/parse.hpp"
#include "reports/sink.hpp"

namespace drover {

namespace fs = std::filesystem;

void save_run_inputs(const std::string& run_dir, const std::string& scenario_file,
                     const std::vector<std::string>& overrides) {
  fs::copy_file(scenario_file, fs::path(run_dir) / "scenario.json",
                fs::copy_options::overwrite_existing);
  nlohmann::json inputs{{"scenario_file", fs::absolute(scenario_file).string()},
                        {"overrides", overrides}};
  std::ofstream(fs::path(run_dir) / "inputs.json") << inputs.dump(2) << '\n';
}

namespace {

// Operations each fleet completed in a history (ok, fail or info), by
// fleet: what summary.json counts as the fleet's ops. Completions rather
// than invokes, because a pool's second answer to one task is an operation
// of its own with no invoke; drover's own final queries ("@<target>") are
// no fleet's operations.
using OperationCounts = std::map<std::string, std::uint64_t, std::less<>>;

Expected<OperationCounts> history_operations(const std::string& path) {
  OperationCounts counts;
  std::string last_fleet;
  std::uint64_t* last_count = nullptr;
  Expected<void> read = read_history(path, [&](const Event& e) {
    if (e.type == EventType::kInvoke || e.fleet.starts_with('@')) return;
    // Events come in runs of one fleet: look the fleet up only when it changes.
    if (last_count == nullptr || e.fleet != last_fleet) {
      last_fleet = e.fleet;
      last_count = &counts[e.fleet];
    }
    ++*last_count;
  });
  if (!read) return unexpected(read.take_error());
  return counts;
}

// The result as not decided, saying why first, then what the checker found
// on the evidence there is. An undecided invariant did not break anywhere:
// it has no anomaly to show.
InvariantResult undecided(InvariantResult r, const std::string& why) {
  r.detail = r.detail.empty() ? why : why + "; on what it holds the checker found: " + r.detail;
  r.ok = false;
  r.unknown = true;
  r.expected_failure = false;
  r.anomaly.reset();
  return r;
}

// The invariants a run decides from what it observed while it went (not
// from its history), in the order the live run checks them
// (harness/run/judge.cpp): without summary.json, none can be decided.
std::vector<InvariantResult> observed_live_undecided(const Scenario& scenario) {
  const std::string why =
      "not decided: only the live run observes it, and it left no summary.json to say";
  std::vector<InvariantResult> out;
  auto add = [&](Invariant i, const std::string& subject) {
    out.push_back(undecided({i, subject, false, "", {}}, why));
  };
  for (const FleetSpec& fleet : scenario.fleets) {
    if (fleet.checks_replies()) add(Invariant::kRepliesCorrect, fleet.name);
    if (fleet.require_answer) add(Invariant::kFleetAnswered, fleet.name);
  }
  for (const CheckSpec& check : scenario.checks) {
    if (check.invariant == Invariant::kNoZombies) add(Invariant::kNoZombies, check.target);
  }
  for (const TargetSpec& target : scenario.targets) {
    if (target.source != TargetSpec::Source::kAddress) add(Invariant::kTargetAlive, target.name);
  }
  return out;
}

// One `drover check RUN_DIR`: its steps are the methods, in the order
// execute() calls them. A step that finds the folder unreadable returns
// the message to print, and the check exits 2.
class RunFolderCheck {
 public:
  explicit RunFolderCheck(const std::string& run_dir) : run_dir_(run_dir), dir_(run_dir) {}

  int execute() {
    auto inputs = read_inputs();
    if (!inputs) return bad_input(inputs.error());
    ParsedScenario parsed = load_scenario((dir_ / "scenario.json").string(), *inputs);
    if (!parsed) {
      for (const auto& e : parsed.error()) fmt::print(stderr, "error: {}\n", e.to_string());
      return to_int(ExitCode::kBadInput);
    }
    scenario_ = std::move(*parsed);
    if (auto read = read_live_result(); !read) return bad_input(read.error());
    if (auto checked = check_history(); !checked) return bad_input(checked.error());
    if (auto windows = check_windows(); !windows) return bad_input(windows.error());
    judge_run(run_);
    print();
    return to_int(run_.exit_code);
  }

 private:
  static int bad_input(const std::string& message) {
    fmt::print(stderr, "error: {}\n", message);
    return to_int(ExitCode::kBadInput);
  }

  // The --set overrides the run applied to its scenario (inputs.json).
  Expected<std::vector<std::string>> read_inputs() {
    try {
      std::ifstream in(dir_ / "inputs.json");
      if (!in) return unexpected(fmt::format("{}: not a run folder (no inputs.json)", run_dir_));
      nlohmann::json inputs = nlohmann::json::parse(in);
      scenario_file_ = inputs.value("scenario_file", std::string());
      return inputs.at("overrides").get<std::vector<std::string>>();
    } catch (const std::exception& e) {
      return unexpected(fmt::format("{}/inputs.json: {}", run_dir_, e.what()));
    }
  }

  // What the live run decided, from summary.json. A folder without one is a
  // run that never finished (drover was killed, or the machine went down):
  // what can be checked is checked from its history.
  Expected<void> read_live_result() {
    if (!fs::exists(dir_ / "summary.json")) {
      run_.scenario = scenario_.name;
      run_.scenario_file = scenario_file_;
      run_.expect = scenario_.expect;
      run_.invariants = observed_live_undecided(scenario_);
      run_.run_dir = fs::absolute(dir_).string();
      return {};
    }
    auto live = read_summary_json((dir_ / "summary.json").string());
    if (!live) return unexpected(live.error());
    live_ = std::move(*live);
    run_ = *live_;
    run_.run_dir = fs::absolute(dir_).string();
    run_.invariants.clear();
    for (const InvariantResult& i : live_->invariants) {
      // Facts observed during the run (a zombie, a dead target) are kept as
      // recorded; what the history decides is decided again.
      if (!is_history_invariant(i.invariant)) run_.invariants.push_back(i);
    }
    return {};
  }

  bool live_checked_history() const {
    for (const InvariantResult& i : live_->invariants)
      if (is_history_invariant(i.invariant)) return true;
    return false;
  }

  std::vector<CheckSpec> history_checks() const {
    std::vector<CheckSpec> checks;
    for (const CheckSpec& c : scenario_.checks)
      if (is_history_invariant(c.invariant)) checks.push_back(c);
    return checks;
  }

  Expected<void> check_history() {
    const std::vector<CheckSpec> checks = history_checks();
    if (checks.empty()) return {};
    const std::string path = (dir_ / "history.jsonl").string();
    if (!fs::exists(path)) return without_history(checks);
    auto results = drover::check_history(scenario_, path);
    if (!results) return unexpected(results.error());
    auto counts = history_operations(path);
    if (!counts) return unexpected(counts.error());
    count_evidence(*counts);
    for (InvariantResult& r : *results) run_.invariants.push_back(weigh(std::move(r)));
    return {};
  }

  // A run made with --no-history never checked its history invariants:
  // there is nothing to decide again. Any other run's are undecided.
  Expected<void> without_history(const std::vector<CheckSpec>& checks) {
    if (live_ && !live_checked_history()) {
      return unexpected(fmt::format("{}: no history.jsonl to check {} against", run_dir_,
                                    invariant_name(checks.front().invariant)));
    }
    for (const CheckSpec& c : checks) {
      run_.invariants.push_back(undecided({c.invariant, c.target, false, "", {}},
                                          "not decided: history.jsonl is missing"));
    }
    return {};
  }

  // Per fleet of a checked target: the operations the history holds, and
  // those summary.json counted.
  void count_evidence(const OperationCounts& held) {
    const std::vector<CheckSpec> checks = history_checks();
    for (const FleetSpec& fleet : scenario_.fleets) {
      bool checked = false;
      for (const CheckSpec& c : checks) checked = checked || c.target == fleet.target;
      if (!checked) continue;
      auto it = held.find(fleet.name);
      const FleetResult* live = live_fleet(fleet.name);
      evidence_.push_back({fleet.name, fleet.target, it == held.end() ? 0 : it->second,
                           live ? std::optional(live->totals.ops()) : std::nullopt});
    }
  }

  // A result decided on less evidence than the run produced is not
  // decided: a history with operations missing can hide a violation, and
  // can show one that never happened (an item whose GET was lost looks
  // lost). So it is unknown, whatever the checker found on what is there.
  InvariantResult weigh(InvariantResult r) const {
    std::string short_by;
    std::uint64_t holds = 0;
    for (const FleetEvidence& e : evidence_) {
      if (e.target != r.subject) continue;
      holds += e.held;
      if (!e.counted || e.held >= *e.counted) continue;
      short_by += short_by.empty()
                      ? fmt::format("{} of the {} operations summary.json counts for fleet {}",
                                    e.held, *e.counted, e.fleet)
                      : fmt::format(", {} of {} for fleet {}", e.held, *e.counted, e.fleet);
    }
    if (!live_) {
      return undecided(std::move(r),
                       fmt::format("not decided: the run did not finish (no summary.json), so its "
                                   "history may stop short and the targets' final states be "
                                   "missing; it holds {} operations",
                                   holds));
    }
    if (short_by.empty()) return r;
    return undecided(std::move(r), "not decided: history.jsonl holds only " + short_by);
  }

  const FleetResult* live_fleet(const std::string& name) const {
    if (!live_) return nullptr;
    for (const FleetResult& f : live_->fleets)
      if (f.name == name) return &f;
    return nullptr;
  }

  // The windowed thresholds judged again from latency-seconds.hlog: a
  // window that fails there fails its threshold; a run without
  // summary.json gets them from the log alone.
  Expected<void> check_windows() {
    bool any = std::any_of(scenario_.thresholds.begin(), scenario_.thresholds.end(),
                           [](const ThresholdSpec& t) { return t.window > Duration::zero(); });
    const fs::path log = dir_ / std::string(kSecondsLogFile);
    if (!any || !fs::exists(log)) return {};
    auto judged = judge_windows_from_log(scenario_.thresholds, log.string());
    if (!judged) return unexpected(judged.error());
    for (const ThresholdResult& w : *judged) {
      auto same = std::find_if(run_.thresholds.begin(), run_.thresholds.end(),
                               [&](const ThresholdResult& t) {
                                 return t.metric == w.metric && t.fleet == w.fleet && t.op == w.op;
                               });
      if (same == run_.thresholds.end()) {
        run_.thresholds.push_back(w);
        continue;
      }
      same->ok = same->ok && w.ok;
      same->worst_window_start_s = w.worst_window_start_s;
      same->worst_window_value = w.worst_window_value;
      if (!w.ok) same->value = w.value;
    }
    windows_checked_ = true;
    return {};
  }

  void print() const {
    make_console_sink(stdout, isatty(STDOUT_FILENO) != 0)->write(run_);
    print_evidence();
    if (windows_checked_) {
      fmt::print("windowed thresholds judged again from {}\n", kSecondsLogFile);
    }
    if (live_) {
      bool agrees = run_.verdict == live_->verdict;
      fmt::print("{} the live verdict ({})\n", agrees ? "agrees with" : "DIFFERS from",
                 verdict_name(live_->verdict));
      return;
    }
    print_unfinished();
  }

  // How much of what the run did its history holds, per fleet.
  void print_evidence() const {
    if (evidence_.empty()) return;
    bool whole = true;
    std::string fleets;
    for (const FleetEvidence& e : evidence_) {
      whole = whole && (!e.counted || e.held >= *e.counted);
      fleets += fmt::format("{}{} {}", fleets.empty() ? "" : ", ", e.fleet, e.held);
      if (e.counted) fleets += fmt::format(" of {}", *e.counted);
    }
    if (!live_) {
      fmt::print("history.jsonl holds, as far as it goes: {} operations\n", fleets);
    } else {
      fmt::print("history.jsonl holds {} summary.json counts: {}\n",
                 whole ? "all the operations" : "FEWER operations than", fleets);
    }
  }

  // What a folder without summary.json cannot say.
  void print_unfinished() const {
    fmt::print(
        "no live verdict to compare with: the run did not finish (no summary.json; drover was "
        "killed or stopped before writing its results)\n");
    std::string thresholds;
    for (const ThresholdSpec& t : scenario_.thresholds) {
      thresholds += fmt::format("{}{} {}", thresholds.empty() ? "" : ", ",
                                threshold_key(t.metric, t.fleet, t.op), t.text);
    }
    fmt::print("not checked: the figures{}, which only summary.json holds\n",
               thresholds.empty() ? "" : " and the thresholds on them (" + thresholds + ")");
    fmt::print(
        "not checked: what the run observes while it goes (replies, targets alive, zombies), and "
        "the targets' final states it records after the load (likely missing)\n");
  }

  std::string run_dir_;
  bool windows_checked_ = false;
  fs::path dir_;
  std::string scenario_file_;
  Scenario scenario_;
  std::optional<RunResult> live_;  // summary.json; none: the run never finished
  RunResult run_;                  // what this check decides

  struct FleetEvidence {
    std::string fleet;
    std::string target;
    std::uint64_t held = 0;                // operations in the history
    std::optional<std::uint64_t> counted;  // in summary.json, when there is one
  };
  std::vector<FleetEvidence> evidence_;
};

}  // namespace

int check_run_folder(const std::string& run_dir) {
  return RunFolderCheck(run_dir).execute();
}

}  // namespace drover
