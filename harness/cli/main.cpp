// drover: the command line. Each subcommand parses its flags, calls one
// stage, and maps the outcome to an exit code; nothing else lives here.
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "harness/cli/check_command.hpp"
#include "harness/cli/progress.hpp"
#include "harness/cli/report_command.hpp"
#include "harness/cli/run_folder.hpp"
#include "harness/cli/schema_command.hpp"
#include "harness/cli/signals.hpp"
#include "harness/cli/watchdog.hpp"
#include "harness/core/duration.hpp"
#include "harness/core/exit_code.hpp"
#include "harness/core/open_files.hpp"
#include "harness/metrics/metrics_listener.hpp"
#include "harness/metrics/push_gateway.hpp"
#include "harness/run/runner.hpp"
#include "harness/scenario/parse.hpp"
#include "harness/scenario/reference_targets.hpp"
#include "reports/sink.hpp"

namespace drover {
namespace {

int report_input_errors(const InputErrors& errors) {
  for (const InputError& e : errors) fmt::print(stderr, "error: {}\n", e.to_string());
  return to_int(ExitCode::kBadInput);
}

// What drover finds next to its own executable: $env_var when set, else
// <drover's folder>/<name> (just <name> when that folder is unknown).
std::string beside_drover(const char* env_var, const char* name) {
  if (const char* path = std::getenv(env_var)) return path;
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? name : (exe.parent_path() / name).string();
}

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

// Each client holds a socket for the whole run; beyond them drover keeps a
// few dozen files of its own (run folder, logs, pipes to its targets).
constexpr rlim_t kOwnOpenFiles = 64;

// A run whose clients cannot all have a socket is refused before anything
// starts (exit 2): run anyway, it would report the machine's limit as the
// target's connect errors.
bool enough_open_files(const Scenario& s, rlim_t limit) {
  rlim_t clients = 0;
  for (const auto& f : s.fleets) clients += static_cast<rlim_t>(f.clients);
  if (limit == RLIM_INFINITY || clients + kOwnOpenFiles <= limit) return true;
  fmt::print(stderr,
             "error: /fleets: {} clients need about {} open files, but RLIMIT_NOFILE allows "
             "{} (the soft limit raised to the hard limit): raise the hard limit (ulimit -Hn, "
             "systemd LimitNOFILE=, /etc/security/limits.conf) or run fewer clients\n",
             clients, clients + kOwnOpenFiles, limit);
  return false;
}

struct RunFlags {
  std::vector<std::string> files;  // scenario files and folders of them
  std::string out;
  std::string junit;
  std::vector<std::string> sets;
  bool quiet = false;
  std::string progress = "auto";
  bool no_history = false;
  std::optional<std::uint64_t> seed;
  std::size_t threads = 0;
  std::string metrics_listen;            // HOST:PORT, empty: off
  std::string push_gateway;              // URL, empty: off
  std::string max_run_time_text;         // --max-run-time as given
  std::optional<Duration> max_run_time;  // parsed; unset: run_time_bound()
};

// After the last run, --metrics-listen keeps serving the final figures this
// long, so a scraper (interval up to about 1 s) gets them before drover exits.
constexpr auto kFinalMetricsHold = std::chrono::seconds(2);
// --push-gateway: how often during a run, and how long a push may take.
constexpr auto kPushInterval = std::chrono::seconds(5);
constexpr auto kPushDeadline = std::chrono::seconds(5);
// Once the watchdog has asked a run to stop, how long it may take to check,
// report and stop its targets before drover exits regardless.
constexpr auto kWatchdogGrace = std::chrono::seconds(30);

// The scenario files named on the command line, in order: a folder stands
// for its *.json files in name order, less JSON Schema documents (a
// top-level "$schema"), so that `drover run scenarios/` runs every scenario.
std::vector<std::string> scenario_files(const std::vector<std::string>& given,
                                        InputErrors& errors) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  for (const std::string& name : given) {
    std::error_code ec;
    if (!fs::is_directory(name, ec)) {
      files.push_back(name);  // a missing file is reported when it is read
      continue;
    }
    std::vector<std::string> found;
    for (const auto& entry : fs::directory_iterator(name, ec)) {
      if (entry.path().extension() != ".json" || !entry.is_regular_file()) continue;
      std::ifstream in(entry.path());
      auto doc = nlohmann::json::parse(in, nullptr, false);
      if (doc.is_object() && doc.contains("$schema")) continue;
      found.push_back(entry.path().string());
    }
    if (ec) errors.push_back({name, "cannot read the folder: " + ec.message()});
    if (found.empty() && !ec) errors.push_back({name, "holds no scenario (*.json) files"});
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

// One scenario, run into its folder; the result carries the exit code,
// worsened to 3 if a report could not be written.
// collector: where --metrics-listen and --push-gateway read the figures
// (null: neither is on).
RunResult run_one(const RunFlags& flags, const std::string& file, const Scenario& scenario,
                  const std::string& out, const std::atomic<bool>& interrupt,
                  const std::shared_ptr<RunCollector>& collector) {
  RunResult failed;
  failed.scenario = scenario.name;
  failed.scenario_file = scenario.file;
  failed.verdict = Verdict::kError;
  failed.exit_code = ExitCode::kInfrastructure;
  std::string run_dir;
  try {
    run_dir = create_run_folder(out, scenario.name);
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: --out: {}\n", e.what());
    failed.errors.push_back(e.what());
    failed.exit_code = ExitCode::kBadInput;
    return failed;
  }
  try {
    save_run_inputs(run_dir, file, flags.sets);
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: cannot save the scenario in {}: {}\n", run_dir, e.what());
    failed.run_dir = run_dir;
    failed.errors.push_back(e.what());
    return failed;
  }

  RunOptions options;
  options.run_dir = run_dir;
  options.targets_dir = beside_drover("DROVER_TARGETS_DIR", "targets");
  // drover-agent, uploaded to the hosts that run fleets.
  options.agent_path = beside_drover("DROVER_AGENT", "drover-agent");
  options.threads = flags.threads;
  options.interrupt = &interrupt;
  Watchdog watchdog(flags.max_run_time ? *flags.max_run_time : run_time_bound(scenario),
                    kWatchdogGrace, "scenario " + scenario.name);
  options.overrun = &watchdog.fired();
  options.record_history = !flags.no_history;
  options.seed = flags.seed ? *flags.seed : std::random_device{}() | 1;
  ProgressPrinter progress(
      stderr, scenario.name,
      flags.progress == "json" ? ProgressPrinter::Style::kJson : ProgressPrinter::Style::kAuto);
  options.on_warning = [&progress](const Warning& w) { progress.warning(w); };
  if (!flags.quiet) {
    options.progress_interval = progress.interval();
    options.on_progress = [&progress](const LiveStatus& s) { progress.update(s); };
  }
  std::unique_ptr<MetricsPusher> pusher;
  if (collector) {
    options.on_figures = [&collector](const RunResult& so_far) { collector->publish(so_far); };
    if (!flags.push_gateway.empty()) {
      PushTarget target{flags.push_gateway, scenario.name,
                        std::filesystem::path(run_dir).filename().string()};
      pusher = std::make_unique<MetricsPusher>(
          target, collector, kPushInterval, kPushDeadline,
          [&progress](const std::string& source, const std::string& message) {
            progress.warning(Warning{0, source, message});
          });
    }
  }
  RunResult result = run_scenario(scenario, options);
  progress.finish();
  if (collector) collector->publish(result);
  if (pusher) {
    if (auto pushed = pusher->push_final(); !pushed) {
      fmt::print(stderr, "warning: --push-gateway {}: final figures not pushed: {}\n",
                 flags.push_gateway, pushed.error());
    }
  }

  SinkPtr files[] = {make_summary_json_sink(run_dir + "/summary.json"),
                     make_junit_xml_sink(run_dir + "/junit.xml"),
                     make_report_html_sink(run_dir + "/report.html")};
  for (SinkPtr& sink : files) {
    try {
      sink->write(result);
    } catch (const std::exception& e) {
      fmt::print(stderr, "error: {}\n", e.what());
      if (result.exit_code == ExitCode::kPass) result.exit_code = ExitCode::kInfrastructure;
    }
  }
  make_console_sink(stdout, isatty(STDOUT_FILENO) != 0)->write(result);
  return result;
}

// Several runs give one exit code, the first of these that any run had:
// 130 (the user stopped them), 2 (an --out folder could not be made), 3 (a
// run could not be carried out), 1 (a run failed); else 0.
ExitCode combined_exit_code(const std::vector<RunResult>& results) {
  for (ExitCode code : {ExitCode::kInterrupted, ExitCode::kBadInput, ExitCode::kInfrastructure,
                        ExitCode::kFailed}) {
    for (const RunResult& r : results) {
      if (r.exit_code == code) return code;
    }
  }
  return ExitCode::kPass;
}

int run(RunFlags flags, const std::atomic<bool>& interrupt, rlim_t open_file_limit) {
  // Every scenario is read and checked before the first one runs: bad
  // input anywhere exits 2 with nothing started.
  InputErrors errors;
  std::vector<std::string> files = scenario_files(flags.files, errors);
  if (!errors.empty()) return report_input_errors(errors);
  const bool several = files.size() > 1;
  std::vector<Scenario> scenarios;
  bool bad = false;
  for (const std::string& file : files) {
    ParsedScenario parsed = load_scenario(file, flags.sets);
    if (!parsed) {
      for (InputError e : parsed.error()) {
        // Which file, unless the error names it already (unreadable, not JSON).
        if (several && e.where.rfind(file, 0) != 0) {
          e.where = e.where.empty() ? file : file + ": " + e.where;
        }
        fmt::print(stderr, "error: {}\n", e.to_string());
      }
      bad = true;
      continue;
    }
    if (!enough_open_files(*parsed, open_file_limit)) bad = true;
    scenarios.push_back(std::move(*parsed));
  }
  if (!flags.push_gateway.empty()) {
    if (auto url = check_push_gateway_url(flags.push_gateway); !url) {
      fmt::print(stderr, "error: --push-gateway: {}\n", url.error());
      bad = true;
    }
  }
  if (!flags.max_run_time_text.empty()) {
    flags.max_run_time = parse_duration(flags.max_run_time_text);
    if (!flags.max_run_time || *flags.max_run_time <= Duration::zero()) {
      fmt::print(stderr,
                 "error: --max-run-time: \"{}\" is not a duration above 0 (\"90s\", \"5m\")\n",
                 flags.max_run_time_text);
      bad = true;
    }
  }
  if (bad) return to_int(ExitCode::kBadInput);
  // The metrics port is bound before any target starts: a taken port is
  // bad input, and nothing runs.
  std::shared_ptr<RunCollector> collector;
  std::unique_ptr<MetricsListener> listener;
  if (!flags.metrics_listen.empty() || !flags.push_gateway.empty()) {
    collector = std::make_shared<RunCollector>(DROVER_VERSION);
  }
  if (!flags.metrics_listen.empty()) {
    auto listening = MetricsListener::listen(flags.metrics_listen, collector);
    if (!listening) {
      fmt::print(stderr, "error: --metrics-listen: {}\n", listening.error());
      return to_int(ExitCode::kBadInput);
    }
    listener = std::move(*listening);
  }
  if (flags.no_history) {
    fmt::print(stderr,
               "warning: --no-history: no_oversell, exactly_once and pool_complete are "
               "not checked in this run\n");
  }

  // With several scenarios and --out DIR, each runs in DIR/<name> (a
  // repeated name gets -2, -3, ...) and DIR/junit.xml holds them all.
  std::vector<RunResult> results;
  std::map<std::string, int> seen;
  for (std::size_t i = 0; i < scenarios.size(); ++i) {
    std::string out = flags.out;
    if (several && !out.empty()) {
      int n = ++seen[scenarios[i].name];
      out += "/" + scenarios[i].name + (n > 1 ? "-" + std::to_string(n) : "");
    }
    results.push_back(run_one(flags, files[i], scenarios[i], out, interrupt, collector));
    if (results.back().exit_code == ExitCode::kInterrupted) break;
  }
  if (listener) {
    auto until = std::chrono::steady_clock::now() + kFinalMetricsHold;
    while (!interrupt.load() && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  std::string junit = flags.junit;
  if (junit.empty() && several && !flags.out.empty()) junit = flags.out + "/junit.xml";
  if (!junit.empty()) {
    try {
      make_file_sink(junit, [&results](const RunResult&) {
        return render_junit_xml(results);
      })->write(results.back());
    } catch (const std::exception& e) {
      fmt::print(stderr, "error: --junit: {}\n", e.what());
      return to_int(ExitCode::kInfrastructure);
    }
  }
  ExitCode code = combined_exit_code(results);
  if (several) {
    fmt::print("\n{} scenarios:\n", results.size());
    for (const RunResult& r : results) {
      fmt::print("  {:<5} {:<28} exit {:<3} {}\n", verdict_name(r.verdict), r.scenario,
                 to_int(r.exit_code), r.run_dir);
    }
    if (results.size() < scenarios.size()) {
      fmt::print("  ({} not run: interrupted)\n", scenarios.size() - results.size());
    }
    fmt::print("exit code {}{}\n", to_int(code), junit.empty() ? "" : "  junit " + junit);
  }
  return to_int(code);
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
  auto* run_cmd = app.add_subcommand("run",
                                     "Run a scenario: start its targets, drive its fleets, "
                                     "check it, and write a run folder");
  run_cmd
      ->add_option("files", run_flags.files,
                   "Scenario files (JSON), or folders of them, run one after another")
      ->required();
  run_cmd->add_option("--out", run_flags.out,
                      "Run folder to write (default: runs/<scenario>/<UTC time>); with several "
                      "scenarios, each runs in <out>/<scenario> and <out>/junit.xml holds all");
  run_cmd->add_option("--junit", run_flags.junit,
                      "Also write every scenario's results into this one JUnit file");
  run_cmd->add_option("--set", run_flags.sets,
                      "Override one scenario value: key.path=value or /json/pointer=value");
  run_cmd->add_flag("--quiet,-q", run_flags.quiet, "No progress while running");
  run_cmd
      ->add_option("--progress", run_flags.progress,
                   "auto: lines per fleet on stderr (in place on a terminal); json: one JSON "
                   "object per line every second, for programs")
      ->check(CLI::IsMember({"auto", "json"}));
  run_cmd->add_option("--threads", run_flags.threads, "Load threads (default: one per core)")
      ->check(CLI::Range(1, 256));
  run_cmd->add_option("--seed", run_flags.seed,
                      "Seed of all randomness (payloads, task sizes); printed in every summary, "
                      "so a run can be repeated (default: a fresh one)");
  run_cmd->add_option("--metrics-listen", run_flags.metrics_listen,
                      "Serve Prometheus metrics on http://HOST:PORT/metrics during the run "
                      "(e.g. 127.0.0.1:9464); kept up 2 s after the last run");
  run_cmd->add_option("--push-gateway", run_flags.push_gateway,
                      "Push metrics to this Prometheus Pushgateway (e.g. http://127.0.0.1:9091) "
                      "every 5 s and at the end, as job drover, grouped by scenario and run");
  run_cmd->add_option("--max-run-time", run_flags.max_run_time_text,
                      "Stop each run after this long, as an infrastructure failure (exit 3); "
                      "default: its load, targets' timeouts and 2 min of room");
  run_cmd->add_flag("--no-history", run_flags.no_history,
                    "Record no history.jsonl (to measure its cost); history invariants are then "
                    "not checked");

  std::string validate_file;
  std::vector<std::string> validate_sets;
  auto* validate_cmd =
      app.add_subcommand("validate", "Check a scenario file and report every problem");
  validate_cmd->add_option("file", validate_file, "Scenario file (JSON)")->required();
  validate_cmd->add_option("--set", validate_sets, "Override one scenario value, as for run");

  std::string check_dir;
  auto* check_cmd = app.add_subcommand(
      "check", "Re-run a finished run's invariants offline on its saved history");
  check_cmd->add_option("run_dir", check_dir, "Run folder written by drover run")->required();

  std::string report_dir;
  auto* report_cmd = app.add_subcommand(
      "report", "Render a finished run's report.html again from its summary.json");
  report_cmd->add_option("run_dir", report_dir, "Run folder written by drover run")->required();

  auto* targets_cmd = app.add_subcommand("targets", "List the reference targets drover ships");
  SchemaCommand schema_cmd(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : to_int(ExitCode::kBadInput);
  }
  if (targets_cmd->parsed()) return list_targets();
  if (schema_cmd.chosen()) return schema_cmd.run();
  if (validate_cmd->parsed()) return validate(validate_file, validate_sets);
  if (check_cmd->parsed()) return check_run_folder(check_dir);
  if (report_cmd->parsed()) return report_run_folder(report_dir);
  if (run_cmd->parsed()) return drover::run(run_flags, signals.interrupted(), open_file_limit);
  return to_int(ExitCode::kBadInput);
}
