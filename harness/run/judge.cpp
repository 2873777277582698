// The run's sixth phase: every invariant and threshold checked, then the
// verdict (harness/checks/verdict.hpp) decided from them.
#include <stdexcept>
#include <thread>

#include "harness/checks/history_checks.hpp"
#include "harness/checks/invariants.hpp"
#include "harness/checks/thresholds.hpp"
#include "harness/checks/verdict.hpp"
#include "harness/run/run.hpp"

namespace drover {
namespace {

// A correct forking server reaps a child within milliseconds of its exit;
// this is how long drover waits for the last ones before calling them zombies.
constexpr auto kReapGrace = std::chrono::seconds(2);

}  // namespace

void Run::judge() {
  check_history();
  check_replies();
  check_targets();
  check_thresholds();
  // The nemesis could not carry out the faults asked for: whatever the
  // checks found, the run is an error.
  result_.errors.insert(result_.errors.end(), nemesis_errors_.begin(), nemesis_errors_.end());
  judge_run(result_);
}

void Run::check_history() {
  if (!history_) return;
  auto results = drover::check_history(scenario_, options_.run_dir + "/history.jsonl");
  if (!results) throw std::runtime_error(results.error());
  result_.invariants.insert(result_.invariants.end(), results->begin(), results->end());
}

void Run::check_replies() {
  for (const FleetSpec& fleet : scenario_.fleets) {
    for (const FleetResult& fr : result_.fleets) {
      if (fr.name != fleet.name) continue;
      if (fleet.checks_replies()) result_.invariants.push_back(check_replies_correct(fr));
      if (fleet.require_answer) result_.invariants.push_back(check_fleet_answered(fr));
    }
  }
}

void Run::check_targets() {
  supervisor_.poll_exits();
  before_stop_ = supervisor_.results();
  for (const CheckSpec& check : scenario_.checks) {
    if (check.invariant != Invariant::kNoZombies) continue;
    int pid = supervisor_.pid_of(check.target);
    result_.invariants.push_back(
        check_no_zombies(check.target, pid, wait_for_reaping(check.target)));
  }
  for (const TargetResult& t : before_stop_) {
    if (t.pid == 0) continue;
    result_.invariants.push_back(
        check_target_alive(t.name, t.exited_during_run, t.exit_description, t.restarts));
  }
}

std::vector<int> Run::wait_for_reaping(const std::string& target) {
  TimePoint deadline = Clock::now() + kReapGrace;
  for (;;) {
    std::vector<int> zombies = supervisor_.zombie_children(target);
    if (zombies.empty() || Clock::now() >= deadline) return zombies;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void Run::check_thresholds() {
  result_.thresholds = evaluate_thresholds(scenario_.thresholds, result_);
  if (windows_) windows_->apply(result_.thresholds);
  // A threshold that aborted the run fails it, even if the figures of the
  // shortened run would pass: the load the scenario asked for never ran.
  for (const ThresholdResult& abort : aborts_) {
    for (ThresholdResult& t : result_.thresholds) {
      if (t.metric == abort.metric && t.fleet == abort.fleet && t.op == abort.op) {
        t.ok = false;
        t.aborted = true;
        t.aborted_at_s = abort.aborted_at_s;
        t.aborted_value = abort.aborted_value;
      }
    }
  }
}

}  // namespace drover
