// `drover report RUN_DIR`: renders the run folder's report.html again from
// its summary.json (and the logs beside it), e.g. after a drover upgrade.
#pragma once

#include <string>

namespace drover {

// Returns drover's exit code: 0 when report.html was written, 2 when the
// folder has no readable summary.json, 3 when report.html cannot be written.
int report_run_folder(const std::string& run_dir);

}  // namespace drover
