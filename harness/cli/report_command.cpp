#include "harness/cli/report_command.hpp"

#include <filesystem>

#include <fmt/format.h>

#include "harness/core/exit_code.hpp"
#include "reports/sink.hpp"

namespace drover {

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
