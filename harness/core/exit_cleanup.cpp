#include "harness/core/exit_cleanup.hpp"

#include <algorithm>
#include <mutex>
#include <utility>
#include <vector>

namespace drover {
namespace {

struct Registry {
  std::mutex mutex;  // guards next_id and actions
  std::uint64_t next_id = 1;
  std::vector<std::pair<std::uint64_t, std::function<void()>>> actions;  // oldest first
  std::mutex running;  // held by whoever runs the actions
};

Registry& registry() {
  // Never destroyed: a detached thread (the signal watcher) may call into
  // it while exit() runs static destructors.
  static Registry* const instance = new Registry;
  return *instance;
}

}  // namespace

ExitCleanup::ExitCleanup(std::function<void()> action) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  id_ = r.next_id++;
  r.actions.emplace_back(id_, std::move(action));
}

ExitCleanup::~ExitCleanup() {
  unregister();
}

ExitCleanup::ExitCleanup(ExitCleanup&& other) noexcept : id_(std::exchange(other.id_, 0)) {}

ExitCleanup& ExitCleanup::operator=(ExitCleanup&& other) noexcept {
  if (this != &other) {
    unregister();
    id_ = std::exchange(other.id_, 0);
  }
  return *this;
}

void ExitCleanup::unregister() noexcept {
  if (id_ == 0) return;
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  auto& actions = r.actions;
  actions.erase(std::remove_if(actions.begin(), actions.end(),
                               [this](const auto& entry) { return entry.first == id_; }),
                actions.end());
  id_ = 0;
}

void run_exit_cleanups() {
  Registry& r = registry();
  std::lock_guard running(r.running);
  std::vector<std::pair<std::uint64_t, std::function<void()>>> taken;
  {
    std::lock_guard lock(r.mutex);
    taken.swap(r.actions);
  }
  // Not under r.mutex: an action may run for seconds (a program), and
  // owners must still be able to unregister meanwhile.
  for (auto it = taken.rbegin(); it != taken.rend(); ++it) {
    try {
      it->second();
    } catch (...) {
      // The others still run: the process is about to end either way.
    }
  }
}

}  // namespace drover
