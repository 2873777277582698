#include "harness/checks/well_formed.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace drover {
namespace {

std::string who(const Event& e) {
  return fmt::format("client {} of fleet \"{}\"", e.client, e.fleet);
}

std::string what(const Event& e) {
  return fmt::format("{} \"{}\" of {}", event_type_name(e.type), e.f, who(e));
}

}  // namespace

WellFormedness::WellFormedness(const std::vector<CheckScope>& scopes) {
  std::set<std::string> load, final_states;
  for (const CheckScope& scope : scopes) {
    if (!scope.one_clock) one_clock_ = false;
    load.insert(scope.fleets.begin(), scope.fleets.end());
    final_states.insert("@" + scope.target);
  }
  fleets_.assign(load.begin(), load.end());
  load_fleets_ = fleets_.size();
  fleets_.insert(fleets_.end(), final_states.begin(), final_states.end());
}

void WellFormedness::observe(const Event& e, std::uint64_t line) {
  if (problem_) return;
  // A short list: a scan beats a tree, for every event of a long history.
  auto found = std::find(fleets_.begin(), fleets_.end(), e.fleet);
  if (found == fleets_.end()) return;
  const auto index = static_cast<std::size_t>(found - fleets_.begin());
  Stamp stamp{e.time_ns, line, {}};
  if (index < load_fleets_) {
    if (!last_load_ || e.time_ns > last_load_->time_ns) last_load_ = stamp;
  } else if (!first_final_ || e.time_ns < first_final_->time_ns) {
    stamp.what = fmt::format("{} \"{}\" of \"{}\"", event_type_name(e.type), e.f, e.fleet);
    first_final_ = std::move(stamp);
  }
  Client& c = clients_[(std::uint64_t{index} << 32) | e.client];
  if (e.f == "submit") {
    submit(c, e, line);
  } else if (e.type == EventType::kInvoke) {
    invoke(c, e, line);
  } else {
    complete(c, e, line);
  }
}

std::optional<std::string> WellFormedness::problem() const {
  if (problem_) return problem_;
  if (one_clock_ && first_final_ && last_load_ && first_final_->time_ns < last_load_->time_ns) {
    return fmt::format(
        "{}: malformed history: the final-state event {} is stamped t={} ns, in the middle of the "
        "load (whose "
        "events run to t={} ns, line {})",
        first_final_->line, first_final_->what, first_final_->time_ns, last_load_->time_ns,
        last_load_->line);
  }
  return std::nullopt;
}

void WellFormedness::invoke(Client& c, const Event& e, std::uint64_t line) {
  if (c.open || !c.tasks.empty()) {
    return flag(line,
                fmt::format("{} invokes \"{}\" while its \"{}\" of line {} is still open", who(e),
                            e.f, c.open ? c.f : "submit", c.open ? c.line : c.tasks.front().line));
  }
  c.open = true;
  c.f = e.f;
  c.time_ns = e.time_ns;
  c.line = line;
}

void WellFormedness::complete(Client& c, const Event& e, std::uint64_t line) {
  if (!c.open) return flag(line, fmt::format("{} with no invoke before it", what(e)));
  if (c.f != e.f) {
    return flag(line, fmt::format("{}, while the client's open operation is \"{}\" (line {})",
                                  what(e), c.f, c.line));
  }
  if (e.time_ns < c.time_ns) {
    return flag(line, fmt::format("{} is timed t={} ns, before its invoke at t={} ns (line {})",
                                  what(e), e.time_ns, c.time_ns, c.line));
  }
  c.open = false;
}

void WellFormedness::submit(Client& c, const Event& e, std::uint64_t line) {
  if (e.value.numbers.empty()) {
    return flag(line, fmt::format("{} has no task id", what(e)));
  }
  const std::int64_t task = e.value.numbers[0];
  auto open = std::find_if(c.tasks.begin(), c.tasks.end(),
                           [task](const OpenTask& t) { return t.task == task; });
  if (e.type == EventType::kInvoke) {
    if (c.open) {
      return flag(line,
                  fmt::format("{} invokes \"submit\" while its \"{}\" of line {} is still open",
                              who(e), c.f, c.line));
    }
    if (open != c.tasks.end()) {
      return flag(line, fmt::format("{} submits task {} again while it is open (line {})", who(e),
                                    task, open->line));
    }
    c.tasks.push_back({task, e.time_ns, line});
    return;
  }
  // An answer for no open task: the server's doing, for pool_complete.
  if (open == c.tasks.end()) return;
  if (e.time_ns < open->time_ns) {
    return flag(line, fmt::format("{} for task {} is timed t={} ns, before its invoke at t={} ns "
                                  "(line {})",
                                  what(e), task, e.time_ns, open->time_ns, open->line));
  }
  c.tasks.erase(open);
}

void WellFormedness::flag(std::uint64_t line, std::string what) {
  problem_ = fmt::format("{}: malformed history: {}", line, what);
}

}  // namespace drover
