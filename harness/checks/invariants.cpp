#include "harness/checks/invariants.hpp"

#include <fmt/format.h>

#include "harness/checks/listing.hpp"

namespace drover {

InvariantResult check_replies_correct(const FleetResult& fleet) {
  InvariantResult r{"replies_correct", fleet.name, true, "", {}};
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

InvariantResult check_target_alive(const std::string& target, bool exited_during_run,
                                   const std::string& exit_description, int restarts) {
  if (!exited_during_run) {
    return {"target_alive",
            target,
            true,
            restarts == 0 ? "running for the whole load"
                          : fmt::format("running for the whole load, but for the nemesis's faults "
                                        "(started again {} time{})",
                                        restarts, restarts == 1 ? "" : "s"),
            {}};
  }
  return {"target_alive",
          target,
          false,
          fmt::format("target \"{}\" {} during the run", target, exit_description),
          {}};
}

InvariantResult check_no_zombies(const std::string& target, int pid,
                                 const std::vector<int>& zombies) {
  if (zombies.empty()) {
    return {"no_zombies", target, true, fmt::format("no zombie children of pid {}", pid), {}};
  }
  return {"no_zombies",
          target,
          false,
          fmt::format("{} zombie (unreaped) children of pid {}: {}", zombies.size(), pid,
                      first_items(zombies)),
          {}};
}

}  // namespace drover
