// The run's second phase: the targets, here or on their hosts, and the
// fault proxies between them and their fleets.
#include <filesystem>

#include "harness/run/run.hpp"

namespace drover {
namespace {

// A reference target works in its own folder of the run folder (where
// ticket_db keeps its file), not in the scenario's folder.
TargetSpec with_work_folder(const TargetSpec& spec, const std::string& run_dir) {
  TargetSpec copy = spec;
  if (spec.source == TargetSpec::Source::kReference) {
    copy.cwd = run_dir + "/work/" + spec.name;
    std::filesystem::create_directories(copy.cwd);
  }
  return copy;
}

}  // namespace

void Run::start_targets() {
  for (const TargetSpec& target : scenario_.targets) {
    if (const TargetPlacement* on = hosts_.placement(target)) {
      supervisor_.start(hosts_.as_started(target), on);
    } else {
      supervisor_.start(with_work_folder(target, options_.run_dir));
    }
  }
  // Between the targets that network faults name and their fleets.
  proxies_ = std::make_unique<FaultProxies>(scenario_, supervisor_, options_.seed);
}

}  // namespace drover
