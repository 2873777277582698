#include "harness/agent/agent.hpp"

#include <signal.h>
#include <time.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
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
#include "harness/load/load_threads.hpp"

namespace drover {
namespace {

constexpr auto kTick = std::chrono::milliseconds(50);
// How often the agent prints its figures so far, for drover's live view.
constexpr auto kFiguresInterval = std::chrono::seconds(1);
// What the agent's messages are about, in its log.
constexpr const char* kSource = "drover-agent";

// Why the agent gives up, and the exit code that tells drover which kind of
// failure it was.
class AgentFailure : public std::runtime_error {
 public:
  AgentFailure(ExitCode code, const std::string& message)
      : std::runtime_error(message), code_(code) {}
  ExitCode code() const { return code_; }

 private:
  ExitCode code_;
};

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

// One line of the conversation with drover, on stdout, at once.
void say(const std::string& line) {
  std::fputs(line.c_str(), stdout);
  std::fflush(stdout);
}

AgentJob read_job(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw AgentFailure(ExitCode::kBadInput, fmt::format("cannot read the job {}", path));
  std::stringstream text;
  text << in.rdbuf();
  try {
    return job_from_json(text.str());
  } catch (const std::exception& e) {
    throw AgentFailure(ExitCode::kBadInput, fmt::format("{}: {}", path, e.what()));
  }
}

// One job, from its clients set up to the recording written: the agent's
// steps in the order they run, each throwing AgentFailure.
class AgentRun {
 public:
  AgentRun(AgentJob job, std::string out_dir, const sigset_t& signals, const Notify& log)
      : job_(std::move(job)), out_dir_(std::move(out_dir)), signals_(signals), log_(log) {}

  void open_clients();
  void await_go();
  void drive();
  void write_recording();

 private:
  void print_figures();
  void stop_early() {
    out_.stopped_early = true;
    load_->stop();
  }
  void end_producers_elsewhere() {
    if (!producers_elsewhere_) return;
    producers_elsewhere_ = false;
    producers_.ended();
  }

  AgentJob job_;
  std::string out_dir_;
  const sigset_t& signals_;
  const Notify& log_;
  // A consumer drains only once no producer of its target runs: the
  // producers elsewhere count as one until drover says they are done.
  QueueProducers producers_;
  bool producers_elsewhere_ = false;
  std::vector<std::string> op_names_;
  std::unique_ptr<HistoryLog> history_;
  LoadModelPtr model_;
  std::unique_ptr<LoadRun> load_;  // uses everything above: declared last, gone first
  TimePoint go_{};
  AgentRecording out_;
};

void AgentRun::open_clients() {
  std::error_code ec;
  std::filesystem::create_directories(out_dir_, ec);
  if (ec) {
    throw AgentFailure(ExitCode::kInfrastructure,
                       fmt::format("cannot make {}: {}", out_dir_, ec.message()));
  }
  producers_elsewhere_ = job_.producers_elsewhere_for > Duration::zero();
  if (producers_elsewhere_) producers_.started();
  DriverPtr driver;
  try {
    driver = make_driver(job_.fleet, job_.protocol, job_.address, producers_);
  } catch (const std::exception& e) {
    throw AgentFailure(ExitCode::kBadInput,
                       fmt::format("fleet \"{}\": {}", job_.fleet.name, e.what()));
  }
  op_names_ = driver->op_names();
  if (job_.record_history && driver->records_history()) {
    try {
      history_ = std::make_unique<HistoryLog>(out_dir_ + "/history.jsonl");
    } catch (const std::exception& e) {
      throw AgentFailure(ExitCode::kInfrastructure, e.what());
    }
  }
  std::vector<FleetPlan> plans;
  plans.push_back({&job_.fleet, std::move(driver), 0, job_.first_client, job_.first_index});
  model_ = make_load_model(job_.load);
  LoadThreads threads;
  threads.count =
      job_.threads ? job_.threads
                   : default_load_threads(std::thread::hardware_concurrency(), job_.local_targets);
  load_ = std::make_unique<LoadRun>(std::move(plans), *model_, op_names_.size(), threads,
                                    history_.get(), job_.seed);
}

void AgentRun::await_go() {
  say(fmt::format("READY {} clients of fleet \"{}\" against {}\n", job_.fleet.clients,
                  job_.fleet.name, job_.address));
  const TimePoint ready_at = Clock::now();
  for (;;) {
    Duration left = ready_at + job_.go_timeout - Clock::now();
    if (left <= Duration::zero()) {
      throw AgentFailure(ExitCode::kInfrastructure,
                         fmt::format("no go from drover within {:.0f} s of READY; giving up",
                                     to_seconds(job_.go_timeout)));
    }
    int sig = next_signal(signals_, std::min<Duration>(left, kTick));
    if (sig == SIGUSR1) return;
    if (sig != 0) {
      throw AgentFailure(ExitCode::kInfrastructure,
                         fmt::format("stopped by signal {} before the load started", sig));
    }
  }
}

void AgentRun::drive() {
  go_ = Clock::now();
  load_->start();
  out_.op_names = op_names_;
  out_.go_to_start = load_->load_start() - go_;
  TimePoint next_figures = go_ + kFiguresInterval;
  while (!load_->finished()) {
    if (Clock::now() >= next_figures) {
      next_figures += kFiguresInterval;
      print_figures();
    }
    int sig = next_signal(signals_, kTick);
    // drover's word that the producers elsewhere are done: sooner than the
    // job's conservative time.
    if (sig == SIGUSR2) end_producers_elsewhere();
    if (sig == SIGTERM || sig == SIGINT || sig == SIGHUP) stop_early();
    if (Clock::now() >= go_ + job_.producers_elsewhere_for) end_producers_elsewhere();
    if (!out_.stopped_early && Clock::now() >= go_ + job_.bound) {
      notify(log_, kSource,
             fmt::format("the load passed its bound of {:.0f} s; stopping it",
                         to_seconds(job_.bound)));
      stop_early();
    }
  }
  out_.recording = load_->finish();
  out_.load_duration = load_->load_end() - load_->load_start();
  if (history_) {
    history_->close();
    out_.history_events = history_->events_written();
  }
}

void AgentRun::print_figures() {
  AgentRecording so_far;
  so_far.op_names = op_names_;
  so_far.recording = load_->snapshot();
  so_far.load_duration = Clock::now() - load_->load_start();
  so_far.go_to_start = out_.go_to_start;
  say(fmt::format("FIGURES {}", recording_to_json(so_far)));
}

void AgentRun::write_recording() {
  if (!write_file(std::filesystem::path(out_dir_) / "recording.json", recording_to_json(out_))) {
    throw AgentFailure(ExitCode::kInfrastructure,
                       fmt::format("cannot write {}/recording.json", out_dir_));
  }
  std::uint64_t ops = 0;
  for (const SlotRecording& s : out_.recording.slots) ops += s.totals.ops();
  say(fmt::format("DONE {} operations in {:.3f} s\n", ops, to_seconds(out_.load_duration)));
}

}  // namespace

int run_agent(const std::string& job_path, const std::string& out_dir, const Notify& log) {
  // Before any thread exists, so load and history threads inherit the mask
  // and the signals wait for sigtimedwait.
  const sigset_t signals = agent_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  try {
    AgentRun agent(read_job(job_path), out_dir, signals, log);
    agent.open_clients();
    agent.await_go();
    agent.drive();
    agent.write_recording();
  } catch (const AgentFailure& failure) {
    notify(log, kSource, failure.what());
    return to_int(failure.code());
  }
  return to_int(ExitCode::kPass);
}

}  // namespace drover
