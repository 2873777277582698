#include "harness/checks/invariants.hpp"

#include <fmt/format.h>

namespace drover {
namespace {

// Offending items are listed, but only the first few: a detail stays readable.
constexpr std::size_t kListed = 10;

std::string first_items(const std::vector<int>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < kListed; ++i) {
    out += (i ? ", " : "") + std::to_string(items[i]);
  }
  if (items.size() > kListed) out += fmt::format(", ... ({} more)", items.size() - kListed);
  return out;
}

}  // namespace

InvariantResult check_replies_correct(const FleetResult& fleet) {
  InvariantResult r{"replies_correct", fleet.name, true, ""};
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
                                   const std::string& exit_description) {
  if (!exited_during_run) return {"target_alive", target, true, "running for the whole load"};
  return {"target_alive", target, false,
          fmt::format("target \"{}\" {} during the run", target, exit_description)};
}

InvariantResult check_no_zombies(const std::string& target, int pid,
                                 const std::vector<int>& zombies) {
  if (zombies.empty()) {
    return {"no_zombies", target, true, fmt::format("no zombie children of pid {}", pid)};
  }
  return {"no_zombies", target, false,
          fmt::format("{} zombie (unreaped) children of pid {}: {}", zombies.size(), pid,
                      first_items(zombies))};
}

}  // namespace drover
