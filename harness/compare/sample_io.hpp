// Loading what `drover compare` compares, and the baseline file.
//
// - A run folder (drover run --out DIR): summary.json (the scenario, its
//   fleets and ops, their totals, the run's per-second series),
//   scenario.json (the load model) and latency-seconds.hlog (each second's
//   latency histogram per fleet/op).
// - A folder of repeats (drover run --repeat N): repeat-1 ... repeat-N, each
//   a run folder.
// - A baseline file (drover compare --save-baseline): one JSON file holding
//   what compare needs of one or more runs, to keep in a repository:
//   {"drover_baseline": 1, "scenario", "load_model", "runs": [{"source",
//   "duration_s", "ops": [{"fleet", "op", "seconds": [{"ops", "errors",
//   "latency": HdrHistogram V2 compressed histogram, base64}]}]}]}.
#pragma once

#include <string>

#include "harness/compare/run_sample.hpp"
#include "harness/core/expected.hpp"

namespace drover {

// One run folder; the error names the folder and what is missing or wrong.
Expected<RunSample> load_run_folder(const std::string& dir);

// A run folder, a folder of repeats or a baseline file, whichever path is.
Expected<Sample> load_sample(const std::string& path);

// Writes sample as a baseline file (through a temporary file, renamed).
Expected<void> save_baseline(const Sample& sample, const std::string& file);

}  // namespace drover
