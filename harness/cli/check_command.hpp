// `drover check RUN_DIR`: re-runs a run's history invariants offline, from
// the run folder alone, and gives the verdict again. A history that holds
// fewer operations than summary.json counted, or the folder of a run that
// never finished (no summary.json), leaves them unknown, never a pass.
#pragma once

#include <string>
#include <vector>

namespace drover {

// Prints the re-checked run and whether it agrees with the live verdict;
// returns the verdict's exit code (2 when the folder is not a run folder
// drover can read).
int check_run_folder(const std::string& run_dir);

// What `drover check` needs later, saved when a run starts: the scenario
// text as read and the --set overrides applied to it.
void save_run_inputs(const std::string& run_dir, const std::string& scenario_file,
                     const std::vector<std::string>& overrides);

}  // namespace drover
