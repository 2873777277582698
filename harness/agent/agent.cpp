#include "harness/agent/agent.hpp"

#include <signal.h>
#include <time.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "harness/agent/agent_recording.hpp"
#include "harness/agent/job.hpp"
#include "harness/core/exit_code.hpp"
#include "harness/drivers/driver.hpp"
#include "harness/drivers/queue_producers.hpp"
#include "harness/history/history_log.hpp"
#include "harness/load/load_model.hpp"
#include "harness/load/load_run.hpp"

namespace drover {
namespace {

constexpr auto kTick = std::chrono::milliseconds(50);
// How often the agent prints its figures so far, for drover's live view.
constexpr auto kFiguresInterval = std::chrono::seconds(1);

int fail(ExitCode code, const std::string& message) {
  fmt::print(stderr, "drover-agent: {}\n", message);
  return to_int(code);
}

sigset_t agent_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGUSR1, SIGUSR2, SIGTERM, SIGINT, SIGHUP}) sigaddset(&set, sig);
  return set;
}

// The next of the agent's signals within wait, or 0.
int next_signal(const sigset_t& set, Duration wait) {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(wait).count();
  if (ns < 0) ns = 0;
  timespec ts{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
  int sig = sigtimedwait(&set, nullptr, &ts);
  return sig < 0 ? 0 : sig;
}

bool write_file(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::path part = path;
  part += ".part";
  {
    std::ofstream out(part, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) return false;
  }
  std::error_code ec;
  std::filesystem::rename(part, path, ec);
  return !ec;
}

}  // namespace

int run_agent(const std::string& job_path, const std::string& out_dir) {
  // Before any thread exists, so load and history threads inherit the mask
  // and the signals wait for sigtimedwait below.
  const sigset_t signals = agent_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  AgentJob job;
  {
    std::ifstream in(job_path, std::ios::binary);
    if (!in) return fail(ExitCode::kBadInput, fmt::format("cannot read the job {}", job_path));
    std::stringstream text;
    text << in.rdbuf();
    try {
      job = job_from_json(text.str());
    } catch (const std::exception& e) {
      return fail(ExitCode::kBadInput, fmt::format("{}: {}", job_path, e.what()));
    }
  }
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) {
    return fail(ExitCode::kInfrastructure,
                fmt::format("cannot make {}: {}", out_dir, ec.message()));
  }

  // A consumer drains only once no producer of its target runs: the
  // producers elsewhere count as one until drover says they are done.
  QueueProducers producers;
  bool producers_elsewhere = job.producers_elsewhere_for > Duration::zero();
  if (producers_elsewhere) producers.started();
  DriverPtr driver;
  try {
    driver = make_driver(job.fleet, job.protocol, job.address, producers);
  } catch (const std::exception& e) {
    return fail(ExitCode::kBadInput, fmt::format("fleet \"{}\": {}", job.fleet.name, e.what()));
  }
  const std::vector<std::string> op_names = driver->op_names();
  std::unique_ptr<HistoryLog> history;
  if (job.record_history && driver->records_history()) {
    try {
      history = std::make_unique<HistoryLog>(out_dir + "/history.jsonl");
    } catch (const std::exception& e) {
      return fail(ExitCode::kInfrastructure, e.what());
    }
  }
  std::vector<FleetPlan> plans;
  plans.push_back({&job.fleet, std::move(driver), 0, job.first_client, job.first_index});
  LoadModelPtr model = make_load_model(job.load);
  const std::size_t threads = job.threads ? job.threads : std::thread::hardware_concurrency();
  LoadRun load(std::move(plans), *model, op_names.size(), threads, history.get(), job.seed);

  fmt::print("READY {} clients of fleet \"{}\" against {}\n", job.fleet.clients, job.fleet.name,
             job.address);
  std::fflush(stdout);
  const TimePoint ready_at = Clock::now();
  for (;;) {
    Duration left = ready_at + job.go_timeout - Clock::now();
    if (left <= Duration::zero()) {
      return fail(ExitCode::kInfrastructure,
                  fmt::format("no go from drover within {:.0f} s of READY; giving up",
                              to_seconds(job.go_timeout)));
    }
    int sig = next_signal(signals, std::min<Duration>(left, kTick));
    if (sig == SIGUSR1) break;
    if (sig != 0) {
      return fail(ExitCode::kInfrastructure,
                  fmt::format("stopped by signal {} before the load started", sig));
    }
  }

  const TimePoint go = Clock::now();
  load.start();
  AgentRecording out;
  out.op_names = op_names;
  out.go_to_start = load.load_start() - go;
  TimePoint next_figures = go + kFiguresInterval;
  while (!load.finished()) {
    if (Clock::now() >= next_figures) {
      next_figures += kFiguresInterval;
      AgentRecording so_far;
      so_far.op_names = op_names;
      so_far.recording = load.snapshot();
      so_far.load_duration = Clock::now() - load.load_start();
      so_far.go_to_start = out.go_to_start;
      fmt::print("FIGURES {}", recording_to_json(so_far));
      std::fflush(stdout);
    }
    int sig = next_signal(signals, kTick);
    // drover's word that the producers elsewhere are done: sooner than the
    // job's conservative time.
    if (sig == SIGUSR2 && producers_elsewhere) {
      producers_elsewhere = false;
      producers.ended();
    }
    if (sig == SIGTERM || sig == SIGINT || sig == SIGHUP) {
      out.stopped_early = true;
      load.stop();
    }
    if (producers_elsewhere && Clock::now() >= go + job.producers_elsewhere_for) {
      producers_elsewhere = false;
      producers.ended();
    }
    if (!out.stopped_early && Clock::now() >= go + job.bound) {
      fmt::print(stderr, "drover-agent: the load passed its bound of {:.0f} s; stopping it\n",
                 to_seconds(job.bound));
      out.stopped_early = true;
      load.stop();
    }
  }
  out.recording = load.finish();
  out.load_duration = load.load_end() - load.load_start();
  if (history) {
    history->close();
    out.history_events = history->events_written();
  }
  if (!write_file(std::filesystem::path(out_dir) / "recording.json", recording_to_json(out))) {
    return fail(ExitCode::kInfrastructure, fmt::format("cannot write {}/recording.json", out_dir));
  }
  std::uint64_t ops = 0;
  for (const SlotRecording& s : out.recording.slots) ops += s.totals.ops();
  fmt::print("DONE {} operations in {:.3f} s\n", ops, to_seconds(out.load_duration));
  std::fflush(stdout);
  return to_int(ExitCode::kPass);
}

}  // namespace drover
