#include "harness/run/runner.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "harness/checks/history_checks.hpp"
#include "harness/checks/invariants.hpp"
#include "harness/checks/thresholds.hpp"
#include "harness/checks/verdict.hpp"
#include "harness/drivers/driver.hpp"
#include "harness/drivers/final_state.hpp"
#include "harness/faults/fault_proxies.hpp"
#include "harness/faults/nemesis.hpp"
#include "harness/faults/partitions.hpp"
#include "harness/history/history_log.hpp"
#include "harness/load/load_model.hpp"
#include "harness/load/load_run.hpp"
#include "harness/process/supervisor.hpp"
#include "harness/run/figures.hpp"
#include "harness/run/remote_fleets.hpp"
#include "harness/run/remote_targets.hpp"
#include "harness/run/setup_steps.hpp"

namespace drover {
namespace {

constexpr auto kWatchInterval = std::chrono::milliseconds(20);
// A correct forking server reaps a child within milliseconds of its exit;
// this is how long drover waits for the last ones before calling them zombies.
constexpr auto kReapGrace = std::chrono::seconds(2);

constexpr auto kAbortCheckInterval = std::chrono::seconds(1);

// The thresholds with abort_on_fail, judged on the figures so far: the
// first that fails (once its delay_abort_eval has passed) is marked in
// aborts and the load stopped. Returns whether it did.
// The figures so far of the fleets here and, a second old at most, of those
// agents run on hosts.
Recording live_recording(LoadRun& load, const RemoteFleets& remote,
                         const std::vector<FleetSlots>& slots) {
  Recording so_far = load.snapshot();
  remote.add_live(so_far.slots, slots);
  return so_far;
}

bool abort_on_threshold(LoadRun& load, const RemoteFleets& remote,
                        const std::vector<ThresholdSpec>& thresholds,
                        const std::vector<FleetSlots>& slots, std::vector<ThresholdResult>& aborts,
                        RunResult& run) {
  Duration elapsed = Clock::now() - load.load_start();
  std::vector<ThresholdSpec> due;
  for (const ThresholdSpec& t : thresholds) {
    if (t.abort_on_fail && elapsed >= t.delay_abort_eval) due.push_back(t);
  }
  if (due.empty()) return false;
  RunResult so_far;
  fill_figures(so_far, live_recording(load, remote, slots), slots, elapsed);
  std::vector<ThresholdResult> results = evaluate_thresholds(due, so_far);
  for (ThresholdResult& r : results) {
    if (r.ok) continue;
    r.aborted = true;
    r.aborted_at_s = to_seconds(elapsed);
    r.aborted_value = r.value;
    aborts.push_back(r);
    run.aborted = true;
    load.stop();
    return true;
  }
  return false;
}

// Drives the fleets until the load ends, a target dies, the user interrupts
// or a threshold with abort_on_fail fails; reports progress on the way.
void watch_load(LoadRun& load, RemoteFleets& remote, TargetSupervisor& supervisor, Nemesis* nemesis,
                const RunOptions& options, Duration planned,
                const std::vector<ThresholdSpec>& thresholds, const std::vector<FleetSlots>& slots,
                std::vector<ThresholdResult>& aborts, RunResult& run) {
  TimePoint last_progress = load.load_start();
  TimePoint last_figures = load.load_start();
  TimePoint last_abort_check = load.load_start();
  std::uint64_t last_ops = 0;
  std::vector<std::uint64_t> last_fleet_ops;
  bool overran = false;
  // The agents' load stops with the local one, whatever stopped that.
  // Both asked every time: the agents' ends release local consumers.
  for (;;) {
    const bool remote_done = remote.finished();
    if (load.finished() && remote_done) break;
    if (load.stopping()) remote.stop();
    std::this_thread::sleep_for(kWatchInterval);
    if (nemesis) nemesis->tick(Clock::now());
    // The load means nothing once a target is gone: stop it, and let the
    // target_alive invariant report what happened. (An exit the nemesis
    // caused is not reported here.)
    if (!supervisor.poll_exits().empty()) load.stop();
    // Nor without a host's share of the fleets.
    if (remote.failed()) load.stop();
    if (options.interrupt && options.interrupt->load()) {
      run.interrupted = true;
      load.stop();
    }
    if (options.overrun && options.overrun->load() && !overran) {
      overran = true;
      run.errors.push_back("stopped by the watchdog: the run passed its time bound");
      load.stop();
    }
    TimePoint now = Clock::now();
    if (!run.aborted && now - last_abort_check >= kAbortCheckInterval) {
      last_abort_check = now;
      abort_on_threshold(load, remote, thresholds, slots, aborts, run);
    }
    // One snapshot serves both the progress display and the exporters.
    std::optional<RunResult> so_far;
    auto figures_so_far = [&]() -> const RunResult& {
      if (!so_far) {
        so_far.emplace();
        fill_figures(*so_far, live_recording(load, remote, slots), slots, now - load.load_start());
      }
      return *so_far;
    };
    if (options.on_figures && now - last_figures >= options.figures_interval) {
      RunResult figures = figures_so_far();
      figures.scenario = run.scenario;
      figures.seed = run.seed;
      figures.run_dir = run.run_dir;
      figures.started_at = run.started_at;
      figures.targets = supervisor.results();
      options.on_figures(figures);
      last_figures = now;
    }
    if (options.on_progress && now - last_progress >= options.progress_interval) {
      double interval_s = to_seconds(now - last_progress);
      LiveStatus status;
      status.elapsed = now - load.load_start();
      status.planned = planned;
      const RunResult& figures = figures_so_far();
      status.ops = figures.totals.ops();
      status.errors = figures.totals.errors();
      status.rate_per_s = static_cast<double>(status.ops - last_ops) / interval_s;
      last_fleet_ops.resize(figures.fleets.size());
      for (std::size_t i = 0; i < figures.fleets.size(); ++i) {
        const FleetResult& f = figures.fleets[i];
        status.fleets.push_back(
            {f.name, f.totals.ops(), f.totals.errors(),
             static_cast<double>(f.totals.ops() - last_fleet_ops[i]) / interval_s, f.latency.p99_ms,
             f.inflight});
        last_fleet_ops[i] = f.totals.ops();
      }
      options.on_progress(status);
      last_progress = now;
      last_ops = status.ops;
    }
  }
}

// The capacity search: open-model steps of rising rate, each held for the
// step duration, until a step misses the objective (or the target dies, or
// the user interrupts). A step also fails when fewer than 95% of its
// offered operations were answered: a rate not served is not sustained.
template <class RunPhase, class MakePlans>
void search_capacity(const Scenario& scenario, const std::vector<FleetSlots>& slots,
                     RunPhase& run_phase, std::vector<FleetPlan>& first_plans,
                     MakePlans& make_plans, std::uint64_t seed, RunResult& run,
                     Recording& recording, Duration& load_duration) {
  const LoadSpec& spec = scenario.load;
  run.capacity.searched = true;
  std::size_t second_offset = 0;
  std::uint64_t step_index = 0;
  for (double rate = spec.from; rate <= spec.to * 1.000001; rate *= spec.factor, ++step_index) {
    LoadSpec step = spec;
    step.model = LoadSpec::Model::kOpen;
    step.rate = rate;
    step.duration = spec.step_duration;
    Recording step_recording;
    auto plans = step_index == 0 ? std::move(first_plans) : make_plans();
    Duration took = run_phase(step, std::move(plans), seed + step_index, step_recording);
    load_duration += took;
    append_recording(recording, step_recording, second_offset);
    second_offset += static_cast<std::size_t>(std::ceil(to_seconds(took)));

    RunResult figures;
    fill_figures(figures, step_recording, slots, took);
    CapacityStep point;
    point.offered_per_s = rate * static_cast<double>(scenario.fleets.size());
    point.answered_per_s =
        static_cast<double>(figures.totals.ok()) / to_seconds(spec.step_duration);
    point.p99_ms = figures.latency.p99_ms;
    point.error_rate = figures.totals.error_rate();
    point.missed_starts = figures.totals.missed_starts;
    std::vector<std::string> missed;
    for (const ThresholdResult& t : evaluate_thresholds(spec.slo, figures)) {
      if (!t.ok) missed.push_back(fmt::format("{} {}", t.metric, t.limit));
    }
    if (point.answered_per_s < 0.95 * point.offered_per_s) {
      missed.push_back(fmt::format("answered {:.0f}/s of {:.0f}/s offered", point.answered_per_s,
                                   point.offered_per_s));
    }
    point.ok = missed.empty();
    for (const auto& m : missed) point.why += (point.why.empty() ? "" : "; ") + m;
    run.capacity.curve.push_back(point);
    if (!point.ok || run.interrupted) break;
    run.capacity.capacity_per_s = point.offered_per_s;
  }
}

// A reference target works in its own folder of the run folder (where
// ticket_db keeps its file), not in the scenario's folder.
TargetSpec with_work_folder(const TargetSpec& spec, const std::string& run_dir) {
  TargetSpec copy = spec;
  if (spec.source == TargetSpec::Source::kReference) {
    copy.cwd = run_dir + "/work/" + spec.name;
    std::filesystem::create_directories(copy.cwd);
  }
  return copy;
}

// The final state of every correctness target the fleets drove, as history.
void record_final_states(const Scenario& scenario, TargetSupervisor& supervisor,
                         HistoryLog& history, TimePoint load_start) {
  HistoryLog::Buffer& buffer = history.new_buffer();
  for (const TargetSpec& target : scenario.targets) {
    Duration timeout = std::chrono::seconds(5);
    bool driven = false;
    for (const FleetSpec& fleet : scenario.fleets) {
      if (fleet.target != target.name) continue;
      driven = true;
      timeout = std::max<Duration>(timeout, fleet.op.timeout);
    }
    if (!driven) continue;
    record_final_state(target.protocol, supervisor.address_of(target.name), target.name, buffer,
                       load_start, timeout);
  }
}

// Each fleet share an agent ran on a host, figured from its own recording.
void add_host_figures(RunResult& run, const std::vector<ShareRecording>& shares,
                      const std::vector<FleetSlots>& slots) {
  for (const ShareRecording& share : shares) {
    RunResult alone;
    fill_figures(alone, share.recording, slots, share.load_duration);
    for (std::size_t i = 0; i < alone.fleets.size() && i < run.fleets.size(); ++i) {
      if (alone.fleets[i].name != share.fleet) continue;
      const FleetResult& f = alone.fleets[i];
      run.fleets[i].hosts.push_back({share.host, share.clients, f.totals, f.latency, f.rate_per_s});
    }
  }
}

std::vector<int> wait_for_reaping(TargetSupervisor& supervisor, const std::string& target) {
  TimePoint deadline = Clock::now() + kReapGrace;
  for (;;) {
    std::vector<int> zombies = supervisor.zombie_children(target);
    if (zombies.empty() || Clock::now() >= deadline) return zombies;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace

RunResult run_scenario(const Scenario& scenario, const RunOptions& options) {
  RunResult run;
  run.scenario = scenario.name;
  run.scenario_file = scenario.file;
  run.expect = scenario.expect;
  run.run_dir = options.run_dir;
  run.started_at = std::chrono::system_clock::now();
  run.seed = options.seed;

  std::mutex warnings_mutex;
  Notify notify = [&](const std::string& source, const std::string& message) {
    Warning w{to_seconds(std::chrono::system_clock::now() - run.started_at), source, message};
    {
      std::lock_guard lock(warnings_mutex);
      run.warnings.push_back(w);
    }
    if (options.on_warning) options.on_warning(w);
  };
  HostPtr host = make_local_host();
  RemoteTargets remote;  // outlives the supervisor, which starts targets there
  SupervisorOptions supervisor_options;
  supervisor_options.run_dir = options.run_dir;
  supervisor_options.targets_dir = options.targets_dir;
  supervisor_options.env = options.env;
  if (supervisor_options.env.empty())
    supervisor_options.env = {{"DROVER_RUN_DIR", options.run_dir}};
  supervisor_options.notify = notify;
  TargetSupervisor supervisor(*host, supervisor_options);

  auto fail_infrastructure = [&](const std::string& message) {
    run.errors.push_back(message);
    supervisor.stop_all();
    run.targets = supervisor.results();
    judge_run(run);
    return run;
  };

  // Partition tables a drover killed mid-partition left in a namespace
  // would cut that host off for good: every run as root removes them.
  for (const std::string& removed : remove_leftover_partitions()) notify("partitions", removed);
  // Checked before any target starts: a partition that cannot work here
  // fails the run at once. Its tables go when this does, on every path.
  std::unique_ptr<Partitions> partitions;
  if (std::any_of(scenario.faults.begin(), scenario.faults.end(),
                  [](const FaultSpec& f) { return f.action == FaultSpec::Action::kPartition; })) {
    try {
      partitions = std::make_unique<Partitions>(scenario);
    } catch (const std::exception& e) {
      return fail_infrastructure(e.what());
    }
  }

  // Before anything is deployed or started; its hosts are disconnected again.
  std::string setup_error;
  run.setup = run_setup_steps(scenario, options.run_dir, setup_error, options.interrupt);
  if (!setup_error.empty()) {
    run.interrupted = options.interrupt && options.interrupt->load();
    return fail_infrastructure(setup_error);
  }

  try {
    remote.connect(scenario, options.run_dir, options.targets_dir);
    for (const TargetSpec& target : scenario.targets) {
      if (const TargetPlacement* on = remote.placement(target)) {
        supervisor.start(remote.as_started(target), on);
      } else {
        supervisor.start(with_work_folder(target, options.run_dir));
      }
    }
  } catch (const std::exception& e) {
    return fail_infrastructure(e.what());
  }

  // Between the targets that network faults name and their fleets.
  std::unique_ptr<FaultProxies> proxies;
  try {
    proxies = std::make_unique<FaultProxies>(scenario, supervisor, options.seed);
  } catch (const std::exception& e) {
    return fail_infrastructure(e.what());
  }

  std::vector<FleetSlots> slots;
  std::size_t slot_count = 0;
  bool wants_history = false;
  std::map<std::string, TargetActivity> activity;  // per target; stable addresses
  // Drivers go to the LoadRun that uses them: the capacity search needs
  // fresh ones for every step.
  auto address_of = [&](const FleetSpec& fleet) {
    return proxies->address_for(fleet.target, supervisor.address_of(fleet.target));
  };
  // Every fleet's plan, also of the fleets agents run on hosts: those give
  // the run its slots and client ids but run nowhere here (local_plans).
  auto make_plans = [&] {
    std::vector<FleetPlan> plans;
    std::size_t slot = 0;
    std::uint32_t client = 0;
    for (const FleetSpec& fleet : scenario.fleets) {
      const TargetSpec* target = scenario.find_target(fleet.target);
      FleetPlan plan{
          &fleet, make_driver(fleet, target->protocol, address_of(fleet), activity[target->name]),
          slot, client};
      slot += plan.driver->op_names().size();
      client += static_cast<std::uint32_t>(fleet.clients);
      plans.push_back(std::move(plan));
    }
    return plans;
  };
  auto local_plans = [](std::vector<FleetPlan> plans) {
    std::erase_if(plans, [](const FleetPlan& p) { return !p.spec->hosts.empty(); });
    return plans;
  };
  std::vector<FleetPlan> plans;
  try {
    plans = make_plans();
    for (const FleetPlan& plan : plans) {
      wants_history = wants_history || plan.driver->records_history();
      slots.push_back({plan.spec->name, plan.spec->target, plan.spec->clients, slot_count,
                       plan.driver->op_names()});
      slot_count += plan.driver->op_names().size();
    }
    plans = local_plans(std::move(plans));
  } catch (const std::exception& e) {
    return fail_infrastructure(e.what());
  }

  std::unique_ptr<HistoryLog> history;
  std::string history_path = options.run_dir + "/history.jsonl";
  if (wants_history && options.record_history) {
    try {
      history = std::make_unique<HistoryLog>(history_path);
    } catch (const std::exception& e) {
      return fail_infrastructure(e.what());
    }
  }

  // Agents for the fleets on hosts, ready to go with the local load.
  RemoteFleetsOptions remote_options;
  remote_options.run_dir = options.run_dir;
  remote_options.agent_path = options.agent_path;
  remote_options.seed = options.seed;
  remote_options.record_history = history != nullptr;
  remote_options.bound = longest_load(scenario.load) + std::chrono::minutes(2);
  RemoteFleets remote_fleets(scenario, remote, remote_options);
  try {
    remote_fleets.start(address_of);
  } catch (const std::exception& e) {
    return fail_infrastructure(e.what());
  }
  std::vector<ShareRecording> shares;  // what each host's share of a fleet recorded

  std::size_t threads = options.threads ? options.threads : std::thread::hardware_concurrency();
  Recording recording;
  std::vector<ThresholdResult> aborts;  // the threshold that stopped the load, if one did
  Duration load_duration{};
  TimePoint load_start{};
  std::vector<std::string> nemesis_errors;  // a target it could not start again
  // One load phase; clients are closed and gone when it returns, so forking
  // targets can reap.
  auto run_phase = [&](const LoadSpec& spec, std::vector<FleetPlan> phase_plans, std::uint64_t seed,
                       Recording& out) {
    LoadModelPtr model = make_load_model(spec);
    LoadRun load(std::move(phase_plans), *model, slot_count, threads, history.get(), seed);
    load.start();
    remote_fleets.go(load.load_start(), activity);
    if (load_start == TimePoint{}) load_start = load.load_start();
    std::optional<Nemesis> nemesis;
    if (!scenario.faults.empty()) {
      nemesis.emplace(scenario, supervisor, proxies.get(), partitions.get(),
                      history ? &history->new_buffer() : nullptr, load.load_start());
    }
    watch_load(load, remote_fleets, supervisor, nemesis ? &*nemesis : nullptr, options,
               model->planned_duration(), scenario.thresholds, slots, aborts, run);
    if (nemesis) {
      nemesis->finish(Clock::now());
      run.faults = nemesis->records();
      nemesis_errors = nemesis->errors();
    }
    out = load.finish();
    shares = remote_fleets.collect(out, slots, history.get());
    return std::max<Duration>(load.load_end() - load.load_start(), remote_fleets.longest_load());
  };

  if (scenario.load.model == LoadSpec::Model::kCapacity) {
    try {
      auto make_local_plans = [&] { return local_plans(make_plans()); };
      search_capacity(scenario, slots, run_phase, plans, make_local_plans, options.seed, run,
                      recording, load_duration);
    } catch (const std::exception& e) {
      return fail_infrastructure(e.what());
    }
  } else {
    try {
      load_duration = run_phase(scenario.load, std::move(plans), options.seed, recording);
    } catch (const std::exception& e) {
      return fail_infrastructure(e.what());
    }
  }

  fill_figures(run, recording, slots, load_duration);
  add_host_figures(run, shares, slots);

  if (history) {
    record_final_states(scenario, supervisor, *history, load_start);
    history->close();
    std::string error;
    auto results = check_history(scenario, history_path, &error);
    if (!results) return fail_infrastructure(error);
    run.invariants.insert(run.invariants.end(), results->begin(), results->end());
  }

  for (const FleetSpec& fleet : scenario.fleets) {
    for (const FleetResult& fr : run.fleets) {
      if (fr.name != fleet.name) continue;
      if (fleet.op.expect.kind != Expectation::Kind::kAny)
        run.invariants.push_back(check_replies_correct(fr));
      if (fleet.require_answer) run.invariants.push_back(check_fleet_answered(fr));
    }
  }
  supervisor.poll_exits();
  std::vector<TargetResult> before_stop = supervisor.results();
  for (const CheckSpec& check : scenario.checks) {
    if (check.invariant != Invariant::kNoZombies) continue;
    int pid = supervisor.pid_of(check.target);
    run.invariants.push_back(
        check_no_zombies(check.target, pid, wait_for_reaping(supervisor, check.target)));
  }
  for (const TargetResult& t : before_stop) {
    if (t.pid == 0) continue;
    run.invariants.push_back(
        check_target_alive(t.name, t.exited_during_run, t.exit_description, t.restarts));
  }
  run.thresholds = evaluate_thresholds(scenario.thresholds, run);
  // A threshold that aborted the run fails it, even if the figures of the
  // shortened run would pass: the load the scenario asked for never ran.
  for (const ThresholdResult& abort : aborts) {
    for (ThresholdResult& t : run.thresholds) {
      if (t.metric == abort.metric && t.fleet == abort.fleet) {
        t.ok = false;
        t.aborted = true;
        t.aborted_at_s = abort.aborted_at_s;
        t.aborted_value = abort.aborted_value;
      }
    }
  }

  if (options.on_figures) {
    // Before the targets stop, so a scraper sees the final figures with the
    // targets as the load left them.
    run.targets = before_stop;
    options.on_figures(run);
  }
  supervisor.stop_all();
  run.targets = supervisor.results();
  // decided below from invariants and thresholds, unless the nemesis could
  // not carry out the faults asked for or the watchdog stopped the run
  run.errors.insert(run.errors.end(), nemesis_errors.begin(), nemesis_errors.end());
  judge_run(run);
  return run;
}

}  // namespace drover
