#include "harness/faults/nemesis.hpp"

#include <signal.h>

#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "harness/core/duration.hpp"
#include "harness/scenario/reference_targets.hpp"

namespace drover {
namespace {

// The history's client id of the nemesis: no fleet's client has it.
constexpr std::uint32_t kNemesisClient = std::numeric_limits<std::uint32_t>::max();

std::string describe(const NetworkFaultSpec& n) {
  switch (n.mode) {
    case NetworkFaultSpec::Mode::kDrop:
      return fmt::format("drop {:g} %", n.rate * 100);
    case NetworkFaultSpec::Mode::kLatency:
      return fmt::format("latency {} +- {}", format_duration(n.latency), format_duration(n.jitter));
    case NetworkFaultSpec::Mode::kBandwidth:
      return fmt::format("bandwidth {} bytes/s", n.bytes_per_s);
    case NetworkFaultSpec::Mode::kReset:
      return "reset";
    case NetworkFaultSpec::Mode::kBlackhole:
      return "blackhole";
  }
  return "?";
}

}  // namespace

Nemesis::Nemesis(const Scenario& scenario, TargetSupervisor& supervisor, NetworkFaults* network,
                 PartitionFaults* partitions, HistoryLog::Buffer* history, TimePoint load_start)
    : scenario_(scenario),
      supervisor_(supervisor),
      network_(network),
      partitions_(partitions),
      history_(history),
      load_start_(load_start),
      faults_(scenario.faults) {
  for (const FaultSpec& f : faults_) next_.push_back(load_start_ + f.at);
}

void Nemesis::tick(TimePoint now) {
  // Ends first: a pause that ends as the next one starts leaves the
  // target paused by the new one.
  for (std::size_t i = 0; i < pending_.size();) {
    if (pending_[i].at <= now) {
      Pending p = pending_[i];
      pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(i));
      end(p, now, false);
    } else {
      ++i;
    }
  }
  // None starts once the load's planned time is over: clients are only
  // finishing their last operations then.
  if (now >= load_start_ + scenario_.load.duration) return;
  for (std::size_t i = 0; i < faults_.size(); ++i) {
    if (next_[i] > now) continue;
    start(i, now);
    next_[i] = faults_[i].every > Duration::zero() ? next_[i] + faults_[i].every : TimePoint::max();
  }
}

void Nemesis::finish(TimePoint now) {
  std::vector<Pending> left;
  left.swap(pending_);
  for (const Pending& p : left) end(p, now, /*early=*/p.at > now);
  for (auto& n : next_) n = TimePoint::max();
  // A pause without a length lasts until the load ends.
  for (FaultRecord& r : records_) {
    if (r.action == "pause" && r.end_s < 0) {
      supervisor_.signal(r.target, SIGCONT);
      r.end_s = since_start(now);
      record_event("resume", r.target, now);
    }
  }
}

void Nemesis::start(std::size_t index, TimePoint now) {
  const FaultSpec& f = faults_[index];
  FaultRecord r{fault_action_name(f.action), f.target, since_start(now), since_start(now), ""};
  auto later = [&](Duration after) {
    pending_.push_back({now + after, index, records_.size()});
    r.end_s = -1;  // set when it ends
  };
  switch (f.action) {
    case FaultSpec::Action::kKill:
    case FaultSpec::Action::kTerminate: {
      int sig = f.action == FaultSpec::Action::kKill ? SIGKILL : SIGTERM;
      int pid = supervisor_.pid_of(f.target);
      supervisor_.expect_exit(f.target);
      supervisor_.signal(f.target, sig);
      r.detail = fmt::format("{} to pid {}", sig == SIGKILL ? "SIGKILL" : "SIGTERM", pid);
      record_event(r.action, f.target, now);
      if (f.restart_after) later(*f.restart_after);
      break;
    }
    case FaultSpec::Action::kPause:
      supervisor_.signal(f.target, SIGSTOP);
      r.detail = "SIGSTOP";
      record_event("pause", f.target, now);
      r.end_s = -1;  // until resumed
      if (f.length > Duration::zero()) later(f.length);
      break;
    case FaultSpec::Action::kResume:
      supervisor_.signal(f.target, SIGCONT);
      r.detail = "SIGCONT";
      record_event("resume", f.target, now);
      for (FaultRecord& paused : records_) {
        if (paused.action == "pause" && paused.target == f.target && paused.end_s < 0)
          paused.end_s = r.start_s;
      }
      break;
    case FaultSpec::Action::kKillWorker: {
      int pid = supervisor_.kill_one_child(f.target);
      r.detail = pid ? fmt::format("SIGKILL to worker pid {}", pid) : "no worker was running";
      record_event("kill_worker", f.target, now);
      break;
    }
    case FaultSpec::Action::kNetwork:
      if (network_) network_->apply(f.target, &f.network);
      r.detail = describe(f.network);
      record_event("network", f.target + " " + r.detail, now);
      r.end_s = -1;  // until cleared
      if (f.length > Duration::zero()) later(f.length);
      break;
    case FaultSpec::Action::kPartition:
      try {
        r.detail = partitions_ ? partitions_->cut(index) : "no partitions here";
      } catch (const std::exception& e) {
        r.detail = "could not cut it off";
        errors_.push_back(
            fmt::format("the nemesis could not partition target \"{}\": {}", f.target, e.what()));
        break;  // instant: there is nothing to heal
      }
      record_event("partition", f.target + " " + r.detail, now);
      // Without a length it holds until the load ends (finish() heals it).
      r.end_s = -1;
      pending_.push_back({f.length > Duration::zero() ? now + f.length : TimePoint::max(), index,
                          records_.size()});
      break;
  }
  records_.push_back(std::move(r));
}

void Nemesis::end(const Pending& p, TimePoint now, bool early) {
  const FaultSpec& f = faults_[p.fault];
  FaultRecord& r = records_[p.record];
  if (r.end_s < 0) r.end_s = since_start(now);  // a resume fault may have ended it already
  switch (f.action) {
    case FaultSpec::Action::kKill:
    case FaultSpec::Action::kTerminate: {
      // A reference target may need a flag to continue from its state
      // (ticket_db --keep keeps the count in its file).
      std::vector<std::string> extra;
      if (const TargetSpec* t = scenario_.find_target(f.target)) {
        if (const ReferenceTarget* ref = find_reference_target(t->kind)) extra = ref->restart_args;
      }
      try {
        supervisor_.restart(f.target, extra);
        r.detail += early ? std::string("; restarted early, as the load ended")
                          : fmt::format("; restarted after {}", format_duration(*f.restart_after));
        record_event("restart", f.target, now);
      } catch (const TargetStartError& e) {
        r.detail += "; could not restart";
        errors_.push_back(
            fmt::format("the nemesis could not restart target \"{}\": {}", f.target, e.what()));
      }
      break;
    }
    case FaultSpec::Action::kPause:
      supervisor_.signal(f.target, SIGCONT);
      record_event("resume", f.target, now);
      break;
    case FaultSpec::Action::kNetwork:
      if (network_) network_->apply(f.target, nullptr);
      record_event("network_end", f.target, now);
      break;
    case FaultSpec::Action::kPartition:
      try {
        if (partitions_) partitions_->heal(p.fault);
        if (early && f.length > Duration::zero()) r.detail += "; healed early, as the load ended";
      } catch (const std::exception& e) {
        r.detail += "; could not heal";
        errors_.push_back(fmt::format(
            "the nemesis could not heal the partition of target \"{}\": {}", f.target, e.what()));
      }
      record_event("partition_end", f.target, now);
      break;
    case FaultSpec::Action::kResume:
    case FaultSpec::Action::kKillWorker:
      break;
  }
}

void Nemesis::record_event(const std::string& f, const std::string& value, TimePoint now) {
  if (!history_) return;
  Event e;
  e.time_ns = static_cast<std::uint64_t>(std::max<std::int64_t>(
      0, std::chrono::duration_cast<std::chrono::nanoseconds>(now - load_start_).count()));
  e.client = kNemesisClient;
  e.type = EventType::kInfo;
  e.fleet = "@nemesis";
  e.f = f;
  e.value = EventValue::of(value);
  history_->record(e);
}

}  // namespace drover
