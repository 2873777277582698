#include "harness/run/runner.hpp"

#include <exception>

#include "harness/run/run.hpp"

namespace drover {
namespace {

RunResult fresh_result(const Scenario& scenario, const RunOptions& options) {
  RunResult run;
  run.scenario = scenario.name;
  run.scenario_file = scenario.file;
  run.expect = scenario.expect;
  run.run_dir = options.run_dir;
  run.started_at = std::chrono::system_clock::now();
  run.seed = options.seed;
  return run;
}

SupervisorOptions supervisor_options(const RunOptions& options, Notify notify) {
  SupervisorOptions supervisor;
  supervisor.run_dir = options.run_dir;
  supervisor.targets_dir = options.targets_dir;
  supervisor.env = options.env;
  if (supervisor.env.empty()) supervisor.env = {{"DROVER_RUN_DIR", options.run_dir}};
  supervisor.notify = std::move(notify);
  return supervisor;
}

}  // namespace

Run::Run(const Scenario& scenario, const RunOptions& options)
    : scenario_(scenario),
      options_(options),
      result_(fresh_result(scenario, options)),
      warnings_(result_.started_at, options.on_warning),
      notify_(warnings_.notify()),
      host_(make_local_host(secret_variables(scenario))),
      hosts_(notify_),
      supervisor_(*host_, supervisor_options(options, notify_)) {}

Run::~Run() = default;

RunResult run_scenario(const Scenario& scenario, const RunOptions& options) {
  Run run(scenario, options);
  try {
    run.prepare();
    run.start_targets();
    run.plan_fleets();
    run.drive();
    run.collect();
    run.judge();
  } catch (const std::exception& e) {
    run.fail(e.what());
  }
  return run.stop();
}

}  // namespace drover
