// `drover check RUN_DIR`: re-runs a finished run's history invariants
// offline, from the run folder alone, and gives the verdict again.
#pragma once

#include <string>
#include <vector>

namespace drover {

// Returns drover's exit code for the re-checked run (2 when the folder is
// not a run folder drover can read).
int check_run_folder(const std::string& run_dir);

// What `drover check` needs later, saved when a run starts: the scenario
// text as read and the --set overrides applied to it.
void save_run_inputs(const std::string& run_dir, const std::string& scenario_file,
                     const std::vector<std::string>& overrides);

}  // namespace drover
