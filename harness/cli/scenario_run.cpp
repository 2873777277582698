#include "harness/cli/scenario_run.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>

#include <fmt/format.h>

#include "harness/cli/check_command.hpp"
#include "harness/cli/program_paths.hpp"
#include "harness/cli/progress.hpp"
#include "harness/cli/run_folder.hpp"
#include "harness/cli/watchdog.hpp"
#include "harness/core/exit_code.hpp"
#include "harness/metrics/push_gateway.hpp"
#include "harness/metrics/run_metrics.hpp"
#include "reports/sink.hpp"

namespace drover {

namespace {

// --push-gateway: how often during a run, and how long a push may take.
constexpr auto kPushInterval = std::chrono::seconds(5);
constexpr auto kPushDeadline = std::chrono::seconds(5);
// Once the watchdog has asked a run to stop, how long it may take to check,
// report and stop its targets before drover exits regardless.
constexpr auto kWatchdogGrace = std::chrono::seconds(30);

}  // namespace

ScenarioRun::ScenarioRun(const RunContext& context, std::string file, const Scenario& scenario,
                         std::string out)
    : context_(context), file_(std::move(file)), scenario_(scenario), out_(std::move(out)) {}

RunResult ScenarioRun::execute() {
  if (auto made = make_folder(); !made) return made.take_error();
  Watchdog watchdog(
      context_.flags.max_run_time ? *context_.flags.max_run_time : run_time_bound(scenario_),
      kWatchdogGrace, "scenario " + scenario_.name);
  ProgressPrinter progress(stderr, scenario_.name,
                           context_.flags.progress == "json" ? ProgressPrinter::Style::kJson
                                                             : ProgressPrinter::Style::kAuto);
  const RunOptions options = run_options(watchdog, progress);
  std::unique_ptr<MetricsPusher> pusher = make_pusher(progress);
  RunResult result = run_scenario(scenario_, options);
  progress.finish();
  publish_final(result, pusher.get());
  write_reports(result);
  return result;
}

// The run folder, with what `drover check` needs saved in it: a folder --out
// cannot make is bad input (2); a scenario that cannot be saved there, an
// infrastructure failure (3).
Expected<void, RunResult> ScenarioRun::make_folder() {
  try {
    run_dir_ = create_run_folder(out_, scenario_.name);
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: --out: {}\n", e.what());
    return Unexpected<RunResult>{not_run(e.what(), ExitCode::kBadInput)};
  }
  try {
    save_run_inputs(run_dir_, file_, context_.flags.sets);
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: cannot save the scenario in {}: {}\n", run_dir_, e.what());
    return Unexpected<RunResult>{not_run(e.what(), ExitCode::kInfrastructure)};
  }
  return {};
}

RunResult ScenarioRun::not_run(const std::string& why, ExitCode code) const {
  RunResult failed;
  failed.scenario = scenario_.name;
  failed.scenario_file = scenario_.file;
  failed.run_dir = run_dir_;
  failed.verdict = Verdict::kError;
  failed.exit_code = code;
  failed.errors.push_back(why);
  return failed;
}

RunOptions ScenarioRun::run_options(const Watchdog& watchdog, ProgressPrinter& progress) const {
  const RunFlags& flags = context_.flags;
  RunOptions options;
  options.run_dir = run_dir_;
  const ProgramPaths programs = find_programs();
  options.targets_dir = programs.targets_dir;
  options.agent_path = programs.agent_path;
  options.threads = flags.threads;
  options.busy_poll = flags.busy_poll;
  options.interrupt = &context_.interrupt;
  options.overrun = &watchdog.fired();
  options.record_history = !flags.no_history;
  options.seed = flags.seed ? *flags.seed : std::random_device{}() | 1;
  options.on_warning = [&progress](const Warning& w) { progress.warning(w); };
  if (!flags.quiet) {
    options.progress_interval = progress.interval();
    options.on_progress = [&progress](const LiveStatus& s) { progress.update(s); };
  }
  if (context_.collector) {
    options.on_figures = [collector = context_.collector](const RunResult& so_far) {
      collector->publish(so_far);
    };
  }
  return options;
}

// Pushes that fail during the run are warnings, shown with the progress.
std::unique_ptr<MetricsPusher> ScenarioRun::make_pusher(ProgressPrinter& progress) const {
  if (!context_.collector || context_.flags.push_gateway.empty()) return nullptr;
  PushTarget target{context_.flags.push_gateway, scenario_.name,
                    std::filesystem::path(run_dir_).filename().string()};
  return std::make_unique<MetricsPusher>(
      target, context_.collector, kPushInterval, kPushDeadline,
      [&progress](const std::string& source, const std::string& message) {
        progress.warning(Warning{0, source, message});
      });
}

// The final figures, with the invariants, for --metrics-listen and
// --push-gateway; a push that fails is a warning, never a failed run.
void ScenarioRun::publish_final(const RunResult& result, MetricsPusher* pusher) const {
  if (context_.collector) context_.collector->publish(result);
  if (pusher == nullptr) return;
  if (auto pushed = pusher->push_final(); !pushed) {
    fmt::print(stderr, "warning: --push-gateway {}: final figures not pushed: {}\n",
               without_user_info(context_.flags.push_gateway), pushed.error());
  }
}

void ScenarioRun::write_reports(RunResult& result) const {
  SinkPtr files[] = {make_summary_json_sink(run_dir_ + "/summary.json"),
                     make_junit_xml_sink(run_dir_ + "/junit.xml"),
                     make_report_html_sink(run_dir_ + "/report.html")};
  for (SinkPtr& sink : files) {
    try {
      sink->write(result);
    } catch (const std::exception& e) {
      fmt::print(stderr, "error: {}\n", e.what());
      if (result.exit_code == ExitCode::kPass) result.exit_code = ExitCode::kInfrastructure;
    }
  }
  make_console_sink(stdout, isatty(STDOUT_FILENO) != 0)->write(result);
}

}  // namespace drover
