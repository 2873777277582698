// The run's fourth phase: the load, here and on hosts, watched until it
// ends, a target dies, the user interrupts or a threshold aborts it.
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "harness/checks/thresholds.hpp"
#include "harness/faults/nemesis.hpp"
#include "harness/load/load_model.hpp"
#include "harness/load/load_threads.hpp"
#include "harness/run/run.hpp"

namespace drover {
namespace {

constexpr auto kWatchInterval = std::chrono::milliseconds(20);
constexpr auto kAbortCheckInterval = std::chrono::seconds(1);

}  // namespace

// One load phase as it is watched: the load, its faults, and when each
// periodic report was last made.
struct Run::Watch {
  Watch(LoadRun& load, Nemesis* nemesis, Duration planned)
      : load(load),
        nemesis(nemesis),
        planned(planned),
        last_progress(load.load_start()),
        last_figures(load.load_start()),
        last_abort_check(load.load_start()) {}

  LoadRun& load;
  Nemesis* nemesis;  // null: the scenario has no faults
  Duration planned;
  TimePoint last_progress;
  TimePoint last_figures;
  TimePoint last_abort_check;
  std::uint64_t last_ops = 0;
  std::vector<std::uint64_t> last_fleet_ops;
  bool overran = false;
  // This tick's figures so far: one snapshot serves both the progress
  // display and the exporters.
  std::optional<RunResult> so_far;
};

void Run::drive() {
  if (scenario_.load.model == LoadSpec::Model::kCapacity) {
    search_capacity();
    return;
  }
  LoadPhase phase = run_load(scenario_.load, std::move(first_plans_), options_.seed);
  recording_ = std::move(phase.recording);
  load_duration_ = phase.took;
}

// One load phase; clients are closed and gone when it returns, so forking
// targets can reap.
Run::LoadPhase Run::run_load(const LoadSpec& spec, std::vector<FleetPlan> plans,
                             std::uint64_t seed) {
  LoadModelPtr model = make_load_model(spec);
  LoadThreads threads;
  threads.count = options_.threads ? options_.threads
                                   : default_load_threads(std::thread::hardware_concurrency(),
                                                          local_targets(scenario_));
  threads.busy_poll = options_.busy_poll;
  LoadRun load(std::move(plans), *model, slot_count_, threads, history_.get(), seed);
  load.start();
  remote_fleets_->go(load.load_start(), producers_);
  if (load_start_ == TimePoint{}) {
    load_start_ = load.load_start();
    open_seconds_log();
  }
  std::optional<Nemesis> nemesis;
  if (!scenario_.faults.empty()) {
    nemesis.emplace(scenario_, supervisor_, proxies_.get(), partitions_.get(),
                    history_ ? &history_->new_buffer() : nullptr, load.load_start());
  }
  Watch w(load, nemesis ? &*nemesis : nullptr, model->planned_duration());
  watch(w);
  if (nemesis) {
    nemesis->finish(Clock::now());
    result_.faults = nemesis->records();
    nemesis_errors_ = nemesis->errors();
  }
  LoadPhase phase;
  phase.cut_short = load.stopping();
  phase.recording = load.finish();
  RemoteRecording remote = remote_fleets_->collect(slots_, history_.get());
  append_recording(phase.recording, remote.merged, 0);
  seconds_->add_all(phase.recording.seconds, second_offset_);
  phase.recording.seconds.clear();
  shares_ = std::move(remote.shares);
  phase.took =
      std::max<Duration>(load.load_end() - load.load_start(), remote_fleets_->longest_load());
  return phase;
}

void Run::watch(Watch& w) {
  // The agents' load stops with the local one, whatever stopped that.
  // Both asked every time: the agents' ends release local consumers.
  for (;;) {
    const bool remote_done = remote_fleets_->finished();
    if (w.load.finished() && remote_done) return;
    if (w.load.stopping()) remote_fleets_->stop();
    std::this_thread::sleep_for(kWatchInterval);
    if (w.nemesis) w.nemesis->tick(Clock::now());
    stop_load_when_due(w);
    const TimePoint now = Clock::now();
    take_seconds(w.load, now);
    if (!result_.aborted && now - w.last_abort_check >= kAbortCheckInterval) {
      w.last_abort_check = now;
      abort_on_threshold(w);
    }
    w.so_far.reset();
    if (options_.on_figures && now - w.last_figures >= options_.figures_interval)
      publish_figures(w, now);
    if (options_.on_progress && now - w.last_progress >= options_.progress_interval)
      show_progress(w, now);
  }
}

void Run::stop_load_when_due(Watch& w) {
  // The load means nothing once a target is gone: stop it, and let the
  // target_alive invariant report what happened. (An exit the nemesis
  // caused is not reported here.)
  if (!supervisor_.poll_exits().empty()) w.load.stop();
  // Nor without a host's share of the fleets.
  if (remote_fleets_->failed()) w.load.stop();
  if (options_.interrupt && options_.interrupt->load()) {
    result_.interrupted = true;
    w.load.stop();
  }
  // A "once" file with no row left ends the load: its operations can no
  // longer be sent (each that found none ended data_exhausted).
  for (const DataSourcePtr& file : data_) {
    if (!file->ran_out()) continue;
    w.load.stop();
    if (data_ran_out_) continue;  // said once, though every later step stops too
    data_ran_out_ = true;
    result_.errors.push_back(fmt::format(
        "data file \"{}\" ran out of rows: each of its {} rows was used once (\"order\": "
        "\"once\"); give it more rows or use a shorter load",
        file->name(), file->table().rows()));
  }
  if (options_.overrun && options_.overrun->load() && !w.overran) {
    w.overran = true;
    result_.errors.push_back("stopped by the watchdog: the run passed its time bound");
    w.load.stop();
  }
}

// The thresholds with abort_on_fail, judged on the figures so far: the
// first that fails (once its delay_abort_eval has passed) is kept in
// aborts_ and the load stopped.
void Run::abort_on_threshold(Watch& w) {
  Duration elapsed = Clock::now() - w.load.load_start();
  std::vector<ThresholdSpec> due;
  for (const ThresholdSpec& t : scenario_.thresholds) {
    if (t.abort_on_fail && elapsed >= t.delay_abort_eval) due.push_back(t);
  }
  if (auto failing = windows_->failing_abort(elapsed)) {
    abort_with(w, *windows_->worst(*failing), elapsed);
    return;
  }
  if (due.empty()) return;
  RunResult so_far;
  fill_figures(so_far, live_recording(w.load), slots_, elapsed);
  for (ThresholdResult& r : evaluate_thresholds(due, so_far)) {
    if (r.ok) continue;
    abort_with(w, r, elapsed);
    return;
  }
}

void Run::abort_with(Watch& w, ThresholdResult r, Duration elapsed) {
  r.aborted = true;
  r.aborted_at_s = to_seconds(elapsed);
  r.aborted_value = r.value;
  aborts_.push_back(r);
  result_.aborted = true;
  w.load.stop();
}

// The figures so far of the fleets here and, a second old at most, of those
// agents run on hosts.
Recording Run::live_recording(LoadRun& load) const {
  Recording so_far = load.snapshot();
  remote_fleets_->add_live(so_far.slots, slots_);
  return so_far;
}

const RunResult& Run::figures_now(Watch& w, TimePoint now) {
  if (!w.so_far) {
    w.so_far.emplace();
    fill_figures(*w.so_far, live_recording(w.load), slots_, now - w.load.load_start());
  }
  return *w.so_far;
}

void Run::publish_figures(Watch& w, TimePoint now) {
  RunResult figures = figures_now(w, now);
  figures.scenario = result_.scenario;
  figures.seed = result_.seed;
  figures.run_dir = result_.run_dir;
  figures.started_at = result_.started_at;
  figures.targets = supervisor_.results();
  options_.on_figures(figures);
  w.last_figures = now;
}

void Run::show_progress(Watch& w, TimePoint now) {
  const double interval_s = to_seconds(now - w.last_progress);
  LiveStatus status;
  status.elapsed = now - w.load.load_start();
  status.planned = w.planned;
  const RunResult& figures = figures_now(w, now);
  status.ops = figures.totals.ops();
  status.errors = figures.totals.errors();
  status.rate_per_s = static_cast<double>(status.ops - w.last_ops) / interval_s;
  w.last_fleet_ops.resize(figures.fleets.size());
  for (std::size_t i = 0; i < figures.fleets.size(); ++i) {
    const FleetResult& f = figures.fleets[i];
    status.fleets.push_back({f.name, f.totals.ops(), f.totals.errors(),
                             static_cast<double>(f.totals.ops() - w.last_fleet_ops[i]) / interval_s,
                             f.latency.p99_ms, f.inflight});
    w.last_fleet_ops[i] = f.totals.ops();
  }
  options_.on_progress(status);
  w.last_progress = now;
  w.last_ops = status.ops;
}

}  // namespace drover
