#include "harness/cli/run_command.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <thread>

#include <fmt/format.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "harness/cli/run_folder.hpp"
#include "harness/cli/scenario_run.hpp"
#include "harness/core/duration.hpp"
#include "harness/core/exit_code.hpp"
#include "harness/core/expected.hpp"
#include "harness/metrics/metrics_listener.hpp"
#include "harness/metrics/push_gateway.hpp"
#include "harness/metrics/run_metrics.hpp"
#include "harness/scenario/parse.hpp"
#include "reports/sink.hpp"

namespace drover {

namespace fs = std::filesystem;

namespace {

// Each client holds a socket for the whole run; beyond them drover keeps a
// few dozen files of its own (run folder, logs, pipes to its targets).
constexpr rlim_t kOwnOpenFiles = 64;

// After the last run, --metrics-listen keeps serving the final figures this
// long, so a scraper (interval up to about 1 s) gets them before drover exits.
constexpr auto kFinalMetricsHold = std::chrono::seconds(2);

// A folder's scenario files in name order: its *.json files less JSON
// Schema documents (a top-level "$schema"), so that `drover run scenarios/`
// runs every scenario.
Expected<std::vector<std::string>, InputError> scenarios_in_folder(const std::string& folder) {
  std::error_code ec;
  std::vector<std::string> found;
  for (const auto& entry : fs::directory_iterator(folder, ec)) {
    if (entry.path().extension() != ".json" || !entry.is_regular_file()) continue;
    std::ifstream in(entry.path());
    auto doc = nlohmann::json::parse(in, nullptr, false);
    if (doc.is_object() && doc.contains("$schema")) continue;
    found.push_back(entry.path().string());
  }
  if (ec) return Unexpected<InputError>{{folder, "cannot read the folder: " + ec.message()}};
  if (found.empty()) return Unexpected<InputError>{{folder, "holds no scenario (*.json) files"}};
  std::sort(found.begin(), found.end());
  return found;
}

// The scenario files named on the command line, in order, a folder standing
// for its scenarios. A missing file is reported when it is read.
Expected<std::vector<std::string>, InputErrors> scenario_files(
    const std::vector<std::string>& given) {
  std::vector<std::string> files;
  InputErrors errors;
  for (const std::string& name : given) {
    std::error_code ec;
    if (!fs::is_directory(name, ec)) {
      files.push_back(name);
      continue;
    }
    auto in_folder = scenarios_in_folder(name);
    if (!in_folder) {
      errors.push_back(in_folder.error());
      continue;
    }
    files.insert(files.end(), in_folder->begin(), in_folder->end());
  }
  if (!errors.empty()) return Unexpected<InputErrors>{std::move(errors)};
  return files;
}

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

// One `drover run`: its steps are the methods, in the order execute() calls
// them.
class RunCommand {
 public:
  RunCommand(RunFlags flags, const std::atomic<bool>& interrupt, rlim_t open_file_limit)
      : flags_(std::move(flags)), interrupt_(interrupt), open_file_limit_(open_file_limit) {}

  int execute() {
    // Every scenario and flag is checked before the first run, and every
    // problem printed: bad input anywhere exits 2 with nothing started.
    auto files = scenario_files(flags_.files);
    if (!files) return report_input_errors(files.error());
    files_ = std::move(*files);
    const bool scenarios_ok = read_scenarios();
    const bool flags_ok = read_flags();
    if (!scenarios_ok || !flags_ok || !start_metrics()) return to_int(ExitCode::kBadInput);
    warn_without_history();
    run_each();
    hold_final_metrics();
    if (!write_combined_junit()) return to_int(ExitCode::kInfrastructure);
    if (bad_out_) return to_int(ExitCode::kBadInput);
    const ExitCode code = combined_exit_code(results_);
    if (several()) print_overview(code);
    return to_int(code);
  }

 private:
  bool several() const { return files_.size() > 1 || flags_.repeat > 1; }
  bool read_scenarios();
  bool read_flags();
  bool start_metrics();
  void warn_without_history() const;
  void run_each();
  bool run_repeats(const RunContext& context, std::size_t i, const std::string& out);
  void hold_final_metrics() const;
  std::string combined_junit_path() const;
  bool write_combined_junit() const;
  void print_overview(ExitCode code) const;

  RunFlags flags_;
  const std::atomic<bool>& interrupt_;
  rlim_t open_file_limit_;
  std::vector<std::string> files_;
  std::vector<Scenario> scenarios_;
  std::shared_ptr<RunCollector> collector_;
  std::unique_ptr<MetricsListener> listener_;
  std::vector<RunResult> results_;
  bool bad_out_ = false;  // --repeat's folder could not be made
};

bool RunCommand::read_scenarios() {
  bool ok = true;
  for (const std::string& file : files_) {
    ParsedScenario parsed = load_scenario(file, flags_.sets);
    if (!parsed) {
      for (InputError e : parsed.error()) {
        // Which file, unless the error names it already (unreadable, not JSON).
        if (several() && e.where.rfind(file, 0) != 0) {
          e.where = e.where.empty() ? file : file + ": " + e.where;
        }
        fmt::print(stderr, "error: {}\n", e.to_string());
      }
      ok = false;
      continue;
    }
    if (!enough_open_files(*parsed, open_file_limit_)) ok = false;
    scenarios_.push_back(std::move(*parsed));
  }
  return ok;
}

bool RunCommand::read_flags() {
  bool ok = true;
  if (!flags_.push_gateway.empty()) {
    if (auto url = check_push_gateway_url(flags_.push_gateway); !url) {
      fmt::print(stderr, "error: --push-gateway: {}\n", url.error());
      ok = false;
    }
  }
  if (!flags_.max_run_time_text.empty()) {
    flags_.max_run_time = parse_duration(flags_.max_run_time_text);
    if (!flags_.max_run_time || *flags_.max_run_time <= Duration::zero()) {
      fmt::print(stderr,
                 "error: --max-run-time: \"{}\" is not a duration above 0 (\"90s\", \"5m\")\n",
                 flags_.max_run_time_text);
      ok = false;
    }
  }
  return ok;
}

// The metrics port is bound before any target starts: a taken port is bad
// input, and nothing runs.
bool RunCommand::start_metrics() {
  if (flags_.metrics_listen.empty() && flags_.push_gateway.empty()) return true;
  collector_ = std::make_shared<RunCollector>(DROVER_VERSION);
  if (flags_.metrics_listen.empty()) return true;
  auto listening = MetricsListener::listen(flags_.metrics_listen, collector_);
  if (!listening) {
    fmt::print(stderr, "error: --metrics-listen: {}\n", listening.error());
    return false;
  }
  listener_ = std::move(*listening);
  return true;
}

void RunCommand::warn_without_history() const {
  if (!flags_.no_history) return;
  fmt::print(stderr,
             "warning: --no-history: no_oversell, exactly_once and pool_complete are "
             "not checked in this run\n");
}

// With several scenarios and --out DIR, each runs in DIR/<name> (a repeated
// name gets -2, -3, ...); with --repeat N, each run of it in
// <its folder>/repeat-1 ... repeat-N. An interrupted run ends the sequence.
void RunCommand::run_each() {
  const RunContext context{flags_, interrupt_, collector_};
  std::map<std::string, int> seen;
  for (std::size_t i = 0; i < scenarios_.size(); ++i) {
    std::string out = flags_.out;
    if (files_.size() > 1 && !out.empty()) {
      int n = ++seen[scenarios_[i].name];
      out += "/" + scenarios_[i].name + (n > 1 ? "-" + std::to_string(n) : "");
    }
    if (flags_.repeat > 1 && !run_repeats(context, i, out)) return;
    if (flags_.repeat <= 1) {
      results_.push_back(ScenarioRun(context, files_[i], scenarios_[i], out).execute());
    }
    if (!results_.empty() && results_.back().exit_code == ExitCode::kInterrupted) break;
  }
}

// false when the repeats' folder cannot be made, or a repeat was interrupted.
bool RunCommand::run_repeats(const RunContext& context, std::size_t i, const std::string& out) {
  std::string root;
  try {
    root = create_run_folder(out, scenarios_[i].name);
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: --out: {}\n", e.what());
    bad_out_ = true;
    return false;
  }
  for (int r = 1; r <= flags_.repeat; ++r) {
    std::string dir = fmt::format("{}/repeat-{}", root, r);
    results_.push_back(ScenarioRun(context, files_[i], scenarios_[i], dir).execute());
    if (results_.back().exit_code == ExitCode::kInterrupted) return false;
  }
  return true;
}

void RunCommand::hold_final_metrics() const {
  if (!listener_) return;
  auto until = std::chrono::steady_clock::now() + kFinalMetricsHold;
  while (!interrupt_.load() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

// --junit, or with several scenarios and --out DIR, DIR/junit.xml.
std::string RunCommand::combined_junit_path() const {
  if (!flags_.junit.empty()) return flags_.junit;
  return several() && !flags_.out.empty() ? flags_.out + "/junit.xml" : std::string();
}

bool RunCommand::write_combined_junit() const {
  const std::string junit = combined_junit_path();
  if (junit.empty()) return true;
  try {
    make_file_sink(junit, [this](const RunResult&) {
      return render_junit_xml(results_);
    })->write(results_.back());
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: --junit: {}\n", e.what());
    return false;
  }
  return true;
}

void RunCommand::print_overview(ExitCode code) const {
  fmt::print("\n{} {}:\n", results_.size(), files_.size() > 1 ? "scenarios" : "runs");
  for (const RunResult& r : results_) {
    fmt::print("  {:<7} {:<28} exit {:<3} {}\n", verdict_name(r.verdict), r.scenario,
               to_int(r.exit_code), r.run_dir);
  }
  if (results_.size() < scenarios_.size()) {
    fmt::print("  ({} not run: interrupted)\n", scenarios_.size() - results_.size());
  }
  const std::string junit = combined_junit_path();
  fmt::print("exit code {}{}\n", to_int(code), junit.empty() ? "" : "  junit " + junit);
}

}  // namespace

int report_input_errors(const InputErrors& errors) {
  for (const InputError& e : errors) fmt::print(stderr, "error: {}\n", e.to_string());
  return to_int(ExitCode::kBadInput);
}

int execute_run_command(RunFlags flags, const std::atomic<bool>& interrupt,
                        rlim_t open_file_limit) {
  return RunCommand(std::move(flags), interrupt, open_file_limit).execute();
}

CLI::App* add_run_command(CLI::App& app, RunFlags& flags) {
  auto* run = app.add_subcommand("run",
                                 "Run a scenario: start its targets, drive its fleets, "
                                 "check it, and write a run folder");
  run->add_option("files", flags.files,
                  "Scenario files (JSON), or folders of them, run one after another")
      ->required();
  run->add_option("--out", flags.out,
                  "Run folder to write (default: runs/<scenario>/<UTC time>); with several "
                  "scenarios, each runs in <out>/<scenario> and <out>/junit.xml holds all");
  run->add_option("--junit", flags.junit,
                  "Also write every scenario's results into this one JUnit file");
  run->add_option("--set", flags.sets,
                  "Override one scenario value: key.path=value or /json/pointer=value");
  run->add_flag("--quiet,-q", flags.quiet, "No progress while running");
  run->add_option("--progress", flags.progress,
                  "auto: lines per fleet on stderr (in place on a terminal); json: one JSON "
                  "object per line every second, for programs")
      ->check(CLI::IsMember({"auto", "json"}));
  run->add_option("--threads", flags.threads,
                  "Load threads (default: one per core less one per target on this machine, "
                  "those drover starts here and address targets on loopback; at least 1)")
      ->check(CLI::Range(1, 256));
  run->add_flag("--busy-poll", flags.busy_poll,
                "Load threads never sleep: each polls for replies and due arrivals without "
                "pause, as sockperf does, and takes a whole core; no wake-up adds to latency "
                "(fleets on SSH hosts wait as usual)");
  run->add_option("--seed", flags.seed,
                  "Seed of all randomness (payloads, task sizes); printed in every summary, "
                  "so a run can be repeated (default: a fresh one)");
  run->add_option("--metrics-listen", flags.metrics_listen,
                  "Serve Prometheus metrics on http://HOST:PORT/metrics during the run "
                  "(e.g. 127.0.0.1:9464); kept up 2 s after the last run");
  run->add_option("--push-gateway", flags.push_gateway,
                  "Push metrics to this Prometheus Pushgateway (e.g. http://127.0.0.1:9091) "
                  "every 5 s and at the end, as job drover, grouped by scenario and run");
  run->add_option("--max-run-time", flags.max_run_time_text,
                  "Stop each run after this long, as an infrastructure failure (exit 3); "
                  "default: its load, targets' timeouts and 2 min of room");
  run->add_option("--repeat", flags.repeat,
                  "Run each scenario N times, into <out>/repeat-1 ... repeat-N (for drover "
                  "compare); the exit code is the worst run's")
      ->check(CLI::Range(1, 1000));
  run->add_flag("--no-history", flags.no_history,
                "Record no history.jsonl (to measure its cost); history invariants are then "
                "not checked");
  return run;
}

}  // namespace drover
