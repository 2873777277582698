// One scenario of a `drover run`, run into its run folder: the folder made
// and the scenario saved in it, the run itself (progress, watchdog, live
// metrics), then its reports (summary.json, junit.xml, report.html) and the
// console summary. A folder that cannot be made or a report that cannot be
// written ends up in the result's errors and exit code, not as an
// exception. Not thread-safe.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "harness/cli/run_command.hpp"
#include "harness/core/expected.hpp"
#include "harness/run/runner.hpp"
#include "harness/scenario/scenario.hpp"

namespace drover {

class RunCollector;
class MetricsPusher;
class ProgressPrinter;
class Watchdog;

// What every run of one `drover run` shares.
struct RunContext {
  const RunFlags& flags;
  const std::atomic<bool>& interrupt;
  // Where --metrics-listen and --push-gateway read the figures (null:
  // neither is on).
  std::shared_ptr<RunCollector> collector;
};

class ScenarioRun {
 public:
  // file: the scenario file as given; out: --out for this scenario (empty:
  // runs/<scenario>/<UTC time>).
  ScenarioRun(const RunContext& context, std::string file, const Scenario& scenario,
              std::string out);

  // The run's result; its exit code is worsened to 3 if a report could not
  // be written, and is 2 if the run folder could not be made.
  RunResult execute();

 private:
  Expected<void, RunResult> make_folder();
  RunResult not_run(const std::string& why, ExitCode code) const;
  RunOptions run_options(const Watchdog& watchdog, ProgressPrinter& progress) const;
  std::unique_ptr<MetricsPusher> make_pusher(ProgressPrinter& progress) const;
  void publish_final(const RunResult& result, MetricsPusher* pusher) const;
  void write_reports(RunResult& result) const;

  const RunContext& context_;
  std::string file_;
  const Scenario& scenario_;
  std::string out_;
  std::string run_dir_;  // once made
};

}  // namespace drover
