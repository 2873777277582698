#include "harness/checks/history_checks.hpp"

#include "harness/checks/anomaly_timeline.hpp"
#include "harness/checks/checker.hpp"
#include "harness/checks/violation_examples.hpp"
#include "harness/checks/well_formed.hpp"
#include "harness/history/history_log.hpp"

namespace drover {

Expected<std::vector<InvariantResult>> check_history(const Scenario& scenario,
                                                     const std::string& history_path) {
  std::vector<CheckerPtr> checkers;
  std::vector<CheckScope> scopes;
  for (const CheckSpec& check : scenario.checks) {
    if (!is_history_invariant(check.invariant)) continue;
    CheckScope scope{check.target, {}};
    for (const FleetSpec& fleet : scenario.fleets) {
      if (fleet.target != check.target) continue;
      scope.fleets.insert(fleet.name);
      if (!fleet.hosts.empty()) scope.one_clock = false;
    }
    scopes.push_back(scope);
    if (check.invariant == Invariant::kNoOversell) {
      checkers.push_back(make_no_oversell_checker(std::move(scope), check.parameter));
    } else if (check.invariant == Invariant::kExactlyOnce) {
      checkers.push_back(make_exactly_once_checker(std::move(scope), check.parameter));
    } else {
      checkers.push_back(make_pool_complete_checker(std::move(scope), check.parameter));
    }
  }
  if (checkers.empty()) return std::vector<InvariantResult>{};
  WellFormedness form(scopes);
  auto read = read_history_lines(history_path, [&](const Event& event, std::uint64_t line) {
    form.observe(event, line);
    for (auto& checker : checkers) checker->observe(event);
  });
  if (!read) return unexpected(read.take_error());
  // Judged on a history no drover could have written, a checker could
  // pass anything: the run is an error instead.
  if (auto problem = form.problem()) return unexpected(history_path + ":" + *problem);
  if (read->torn_line != 0) {
    for (auto& checker : checkers) checker->history_torn(read->torn_line);
  }
  std::vector<InvariantResult> results;
  for (const auto& checker : checkers) results.push_back(checker->result());
  // Where each broken invariant first broke, for the report. A history that
  // was read once reads again; if it could not, the verdict stands anyway.
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (results[i].ok) continue;
    std::vector<AnomalyFocus> candidates = checkers[i]->anomalies();
    auto anomaly = find_first_anomaly(history_path, scopes[i], candidates);
    if (anomaly) results[i].anomaly = std::move(*anomaly);
    // The offending operations a checker names, a few of each kind.
    auto examples = find_violation_examples(history_path, scopes[i], candidates);
    if (examples) results[i].examples = std::move(*examples);
  }
  return results;
}

}  // namespace drover
