// The finished run, as the sinks (console, summary.json, junit.xml, report.html,
// Prometheus) read it. Plain values only: a sink never needs to know how the
// run was produced. summary.json's schema (reports/README.md) mirrors this.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/core/exit_code.hpp"
#include "harness/core/invariant.hpp"
#include "harness/core/notice.hpp"
#include "harness/core/outcome.hpp"
#include "harness/core/shown_bytes.hpp"

namespace drover {

struct OpTotals {
  std::array<std::uint64_t, kOutcomeCount> by_outcome{};
  std::uint64_t late_replies = 0;  // replies that came after their operation timed out
  // Open models: intended starts that found no idle client (or max_inflight
  // outstanding) and were skipped. Counted, never waited for; not operations.
  std::uint64_t missed_starts = 0;
  // HTTP: responses by status class, 1xx at [0] to 5xx at [4] (every
  // response read whole, right or wrong). All zero for other protocols.
  std::array<std::uint64_t, 5> status_classes{};
  // HTTPS: TLS handshakes that succeeded (one per new connection), and how
  // many of them resumed a session. A failed one is a tls_error operation.
  std::uint64_t tls_handshakes = 0;
  std::uint64_t tls_resumed = 0;

  bool has_status_classes() const {
    for (auto c : status_classes)
      if (c != 0) return true;
    return false;
  }
  std::uint64_t ops() const {
    std::uint64_t n = 0;
    for (auto c : by_outcome) n += c;
    return n;
  }
  std::uint64_t ok() const { return count(Outcome::kOk); }
  std::uint64_t errors() const { return ops() - ok(); }
  std::uint64_t count(Outcome o) const { return by_outcome[static_cast<std::size_t>(o)]; }
  double error_rate() const { return ops() == 0 ? 0.0 : static_cast<double>(errors()) / ops(); }

  OpTotals& operator+=(const OpTotals& other) {
    for (std::size_t i = 0; i < kOutcomeCount; ++i) by_outcome[i] += other.by_outcome[i];
    late_replies += other.late_replies;
    missed_starts += other.missed_starts;
    for (std::size_t i = 0; i < status_classes.size(); ++i)
      status_classes[i] += other.status_classes[i];
    tls_handshakes += other.tls_handshakes;
    tls_resumed += other.tls_resumed;
    return *this;
  }
};

// Latency of answered operations, in milliseconds.
struct LatencySummary {
  std::uint64_t count = 0;
  double min_ms = 0, mean_ms = 0, p50_ms = 0, p90_ms = 0, p99_ms = 0, p999_ms = 0, max_ms = 0;
};

struct Percentile {
  double percentile;  // 0..100
  double value_ms;
};

// One bucket of an op's latency histogram: how many answered operations
// took at most max_ns nanoseconds (and more than the previous bucket's).
struct LatencyBucketCount {
  std::uint64_t max_ns = 0;
  std::uint64_t count = 0;
};

// One failed operation, kept as an example of its error class, so a user
// sees what was sent, what came back and which rule it broke.
struct FailureExample {
  double t_ms = 0;  // when it ended, since the load started
  std::string fleet;
  std::string op;
  std::uint64_t client = 0;  // the client's index in its fleet
  ShownBytes request;
  ShownBytes expected;  // empty: the expectation names no one reply (regex)
  ShownBytes received;  // empty: nothing whole was received
  // The rule it broke: 'expected equals "+OK\r", received "+OK"', "no reply
  // within 1s", "connection refused".
  std::string rule;

  bool operator==(const FailureExample&) const = default;
};

// The examples of one error class of one op: the first few failures, in the
// order they ended, and a uniform random sample of the rest (drawn from the
// run's seed).
struct FailureSamples {
  Outcome outcome = Outcome::kWrongReply;
  std::uint64_t count = 0;  // failures of the class the drivers described
  std::vector<FailureExample> first;
  std::vector<FailureExample> sampled;

  bool operator==(const FailureSamples&) const = default;
};

struct OpResult {
  std::string name;
  OpTotals totals;
  LatencySummary latency;
  double rate_per_s = 0;
  // The histogram behind latency, for sinks that export one (Prometheus):
  // its non-empty buckets in ascending order, and the sum of all latencies.
  std::vector<LatencyBucketCount> latency_buckets;
  double latency_sum_s = 0;
  // HTTPS: how long its TLS handshakes took (count 0: none), apart from
  // latency, which runs from the request's intended start to its reply.
  LatencySummary handshake;
  // Examples of its failures, one entry per error class that had any, in
  // the order of Outcome.
  std::vector<FailureSamples> failures{};
};

// A fleet's share on one SSH host (a fleet with "hosts"): that host's
// figures alone, from its own histogram.
struct FleetHostResult {
  std::string host;
  int clients = 0;
  OpTotals totals;
  LatencySummary latency;
  double rate_per_s = 0;
};

struct FleetResult {
  std::string name;
  std::string target;
  int clients = 0;
  OpTotals totals;
  LatencySummary latency;
  double rate_per_s = 0;
  std::vector<OpResult> ops;
  // While the load runs (progress, metrics): operations under way. Zero in
  // a finished run's result.
  std::uint64_t inflight = 0;
  // Run by agents on SSH hosts: each host's share. Empty: run here.
  std::vector<FleetHostResult> hosts;
};

// One second of the run, for charts and for reading a spike against time.
struct SecondSample {
  int second = 0;  // seconds since the load started; covers [second, second+1)
  std::uint64_t ops = 0;
  std::uint64_t errors = 0;
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
};

// A threshold's key as a scenario writes it: "latency.p99",
// "latency.p99{fleet:a}", "latency.p99{op:get}", "latency.p99{fleet:a,op:get}".
inline std::string threshold_key(const std::string& metric, const std::string& fleet,
                                 const std::string& op) {
  if (fleet.empty() && op.empty()) return metric;
  if (op.empty()) return metric + "{fleet:" + fleet + "}";
  if (fleet.empty()) return metric + "{op:" + op + "}";
  return metric + "{fleet:" + fleet + ",op:" + op + "}";
}

struct ThresholdResult {
  std::string metric;      // "latency.p99", "errors.rate", "throughput", ...
  std::string fleet;       // empty: the whole run, or the one fleet with `op`
  std::string comparison;  // "<", "<=", ">", ">="
  std::string limit;       // as written in the scenario: "20ms"
  double limit_value = 0;  // in the metric's unit (ms, ratio, ops/s, count)
  double value = 0;
  std::string unit;
  bool ok = false;
  // abort_on_fail: this threshold failed on the figures so far and stopped
  // the load at aborted_at_s (it then fails, whatever the final figures).
  bool aborted = false;
  double aborted_at_s = 0;
  double aborted_value = 0;  // the value that failed it then
  std::string op;            // non-empty: that op's figures alone
  // A windowed threshold ("latency.p99[30s]", its metric then so named):
  // the window's length, and the worst window's start (seconds since the
  // load started) and value; window_s 0 for the others.
  double window_s = 0;
  double worst_window_start_s = 0;
  double worst_window_value = 0;
};

// One history event shown around an invariant's first anomaly.
struct TimelineEvent {
  double t_ms = 0;  // since the load started
  std::uint32_t client = 0;
  std::string fleet;
  std::string type;      // invoke, ok, fail, info
  std::string f;         // the operation
  std::string value;     // as text; empty: none
  bool focus = false;    // the event where the invariant first broke
  bool related = false;  // about the same serial, item or task as the focus
};

// Where a failed history invariant first broke, and what the clients were
// doing just before and after: the events nearest in time, and the earlier
// ones about the same thing (the first sale of a serial sold twice).
struct Anomaly {
  std::string about;  // "serial 17 sold a second time"
  double t_ms = 0;
  std::vector<TimelineEvent> events;  // in time order
};

// One offending operation of a violated history invariant, where its
// checker found it in history.jsonl: shown like an operation's failure
// example.
struct ViolationExample {
  std::string about;       // the rule it broke: "serial 17 sold a second time"
  double t_ms = 0;         // since the load started
  std::uint64_t line = 0;  // its line in history.jsonl, from 1
  std::uint32_t client = 0;
  std::string fleet;
  std::string event;  // as the history has it: "ok buy 17"

  bool operator==(const ViolationExample&) const = default;
};

struct InvariantResult {
  Invariant invariant = Invariant::kRepliesCorrect;
  std::string subject;  // the fleet or target it is about
  bool ok = false;
  std::string detail;
  std::optional<Anomaly> anomaly;  // failed history invariants
  // Not decided either way (ok is false): evidence it needs is missing,
  // such as a final AUDIT lost to a crash. detail says what is missing.
  bool unknown = false;
  // Set by the verdict (harness/checks/verdict.hpp): it failed, and that is
  // the violation the scenario expects.
  bool expected_failure = false;
  // A violated history invariant: the first few offending operations.
  std::vector<ViolationExample> examples{};
};

// One fault the nemesis caused, for summary.json and the bands on
// report.html's charts.
struct FaultRecord {
  std::string action;  // kill, terminate, pause, resume, kill_worker, network, partition
  std::string target;
  double start_s = 0;  // since the load started
  double end_s = 0;    // when it ended (a restart, a resume); = start_s when instant
  std::string detail;  // "SIGKILL to pid 123; restarted after 1.0 s"
};

struct TargetResult {
  std::string name;
  std::string kind;  // reference kind, "command" or "address"
  std::string address;
  int pid = 0;  // 0 when drover did not start it
  bool exited_during_run = false;
  std::string exit_description;   // "exited with status 1", "killed by signal 9"
  std::vector<std::string> logs;  // paths relative to the run folder
  int restarts = 0;               // by the nemesis
  // Where it ran: a declared SSH host's name and address; both empty for
  // this machine (and for address targets, which drover does not start).
  std::string host{};
  std::string host_address{};
};

// One "setup" step as it ran, before any target started.
struct SetupStepResult {
  std::string step;          // its JSON pointer in the scenario: "/setup/1"
  std::string host;          // a declared SSH host; empty: this machine
  std::string host_address;  // the host's address; empty for this machine
  std::vector<std::string> argv;
  std::optional<int> exit_status;  // when it exited (rather than died or never ran)
  std::string outcome;  // "exited with status 1", "timed out after 30.0 s", "could not run: ..."
  double duration_s = 0;
  bool ok = false;             // exited with status 0
  bool allow_failure = false;  // a failure did not fail the run
  std::string log;             // relative to the run folder: "logs/setup-1-db1.log"
};

// One step of the capacity search: an offered rate held for a while, and
// whether the target met the service-level objective at it.
struct CapacityStep {
  double offered_per_s = 0;
  double answered_per_s = 0;  // ok operations per second of the step
  double p99_ms = 0;
  double error_rate = 0;
  std::uint64_t missed_starts = 0;
  bool ok = false;
  std::string why;  // the objectives it missed
};

struct CapacityResult {
  bool searched = false;
  double capacity_per_s = 0;  // the highest offered rate that met the objective; 0 if none
  std::vector<CapacityStep> curve;
};

// kUnknown: nothing failed, but an invariant could not be decided (its
// evidence is missing); a run that did not prove its invariants never passes.
enum class Verdict { kPass, kFail, kError, kUnknown };

struct RunResult {
  std::string scenario;
  std::string scenario_file;
  Expect expect = Expect::kPass;
  std::string run_dir;
  std::chrono::system_clock::time_point started_at;
  double duration_s = 0;  // of the load phase
  bool interrupted = false;
  bool aborted = false;    // a threshold with abort_on_fail stopped the load
  std::uint64_t seed = 0;  // repeat the run's randomness with --seed

  // Decided by judge() (harness/checks/verdict.hpp) and only read elsewhere.
  Verdict verdict = Verdict::kError;
  ExitCode exit_code = ExitCode::kInfrastructure;
  bool violation_missing = false;   // "expect": "violation" and none was caught
  std::vector<std::string> errors;  // infrastructure errors, when verdict is kError
  std::vector<Warning> warnings;    // in the order they came

  OpTotals totals;
  LatencySummary latency;
  double rate_per_s = 0;
  std::vector<Percentile> distribution;  // latency by percentile, for plots
  std::vector<FleetResult> fleets;
  std::vector<SecondSample> series;
  std::vector<ThresholdResult> thresholds;
  std::vector<InvariantResult> invariants;
  std::vector<SetupStepResult> setup;  // the steps that ran, in order
  std::vector<TargetResult> targets;
  std::vector<FaultRecord> faults;
  CapacityResult capacity;
};

inline const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::kPass:
      return "pass";
    case Verdict::kFail:
      return "fail";
    case Verdict::kError:
      return "error";
    case Verdict::kUnknown:
      return "unknown";
  }
  return "error";
}

}  // namespace drover
