// drover: the command line. Each subcommand parses its flags, calls one
// stage, and maps the outcome to an exit code; nothing else lives here.
#include <string>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "harness/cli/check_command.hpp"
#include "harness/cli/compare_command.hpp"
#include "harness/cli/report_command.hpp"
#include "harness/cli/run_command.hpp"
#include "harness/cli/schema_command.hpp"
#include "harness/cli/signals.hpp"
#include "harness/core/duration.hpp"
#include "harness/core/exit_code.hpp"
#include "harness/core/open_files.hpp"
#include "harness/scenario/parse.hpp"
#include "harness/scenario/reference_targets.hpp"

namespace drover {
namespace {

int list_targets() {
  for (const auto& t : reference_targets()) {
    fmt::print("{:<16} {:<8} {}\n", t.kind, protocol_name(t.protocol), t.summary);
  }
  return to_int(ExitCode::kPass);
}

int validate(const std::string& file, const std::vector<std::string>& sets) {
  ParsedScenario parsed = load_scenario(file, sets);
  if (!parsed) return report_input_errors(parsed.error());
  const Scenario& s = *parsed;
  int clients = 0;
  for (const auto& f : s.fleets) clients += f.clients;
  const char* model = s.load.model == LoadSpec::Model::kClosed   ? "closed"
                      : s.load.model == LoadSpec::Model::kOpen   ? "open"
                      : s.load.model == LoadSpec::Model::kStages ? "stages"
                                                                 : "capacity";
  fmt::print("{}: ok ({} targets, {} fleets, {} clients, {} load for {})\n", file, s.targets.size(),
             s.fleets.size(), clients, model, format_duration(s.load.duration));
  return to_int(ExitCode::kPass);
}

// The subcommands other than run, and what they were given.
struct OtherCommands {
  CLI::App* validate = nullptr;
  std::string validate_file;
  std::vector<std::string> validate_sets;
  CLI::App* check = nullptr;
  std::string check_dir;
  CLI::App* report = nullptr;
  std::string report_dir;
  CLI::App* targets = nullptr;
};

void add_other_commands(CLI::App& app, OtherCommands& c) {
  c.validate = app.add_subcommand("validate", "Check a scenario file and report every problem");
  c.validate->add_option("file", c.validate_file, "Scenario file (JSON)")->required();
  c.validate->add_option("--set", c.validate_sets, "Override one scenario value, as for run");

  c.check = app.add_subcommand("check",
                               "Re-run a finished run's invariants offline on its saved history");
  c.check->add_option("run_dir", c.check_dir, "Run folder written by drover run")->required();

  c.report = app.add_subcommand("report",
                                "Render a finished run's report.html again from its summary.json");
  c.report->add_option("run_dir", c.report_dir, "Run folder written by drover run")->required();

  c.targets = app.add_subcommand("targets", "List the reference targets drover ships");
}

}  // namespace
}  // namespace drover

int main(int argc, char** argv) {
  using namespace drover;
  // Before any thread exists, so every thread inherits the blocked mask and
  // only the watcher receives SIGINT/SIGTERM.
  SignalWatcher signals;
  const rlim_t open_file_limit = raise_open_file_limit();

  CLI::App app{"drover: drive fleets of clients against servers and check they stay correct"};
  app.require_subcommand(1);
  app.set_version_flag("--version", DROVER_VERSION);
  RunFlags run_flags;
  CLI::App* run = add_run_command(app, run_flags);
  OtherCommands other;
  add_other_commands(app, other);
  SchemaCommand schema(app);
  CompareCommands compare(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : to_int(ExitCode::kBadInput);
  }
  if (other.targets->parsed()) return list_targets();
  if (schema.chosen()) return schema.run();
  if (compare.chosen()) return compare.run();
  if (other.validate->parsed()) return validate(other.validate_file, other.validate_sets);
  if (other.check->parsed()) return check_run_folder(other.check_dir);
  if (other.report->parsed()) return report_run_folder(other.report_dir);
  if (run->parsed()) return execute_run_command(run_flags, signals.interrupted(), open_file_limit);
  return to_int(ExitCode::kBadInput);
}
