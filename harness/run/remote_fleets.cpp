#include "harness/run/remote_fleets.hpp"
#include "harness/core/regex.hpp"

#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "harness/core/host_port.hpp"
#include "harness/load/load_model.hpp"

namespace drover {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr auto kReadyTimeout = 60s;
// How often a running agent is asked whether it still runs, and for its
// latest figures (two commands over its host's connection).
constexpr auto kPollInterval = 500ms;
// How long collect() waits for an agent that was already asked to stop.
constexpr auto kStopWait = 30s;

bool is_loopback(const std::string& address) {
  std::optional<HostPort> hp = parse_host_port(address);
  if (!hp) return false;
  return hp->host == "localhost" || hp->host == "::1" || hp->host.starts_with("127.");
}

// Consume fleets: how long after go the target's producers on other
// machines may still PUT (their load's end and their last operation's
// timeout); zero when it has none.
Duration producers_elsewhere_for(const Scenario& scenario, const FleetSpec& fleet) {
  if (fleet.first_op().workload != Workload::kConsume) return {};
  Duration last_put{};
  for (const FleetSpec& f : scenario.fleets) {
    if (f.target == fleet.target && f.first_op().workload == Workload::kProduce)
      last_put = std::max(last_put, f.longest_timeout());
  }
  if (last_put == Duration::zero()) return {};
  return longest_load(scenario.load) + last_put + 1s;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// An agent's examples are timed from its own load's start: onto drover's.
void shift_examples(SlotRecording& slot, Duration shift) {
  const double ms = std::chrono::duration<double, std::milli>(shift).count();
  for (FailureSamples& f : slot.failures) {
    for (FailureExample& e : f.first) e.t_ms = std::max(0.0, e.t_ms + ms);
    for (FailureExample& e : f.sampled) e.t_ms = std::max(0.0, e.t_ms + ms);
  }
}

}  // namespace

struct RemoteFleets::Agent {
  const FleetSpec* fleet = nullptr;
  FleetShare share;
  std::uint32_t first_client = 0;  // the share's first client id in the run
  Host* host = nullptr;
  std::string host_dir;   // the host's run folder
  std::string local_dir;  // <run_dir>/agents/<fleet>@<host>
  ProcessPtr process;
  bool exited = false;
  std::string failure;              // set when it could not be told to go
  Duration go_offset{};             // from drover's load start to go
  std::vector<SlotRecording> live;  // its latest figures, in its ops' order
  std::string label() const {
    return fmt::format("fleet \"{}\" on host \"{}\"", fleet->name, share.host);
  }
  std::string out_dir() const { return host_dir + "/agents/" + fleet->name; }
};

RemoteFleets::RemoteFleets(const Scenario& scenario, RemoteTargets& hosts,
                           RemoteFleetsOptions options)
    : scenario_(scenario), hosts_(hosts), options_(std::move(options)) {
  std::uint32_t first_client = 0;  // as LoadRun numbers them: fleets in order
  for (const FleetSpec& fleet : scenario.fleets) {
    for (const FleetShare& share : split_fleet(fleet)) {
      auto agent = std::make_unique<Agent>();
      agent->fleet = &fleet;
      agent->share = share;
      agent->first_client = first_client + static_cast<std::uint32_t>(share.first_index);
      agent->local_dir =
          (fs::path(options_.run_dir) / "agents" / (fleet.name + "@" + share.host)).string();
      agents_.push_back(std::move(agent));
    }
    first_client += static_cast<std::uint32_t>(fleet.clients);
  }
}

RemoteFleets::~RemoteFleets() = default;

void RemoteFleets::start(const std::function<std::string(const FleetSpec&)>& address_of) {
  if (agents_.empty()) return;
  upload_agents();
  for (auto& a : agents_) launch(*a, job_for(*a, address_of(*a->fleet)));
  await_ready();
}

void RemoteFleets::upload_agents() {
  std::error_code ec;
  if (!fs::is_regular_file(options_.agent_path, ec)) {
    throw HostError(fmt::format("drover-agent not found at {} (build drover, or set DROVER_AGENT)",
                                options_.agent_path));
  }
  std::set<std::string> uploaded;
  for (auto& a : agents_) {
    a->host = hosts_.host(a->share.host);
    a->host_dir = hosts_.run_dir(a->share.host);
    if (a->host == nullptr) throw HostError(a->label() + ": the host is not connected");
    if (uploaded.insert(a->share.host).second)
      a->host->copy_to(options_.agent_path, a->host_dir + "/drover-agent");
  }
}

AgentJob RemoteFleets::job_for(const Agent& a, const std::string& address) const {
  const TargetSpec* target = scenario_.find_target(a.fleet->target);
  if (is_loopback(address)) {
    throw HostError(fmt::format(
        "{}: its target \"{}\" is reached at {}, a loopback address of this machine that the "
        "host cannot reach: place the target on a host too, or give it an address the host "
        "reaches",
        a.label(), target->name, address));
  }
  AgentJob job;
  job.host = a.share.host;
  job.fleet = *a.fleet;
  job.fleet.clients = a.share.clients;
  job.fleet.hosts.clear();
  job.protocol = target->protocol;
  job.address = address;
  const double share = static_cast<double>(a.share.clients) / a.fleet->clients;
  job.load = scale_load(scenario_.load, share);
  job.first_client = a.first_client;
  job.first_index = a.share.first_index;
  job.seed = options_.seed;
  job.record_history = options_.record_history;
  job.bound = options_.bound;
  job.producers_elsewhere_for = producers_elsewhere_for(scenario_, *a.fleet);
  return job;
}

void RemoteFleets::launch(Agent& a, const AgentJob& job) {
  std::error_code ec;
  fs::create_directories(a.local_dir, ec);
  const fs::path job_file = fs::path(a.local_dir) / "job.json";
  {
    std::ofstream out(job_file, std::ios::binary | std::ios::trunc);
    out << job_to_json(job);
    if (!out.flush()) throw HostError(fmt::format("cannot write {}", job_file.string()));
  }
  const std::string host_job = a.host_dir + "/" + a.fleet->name + ".agent.json";
  a.host->copy_to(job_file.string(), host_job);
  ProcessSpec spec;
  spec.name = "agent-" + a.fleet->name;
  spec.argv = {a.host_dir + "/drover-agent", "--job", host_job, "--out", a.out_dir()};
  spec.cwd = a.host_dir;
  // As every process of the run carries it, here and on hosts.
  spec.env = {{"DROVER_RUN_DIR", options_.run_dir}};
  a.process = a.host->start(spec);
}

void RemoteFleets::await_ready() {
  static const Regex ready = compile_regex("^READY").value();
  for (auto& a : agents_) {
    if (a->process->wait_for_stdout_line(ready, Clock::now() + kReadyTimeout)) continue;
    std::optional<ExitStatus> status = a->process->poll();
    throw HostError(fmt::format("{}: drover-agent {}: {}", a->label(),
                                status ? status->describe() : "never became ready",
                                a->process->stderr_tail(5)));
  }
}

void RemoteFleets::go(TimePoint load_start, std::map<std::string, QueueProducers>& producers) {
  for (const auto& a : agents_) {
    Workload w = a->fleet->first_op().workload;
    if (w != Workload::kProduce && w != Workload::kConsume) continue;
    Drain& d = drains_[a->fleet->target];
    d.local = &producers[a->fleet->target];
  }
  for (auto& [target, d] : drains_) {
    bool remote_producers = false, local_consumers = false;
    for (const auto& a : agents_) {
      remote_producers = remote_producers || (a->fleet->target == target &&
                                              a->fleet->first_op().workload == Workload::kProduce);
    }
    for (const FleetSpec& f : scenario_.fleets) {
      local_consumers = local_consumers || (f.target == target && f.hosts.empty() &&
                                            f.first_op().workload == Workload::kConsume);
    }
    if (remote_producers && local_consumers) {
      d.local->started();
      d.holding_local = true;
    }
  }
  for (auto& a : agents_) {
    a->go_offset = Clock::now() - load_start;
    try {
      a->process->signal(SIGUSR1);
    } catch (const std::exception& e) {
      a->failure = fmt::format("{}: could not start its load: {}", a->label(), e.what());
    }
  }
  last_poll_ = Clock::now();
}

bool RemoteFleets::finished() {
  bool all = true;
  for (auto& a : agents_) all = all && a->exited;
  if (all) return true;
  if (Clock::now() - last_poll_ < kPollInterval) return false;
  last_poll_ = Clock::now();
  all = true;
  for (auto& a : agents_) {
    if (!a->exited) {
      try {
        a->exited = a->process->poll().has_value();
        read_figures(*a);
      } catch (const std::exception& e) {
        a->failure = fmt::format("{}: lost: {}", a->label(), e.what());
        a->exited = true;
      }
    }
    all = all && a->exited;
  }
  coordinate_drains();
  return all;
}

void RemoteFleets::coordinate_drains() {
  for (auto& [target, d] : drains_) {
    bool producers_exited = true;
    for (const auto& a : agents_) {
      if (a->fleet->target == target && a->fleet->first_op().workload == Workload::kProduce)
        producers_exited = producers_exited && a->exited;
    }
    if (!producers_exited) continue;
    if (d.holding_local) {
      d.holding_local = false;
      d.local->ended();
    }
    if (d.agents_told || !d.local->all_done()) continue;
    d.agents_told = true;
    tell_consumers(target);
  }
}

void RemoteFleets::tell_consumers(const std::string& target) {
  for (auto& a : agents_) {
    if (a->exited || a->fleet->target != target ||
        a->fleet->first_op().workload != Workload::kConsume)
      continue;
    try {
      a->process->signal(SIGUSR2);
    } catch (const std::exception& e) {
      // Not fatal: the agent's own time for the producers will come.
      warn(*a, fmt::format("not told that its producers are done: {}", e.what()));
    }
  }
}

void RemoteFleets::warn(const Agent& agent, const std::string& message) const {
  notify(options_.notify, agent.label(), message);
}

void RemoteFleets::read_figures(Agent& agent) {
  constexpr std::string_view prefix = "FIGURES ";
  std::vector<std::string> lines = agent.process->new_stdout_lines();
  for (auto line = lines.rbegin(); line != lines.rend(); ++line) {
    if (!line->starts_with(prefix)) continue;
    try {
      agent.live = recording_from_json(line->substr(prefix.size())).recording.slots;
    } catch (const std::exception& e) {
      warn(agent, fmt::format("unreadable figures: {}", e.what()));
    }
    return;
  }
}

void RemoteFleets::add_live(std::vector<SlotRecording>& into,
                            const std::vector<FleetSlots>& slots) const {
  for (const auto& a : agents_) {
    for (const FleetSlots& f : slots) {
      if (f.name != a->fleet->name) continue;
      if (into.size() < f.first_slot + f.op_names.size())
        into.resize(f.first_slot + f.op_names.size());
      for (std::size_t i = 0; i < a->live.size() && i < f.op_names.size(); ++i) {
        SlotRecording& slot = into[f.first_slot + i];
        slot.totals += a->live[i].totals;
        slot.latency.merge(a->live[i].latency);
        slot.inflight += a->live[i].inflight;
      }
    }
  }
}

bool RemoteFleets::failed() const {
  for (const auto& a : agents_)
    if (!a->failure.empty()) return true;
  return false;
}

void RemoteFleets::stop() {
  if (stopping_) return;
  stopping_ = true;
  for (auto& a : agents_) {
    if (a->exited) continue;
    try {
      a->process->signal(SIGTERM);
    } catch (const std::exception& e) {
      a->failure = fmt::format("{}: could not be stopped: {}", a->label(), e.what());
    }
  }
}

RemoteRecording RemoteFleets::collect(const std::vector<FleetSlots>& slots, HistoryLog* history) {
  await_exit();
  std::size_t slot_count = 0;
  for (const FleetSlots& f : slots) slot_count += f.op_names.size();
  RemoteRecording collected;
  for (auto& a : agents_) {
    if (!a->failure.empty()) throw HostError(a->failure);
    ExitStatus status = a->process->stop(1s);
    fetch_logs(*a);
    if (!status.exited || status.code != 0) {
      throw HostError(fmt::format("{}: drover-agent {}: {}", a->label(), status.describe(),
                                  a->process->stderr_tail(5)));
    }
    AgentRecording got = fetch_recording(*a);
    auto fleet_slots = std::find_if(slots.begin(), slots.end(),
                                    [&](const FleetSlots& f) { return f.name == a->fleet->name; });
    if (fleet_slots == slots.end() || fleet_slots->op_names != got.op_names) {
      throw HostError(
          fmt::format("{}: its recording is not of the fleet's operations", a->label()));
    }
    // Onto drover's clock: the agent's load started this long after ours.
    const Duration shift = a->go_offset + got.go_to_start;
    ShareRecording share{a->fleet->name, a->share.host, a->share.clients, {}, got.load_duration};
    share.recording.slots.resize(slot_count);
    for (std::size_t i = 0; i < got.op_names.size(); ++i) {
      shift_examples(got.recording.slots[i], shift);
      share.recording.slots[fleet_slots->first_slot + i] = std::move(got.recording.slots[i]);
    }
    share.recording.seconds = std::move(got.recording.seconds);
    for (auto& [second, recorded] : share.recording.seconds) {
      for (SlotSecond& s : recorded.latency)
        s.slot += static_cast<std::uint32_t>(fleet_slots->first_slot);
    }
    const auto second_offset = static_cast<std::size_t>(std::max<Duration>(shift, {}) / 1s);
    append_recording(collected.merged, share.recording, second_offset);
    longest_ = std::max(longest_, shift + got.load_duration);
    if (history != nullptr && got.history_events > 0) add_history(*a, shift, *history);
    collected.shares.push_back(std::move(share));
  }
  return collected;
}

void RemoteFleets::await_exit() {
  const TimePoint ask_to_stop = Clock::now() + options_.bound;
  while (!finished()) {
    if (Clock::now() >= ask_to_stop) stop();
    if (stopping_ && Clock::now() >= ask_to_stop + kStopWait) break;
    std::this_thread::sleep_for(50ms);
  }
}

void RemoteFleets::fetch_logs(Agent& a) {
  const fs::path logs = fs::path(options_.run_dir) / "logs";
  std::error_code ec;
  fs::create_directories(logs, ec);
  for (const std::string& log : a.process->log_files()) {
    try {
      // agent-<fleet>.stdout.log there, agent-<fleet>@<host>.stdout.log here
      const std::string stream = log.ends_with(".stderr.log") ? ".stderr.log" : ".stdout.log";
      a.host->copy_from(log,
                        (logs / ("agent-" + a.fleet->name + "@" + a.share.host + stream)).string());
    } catch (const HostError& e) {
      warn(a, fmt::format("its log {} stays behind: {}", log, e.what()));
    }
  }
}

AgentRecording RemoteFleets::fetch_recording(Agent& a) {
  const fs::path local_recording = fs::path(a.local_dir) / "recording.json";
  a.host->copy_from(a.out_dir() + "/recording.json", local_recording.string());
  try {
    return recording_from_json(read_text(local_recording));
  } catch (const std::exception& e) {
    throw HostError(
        fmt::format("{}: its recording {}: {}", a.label(), local_recording.string(), e.what()));
  }
}

void RemoteFleets::add_history(Agent& a, Duration shift, HistoryLog& history) {
  const fs::path local_history = fs::path(a.local_dir) / "history.jsonl";
  a.host->copy_from(a.out_dir() + "/history.jsonl", local_history.string());
  HistoryLog::Buffer& buffer = history.new_buffer();
  const auto shift_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(shift).count();
  auto read = read_history(local_history.string(), [&](const Event& e) {
    Event moved = e;
    moved.time_ns = static_cast<std::uint64_t>(
        std::max<std::int64_t>(0, static_cast<std::int64_t>(e.time_ns) + shift_ns));
    buffer.record(moved);
  });
  if (!read) throw HostError(fmt::format("{}: its history: {}", a.label(), read.error()));
  history.flush();
}

}  // namespace drover
