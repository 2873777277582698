#include "harness/checks/invariants.hpp"

#include <fmt/format.h>

#include "harness/checks/listing.hpp"

namespace drover {

InvariantResult check_replies_correct(const FleetResult& fleet) {
  InvariantResult r{Invariant::kRepliesCorrect, fleet.name, true, "", {}};
  std::uint64_t wrong = fleet.totals.count(Outcome::kWrongReply);
  std::uint64_t answered = fleet.totals.ok() + wrong;
  if (wrong == 0) {
    r.detail = fmt::format("{} of {} replies as expected", answered, answered);
  } else {
    r.ok = false;
    r.detail = fmt::format("{} of {} replies were wrong ({:.3f}%)", wrong, answered,
                           100.0 * static_cast<double>(wrong) / static_cast<double>(answered));
  }
  return r;
}

InvariantResult check_fleet_answered(const FleetResult& fleet) {
  InvariantResult r{Invariant::kFleetAnswered, fleet.name, fleet.totals.ok() > 0, "", {}};
  if (r.ok) {
    r.detail = fmt::format("{} correct answers", fleet.totals.ok());
    return r;
  }
  std::string outcomes;
  for (std::size_t o = 0; o < kOutcomeCount; ++o) {
    std::uint64_t n = fleet.totals.by_outcome[o];
    if (n == 0) continue;
    outcomes += fmt::format("{}{} {}", outcomes.empty() ? "" : ", ", n,
                            outcome_name(static_cast<Outcome>(o)));
  }
  r.detail = fleet.totals.ops() == 0
                 ? fmt::format("fleet \"{}\" completed no operation during the load", fleet.name)
                 : fmt::format("fleet \"{}\" never got a correct answer: {} operations, {}",
                               fleet.name, fleet.totals.ops(), outcomes);
  return r;
}

InvariantResult check_target_alive(const std::string& target, bool exited_during_run,
                                   const std::string& exit_description, int restarts) {
  if (!exited_during_run) {
    return {Invariant::kTargetAlive,
            target,
            true,
            restarts == 0 ? "running for the whole load"
                          : fmt::format("running for the whole load, but for the nemesis's faults "
                                        "(started again {} time{})",
                                        restarts, restarts == 1 ? "" : "s"),
            {}};
  }
  return {Invariant::kTargetAlive,
          target,
          false,
          fmt::format("target \"{}\" {} during the run", target, exit_description),
          {}};
}

InvariantResult check_no_zombies(const std::string& target, int pid,
                                 const std::vector<int>& zombies) {
  if (zombies.empty()) {
    return {
        Invariant::kNoZombies, target, true, fmt::format("no zombie children of pid {}", pid), {}};
  }
  return {Invariant::kNoZombies,
          target,
          false,
          fmt::format("{} zombie (unreaped) children of pid {}: {}", zombies.size(), pid,
                      first_items(zombies)),
          {}};
}

}  // namespace drover
