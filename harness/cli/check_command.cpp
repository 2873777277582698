#include "harness/cli/check_command.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness/checks/history_checks.hpp"
#include "harness/checks/verdict.hpp"
#include "harness/core/exit_code.hpp"
#include "harness/run/runner.hpp"
#include "harness/scenario/parse.hpp"
#include "reports/sink.hpp"

namespace drover {

namespace fs = std::filesystem;

void save_run_inputs(const std::string& run_dir, const std::string& scenario_file,
                     const std::vector<std::string>& overrides) {
  fs::copy_file(scenario_file, fs::path(run_dir) / "scenario.json",
                fs::copy_options::overwrite_existing);
  nlohmann::json inputs{{"scenario_file", fs::absolute(scenario_file).string()},
                        {"overrides", overrides}};
  std::ofstream(fs::path(run_dir) / "inputs.json") << inputs.dump(2) << '\n';
}

int check_run_folder(const std::string& run_dir) {
  auto fail = [](const std::string& message) {
    fmt::print(stderr, "error: {}\n", message);
    return to_int(ExitCode::kBadInput);
  };
  fs::path dir(run_dir);
  std::vector<std::string> overrides;
  try {
    std::ifstream in(dir / "inputs.json");
    if (!in) return fail(fmt::format("{}: not a run folder (no inputs.json)", run_dir));
    overrides = nlohmann::json::parse(in).at("overrides").get<std::vector<std::string>>();
  } catch (const std::exception& e) {
    return fail(fmt::format("{}/inputs.json: {}", run_dir, e.what()));
  }
  ParsedScenario parsed = load_scenario((dir / "scenario.json").string(), overrides);
  if (!parsed) {
    for (const auto& e : parsed.error()) fmt::print(stderr, "error: {}\n", e.to_string());
    return to_int(ExitCode::kBadInput);
  }
  std::string error;
  auto live = read_summary_json((dir / "summary.json").string());
  if (!live) return fail(live.error());

  RunResult run = *live;
  run.run_dir = fs::absolute(dir).string();
  run.invariants.clear();
  for (const InvariantResult& i : live->invariants) {
    // Facts observed during the run (a zombie, a dead target) are kept as
    // recorded; what the history decides is decided again.
    if (!is_history_invariant(i.invariant)) run.invariants.push_back(i);
  }
  if (fs::exists(dir / "history.jsonl")) {
    auto results = check_history(*parsed, (dir / "history.jsonl").string());
    if (!results) return fail(results.error());
    run.invariants.insert(run.invariants.end(), results->begin(), results->end());
  } else {
    for (const auto& c : parsed->checks) {
      if (is_history_invariant(c.invariant)) {
        return fail(fmt::format("{}: no history.jsonl to check {} against", run_dir,
                                invariant_name(c.invariant)));
      }
    }
  }
  judge_run(run);
  make_console_sink(stdout, isatty(STDOUT_FILENO) != 0)->write(run);
  bool agrees = run.verdict == live->verdict;
  fmt::print("{} the live verdict ({})\n", agrees ? "agrees with" : "DIFFERS from",
             verdict_name(live->verdict));
  return to_int(run.exit_code);
}

}  // namespace drover
