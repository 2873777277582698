// The nemesis: a scenario's faults, carried out while the load runs. Process
// faults (kill, terminate, pause, resume, kill_worker) go through the
// target supervisor; network faults through whatever places a fault proxy
// between a target and its fleets; partitions through packet filters in
// the network namespace of the target's host. Every fault is recorded for the report
// and, in correctness runs, as an event of the pseudo-fleet "@nemesis" in
// the history, Jepsen-style, so an anomaly can be read against its cause.
//
// Not thread-safe: the runner's thread calls tick() every few milliseconds
// while the load runs, then finish() once it has stopped.
#pragma once

#include <string>
#include <vector>

#include "harness/core/run_result.hpp"
#include "harness/history/history_log.hpp"
#include "harness/process/supervisor.hpp"
#include "harness/scenario/scenario.hpp"

namespace drover {

// Applies and clears network faults on a target (a fault proxy per target).
class NetworkFaults {
 public:
  virtual ~NetworkFaults() = default;
  // nullptr: back to a plain path to the target.
  virtual void apply(const std::string& target, const NetworkFaultSpec* fault) = 0;
};

// Cuts a target's host off the network and heals it again (partitions.hpp),
// by the index of the fault in the scenario's "faults".
class PartitionFaults {
 public:
  virtual ~PartitionFaults() = default;
  // Returns what was cut off from what, for the fault's record. Throws
  // std::runtime_error when the partition cannot be made.
  virtual std::string cut(std::size_t fault) = 0;
  // Throws std::runtime_error when the partition could not be removed.
  virtual void heal(std::size_t fault) = 0;
};

class Nemesis {
 public:
  // history: where correctness runs record (null: none). network,
  // partitions: null when the scenario has no such faults.
  Nemesis(const Scenario& scenario, TargetSupervisor& supervisor, NetworkFaults* network,
          PartitionFaults* partitions, HistoryLog::Buffer* history, TimePoint load_start);

  // Starts what is due (within the load's planned duration) and ends what
  // has lasted long enough.
  void tick(TimePoint now);
  // Once the load has stopped: ends every fault still in force (a paused
  // target resumes, a killed one due for restart starts again now, so its
  // final state can be read), and no new one starts.
  void finish(TimePoint now);

  const std::vector<FaultRecord>& records() const { return records_; }
  // What went wrong carrying faults out (a target that would not start
  // again): infrastructure errors of the run.
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  // Something a fault does later: resume, restart, clear a network fault.
  struct Pending {
    TimePoint at;
    std::size_t fault;   // index in faults_
    std::size_t record;  // index in records_, whose end it sets
  };
  void start(std::size_t fault, TimePoint now);
  // early: before its time, because the load has ended.
  void end(const Pending& pending, TimePoint now, bool early);
  void record_event(const std::string& f, const std::string& value, TimePoint now);
  double since_start(TimePoint t) const { return to_seconds(t - load_start_); }

  const Scenario& scenario_;
  TargetSupervisor& supervisor_;
  NetworkFaults* network_;
  PartitionFaults* partitions_;
  HistoryLog::Buffer* history_;
  TimePoint load_start_;
  std::vector<FaultSpec> faults_;
  std::vector<TimePoint> next_;  // per fault: when it is due next; max: never again
  std::vector<Pending> pending_;
  std::vector<FaultRecord> records_;
  std::vector<std::string> errors_;
};

}  // namespace drover
