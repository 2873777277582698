#include "harness/cli/report_command.hpp"

#include <filesystem>

#include <fmt/format.h>

#include "harness/core/exit_code.hpp"
#include "harness/measure/hdr_log.hpp"
#include "harness/measure/latency_summary.hpp"
#include "harness/measure/seconds_log.hpp"
#include "reports/sink.hpp"

namespace drover {

namespace {

// Each op's latency by percentile, from the run folder's latency-run.hlog
// (nothing when the folder has none, as a run made before it had).
Expected<std::vector<OpDistribution>> op_distributions(const std::filesystem::path& dir) {
  std::vector<OpDistribution> out;
  const std::filesystem::path log = dir / std::string(kRunLogFile);
  if (!std::filesystem::exists(log)) return out;
  auto reader = IntervalLogReader::open(log.string());
  if (!reader) return unexpected(reader.error());
  for (;;) {
    auto next = reader->next();
    if (!next) return unexpected(next.error());
    if (!*next) return out;
    if ((*next)->tag.find('/') == std::string::npos) continue;  // a fleet's
    out.push_back({(*next)->tag, percentile_points((*next)->histogram)});
  }
}

}  // namespace

int report_run_folder(const std::string& run_dir) {
  namespace fs = std::filesystem;
  fs::path dir(run_dir);
  Expected<RunResult> run = read_summary_json((dir / "summary.json").string());
  if (!run) {
    fmt::print(stderr, "error: {} is not a run folder drover can report on: {}\n", run_dir,
               run.error());
    return to_int(ExitCode::kBadInput);
  }
  run->run_dir = run_dir;
  auto ops = op_distributions(dir);
  if (!ops) {
    fmt::print(stderr, "error: {}\n", ops.error());
    return to_int(ExitCode::kBadInput);
  }
  run->op_distributions = std::move(*ops);
  std::string path = (dir / "report.html").string();
  try {
    make_report_html_sink(path)->write(*run);
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return to_int(ExitCode::kInfrastructure);
  }
  fmt::print("{}\n", path);
  return to_int(ExitCode::kPass);
}

}  // namespace drover
