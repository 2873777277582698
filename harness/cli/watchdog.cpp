#include "harness/cli/watchdog.hpp"

#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

#include "harness/core/duration.hpp"
#include "harness/core/exit_cleanup.hpp"
#include "harness/core/exit_code.hpp"
#include "harness/load/load_model.hpp"

namespace drover {
namespace {

// Checks over tens of millions of operations take seconds; writing the
// reports, stopping the targets and the draining clients' own bound
// (30 s in LoadRun) fit in this with room to spare.
constexpr Duration kRoom = std::chrono::seconds(120);
// SshHostSpec's login_timeout: the handshake and authentication.
constexpr Duration kLogin = std::chrono::seconds(20);

}  // namespace

Duration run_time_bound(const Scenario& scenario) {
  Duration bound = longest_load(scenario.load) + kRoom;
  for (const TargetSpec& t : scenario.targets) bound += t.ready.timeout + t.stop_grace;
  // Setup steps, each within its timeout, after connecting to its host
  // (the TCP connect, then the SSH layer's bound on the login).
  std::vector<std::string> connected;
  for (const SetupStepSpec& step : scenario.setup) {
    bound += step.timeout;
    const RemoteHostSpec* host = scenario.find_host(step.host);
    if (host == nullptr ||
        std::find(connected.begin(), connected.end(), host->name) != connected.end())
      continue;
    connected.push_back(host->name);
    bound += host->connect_timeout + kLogin;
  }
  Duration longest_op{};
  for (const FleetSpec& f : scenario.fleets) longest_op = std::max(longest_op, f.longest_timeout());
  // The last operations, then the final queries, each within a timeout.
  return bound + 2 * longest_op;
}

Watchdog::Watchdog(Duration bound, Duration grace, std::string what)
    : bound_(bound), grace_(grace), what_(std::move(what)), start_(Clock::now()) {
  thread_ = std::thread([this] { watch(); });
}

Watchdog::~Watchdog() {
  {
    std::lock_guard lock(mutex_);
    done_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void Watchdog::watch() {
  std::unique_lock lock(mutex_);
  if (wake_.wait_until(lock, start_ + bound_, [this] { return done_; })) return;
  fmt::print(stderr, "\ndrover: {} has run for {}, its bound: stopping it (the watchdog)\n", what_,
             format_duration(bound_));
  fired_.store(true);
  if (wake_.wait_until(lock, start_ + bound_ + grace_, [this] { return done_; })) return;
  fmt::print(stderr, "drover: {} did not stop within {} more; exiting now\n", what_,
             format_duration(grace_));
  std::fflush(stderr);
  run_exit_cleanups();
  ::_exit(to_int(ExitCode::kInfrastructure));
}

}  // namespace drover
