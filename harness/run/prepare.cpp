// The run's first phase: what must hold, and be ready, before any target
// starts.
#include <algorithm>
#include <stdexcept>

#include "harness/run/run.hpp"
#include "harness/run/setup_steps.hpp"

namespace drover {

void Run::prepare() {
  // Partition tables a drover killed mid-partition left in a namespace
  // would cut that host off for good: every run as root removes them.
  for (const std::string& removed : remove_leftover_partitions()) notify_("partitions", removed);
  open_partitions();
  run_setup();
  hosts_.connect(scenario_, options_.run_dir, options_.targets_dir);
}

// Checked before any target starts: a partition that cannot work here
// fails the run at once. Its tables go when the run does, on every path.
void Run::open_partitions() {
  if (std::any_of(scenario_.faults.begin(), scenario_.faults.end(),
                  [](const FaultSpec& f) { return f.action == FaultSpec::Action::kPartition; })) {
    partitions_ = std::make_unique<Partitions>(scenario_);
  }
}

// Before anything is deployed or started; its hosts are disconnected again.
void Run::run_setup() {
  SetupOutcome setup = run_setup_steps(scenario_, options_.run_dir, notify_, options_.interrupt);
  result_.setup = std::move(setup.steps);
  if (!setup.failure) return;
  result_.interrupted = options_.interrupt && options_.interrupt->load();
  throw std::runtime_error(*setup.failure);
}

}  // namespace drover
