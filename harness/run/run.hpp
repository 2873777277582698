// One run of a scenario as the phases run_scenario (runner.hpp) takes it
// through, in this order: prepare, start_targets, plan_fleets, drive,
// collect, judge; then stop, which also ends a run that failed on the way.
//
// A phase that cannot go on throws (std::runtime_error, or its module's
// error: HostError, TargetStartError, PartitionError); the caller turns that
// into the run's infrastructure error with fail(), in one place, and no
// later phase runs. Whatever happens, stop() stops the targets and returns
// the result.
//
// The run owns everything it starts, and its members go in the reverse of
// the order they are declared in: the agents before the hosts they run on,
// the drivers before the queue producers they count in, the targets before
// the hosts they were started on.
//
// Not thread-safe: one thread takes the run through its phases. Only its
// warnings come from other threads (RunWarnings).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "harness/checks/windowed_thresholds.hpp"
#include "harness/drivers/http_stream.hpp"
#include "harness/drivers/queue_producers.hpp"
#include "harness/faults/fault_proxies.hpp"
#include "harness/faults/partitions.hpp"
#include "harness/history/history_log.hpp"
#include "harness/load/load_run.hpp"
#include "harness/measure/seconds_log.hpp"
#include "harness/process/supervisor.hpp"
#include "harness/run/figures.hpp"
#include "harness/run/remote_fleets.hpp"
#include "harness/run/remote_targets.hpp"
#include "harness/run/run_warnings.hpp"
#include "harness/run/runner.hpp"

namespace drover {

class TlsClient;

class Run {
 public:
  // Keeps both references: they must outlive the run.
  Run(const Scenario& scenario, const RunOptions& options);
  ~Run();
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;

  // Leftover partition tables removed, the scenario's partitions checked,
  // the setup steps run, the SSH hosts connected (prepare.cpp).
  void prepare();
  // Every target started and ready, here or on its host, and the fault
  // proxies in front of those that network faults name (start_targets.cpp).
  void start_targets();
  // Every fleet's driver and recorder slots, the history file when a
  // fleet records one, and the agents of the fleets on hosts ready to go
  // (plan_fleets.cpp).
  void plan_fleets();
  // The scenario's load, or its capacity search, run and watched to its
  // end (drive.cpp, capacity_search.cpp).
  void drive();
  // The run's figures, per host too, and the targets' final states in the
  // history (collect.cpp).
  void collect();
  // The invariants, the thresholds and the aborts, then the verdict
  // (judge.cpp).
  void judge();

  // The run broke: message is its infrastructure error, and the verdict is
  // judged from it (exit code 3).
  void fail(const std::string& message);
  // The final figures to options.on_figures (unless the run failed), then
  // every target stopped; returns the result (stop.cpp).
  RunResult stop();

 private:
  // What one load phase (the load, or one step of a capacity search) left.
  struct LoadPhase {
    Recording recording;  // here and on hosts, in the run's slots
    Duration took{};
    // Stopped before its end (a target exited, an interrupt, the watchdog,
    // a data file ran out): no later step can measure more.
    bool cut_short = false;
  };
  struct Watch;

  void open_partitions();
  void run_setup();

  std::vector<FleetPlan> make_plans();
  HttpStreamMaker http_streams(const TargetSpec& target);
  // Those of the plans that run on this machine.
  static std::vector<FleetPlan> local_only(std::vector<FleetPlan> plans);
  std::string address_of(const FleetSpec& fleet) const;
  void open_history();
  void start_agents();

  LoadPhase run_load(const LoadSpec& spec, std::vector<FleetPlan> plans, std::uint64_t seed);
  void watch(Watch& w);
  void stop_load_when_due(Watch& w);
  void abort_on_threshold(Watch& w);
  void abort_with(Watch& w, ThresholdResult failed, Duration elapsed);
  const RunResult& figures_now(Watch& w, TimePoint now);
  void publish_figures(Watch& w, TimePoint now);
  void show_progress(Watch& w, TimePoint now);
  Recording live_recording(LoadRun& load) const;
  void search_capacity();
  // The latency logs in the run folder (latency_logs.cpp).
  void plan_seconds_log();
  void open_seconds_log();
  void take_seconds(LoadRun& load, TimePoint now);
  void write_run_log();
  std::vector<std::size_t> slots_of(const ThresholdSpec& threshold) const;

  void add_failure_examples();
  void add_host_figures();
  void record_final_states();

  void check_history();
  void check_replies();
  void check_targets();
  std::vector<int> wait_for_reaping(const std::string& target);
  void check_thresholds();

  const Scenario& scenario_;
  const RunOptions& options_;
  RunResult result_;
  RunWarnings warnings_;
  Notify notify_;  // into warnings_: what the run constructs warns through it
  HostPtr host_;   // this machine
  RemoteTargets hosts_;
  TargetSupervisor supervisor_;
  std::unique_ptr<Partitions> partitions_;  // when the scenario partitions
  std::unique_ptr<FaultProxies> proxies_;
  std::map<std::string, QueueProducers> producers_;                // per target; stable addresses
  std::map<std::string, std::shared_ptr<TlsClient>> tls_clients_;  // per HTTPS target
  // The scenario's data files, whose rows are handed out over the whole
  // run (every capacity step's drivers share them).
  DataCatalog data_;
  bool data_ran_out_ = false;      // a "once" file's end was reported
  std::vector<FleetSlots> slots_;  // every fleet's, also those on hosts
  std::size_t slot_count_ = 0;
  // The local fleets' plans for the first load phase: a capacity search
  // makes fresh ones (fresh drivers) for every later step.
  std::vector<FleetPlan> first_plans_;
  std::unique_ptr<HistoryLog> history_;  // when a fleet records one and the options want it
  std::unique_ptr<RemoteFleets> remote_fleets_;

  // The run's seconds, streamed to latency-seconds.hlog as they close;
  // second_offset_ is where the current load phase's seconds start (a
  // capacity search's steps follow each other).
  std::unique_ptr<SecondsLog> seconds_;
  std::unique_ptr<WindowedThresholds> windows_;  // fed each closed second
  bool streams_seconds_ = true;                  // false with fleets on hosts: closed at the end
  std::size_t second_offset_ = 0;
  TimePoint last_seconds_taken_{};

  // What the load left, for collect and judge.
  Recording recording_;
  Duration load_duration_{};
  TimePoint load_start_{};                   // of the first load phase
  std::vector<ShareRecording> shares_;       // what each host's share of a fleet recorded
  std::vector<ThresholdResult> aborts_;      // the threshold that stopped the load, if one did
  std::vector<std::string> nemesis_errors_;  // a target the nemesis could not start again
  std::vector<TargetResult> before_stop_;    // the targets as the load left them
  bool failed_ = false;
};

}  // namespace drover
