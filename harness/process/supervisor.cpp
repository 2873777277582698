#include "harness/process/supervisor.hpp"

#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <system_error>

#include <fmt/format.h>

#include "harness/core/duration.hpp"
#include "harness/core/expected.hpp"
#include "harness/core/host_port.hpp"
#include "harness/core/regex.hpp"

namespace drover {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// What a reference target prints once it serves: its protocol and address.
constexpr const char* kReferenceReadyRegex = R"(^READY (udp|tcp) (\S+)$)";
// Stderr lines quoted in an "exited before it was ready" message.
constexpr std::size_t kStderrTailLines = 10;
// Probes run in slices this long, so an early exit is noticed between them.
constexpr auto kProbeSlice = 100ms;
// poll_exits() asks a target on another host at most this often: each ask
// is a command over SSH.
constexpr auto kRemotePollInterval = 500ms;

// address with its host part replaced by host ("0.0.0.0:7000" -> "10.0.0.2:7000").
std::string on_host(const std::string& address, const std::string& host) {
  std::optional<HostPort> parsed = parse_host_port(address);
  if (!parsed) return address;
  bool v6 = host.find(':') != std::string::npos;
  return fmt::format("{}{}{}:{}", v6 ? "[" : "", host, v6 ? "]" : "", parsed->port);
}

void replace_all(std::string& text, std::string_view from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

std::string indent(const std::string& lines) {
  std::string out = "    ";
  for (char c : lines) {
    out += c;
    if (c == '\n') out += "    ";
  }
  return out;
}

// What a warning about the target is about.
std::string source_of(const TargetSpec& spec) {
  return fmt::format("target {}", spec.name);
}

// How a target ended when drover stopped it at the end of the run.
std::string describe_stop(const ExitStatus& status, Duration grace) {
  if (status.exited) return status.describe() + " after SIGTERM";
  if (status.signal == SIGKILL) {
    return fmt::format("{} after ignoring SIGTERM for {}", status.describe(),
                       format_duration(grace));
  }
  return status.describe();
}

// A target that did not become ready: what to tell the user, and how it
// ended (for results()).
struct NotReady {
  std::string message;
  std::string ended;
};

NotReady exited_before_ready(Process& process, const TargetSpec& spec) {
  ExitStatus status = process.stop(spec.stop_grace);  // already reaped; completes the logs
  NotReady failure;
  failure.ended = status.describe() + " before it was ready";
  failure.message = failure.ended;
  std::string tail = process.stderr_tail(kStderrTailLines);
  if (!tail.empty()) failure.message += "; last lines of its stderr:\n" + indent(tail);
  return failure;
}

NotReady not_ready_in_time(Process& process, const TargetSpec& spec,
                           const std::string& waiting_for) {
  // Exited in the last moment: that is the better explanation.
  if (process.poll()) return exited_before_ready(process, spec);
  ExitStatus status = process.stop(spec.stop_grace);
  const std::string after = format_duration(spec.ready.timeout);
  return NotReady{
      fmt::format("not ready after {} (waiting for {}); see logs/{}.stdout.log and "
                  "logs/{}.stderr.log",
                  after, waiting_for, spec.name, spec.name),
      fmt::format("not ready after {}; {}", after, describe_stop(status, spec.stop_grace))};
}

// What a target must show before it counts as ready, and by when.
struct ReadyWait {
  const Regex* line = nullptr;  // a stdout line matching it, when set
  std::string line_regex;       // its text, for messages
  TimePoint deadline{};
  std::string address;  // as known before the line: the scenario's
};

using Readiness = Expected<std::string, NotReady>;

// The ready line, when one is awaited, and the address the target serves
// on: a reference target's line gives it (the regex's second group; a
// custom regex with fewer groups leaves the address as the scenario gave it).
Readiness await_ready_line(Process& process, const TargetSpec& spec, const ReadyWait& wait) {
  if (!wait.line) return wait.address;
  auto line = process.wait_for_stdout_line(*wait.line, wait.deadline);
  if (!line) {
    return Unexpected<NotReady>{not_ready_in_time(
        process, spec, fmt::format("a stdout line matching \"{}\"", wait.line_regex))};
  }
  if (spec.source != TargetSpec::Source::kReference) return wait.address;
  RegexMatch match;
  regex_search_in(*line, match, *wait.line);
  return match.size() > 2 && match[2].matched ? match[2].str() : spec.address;
}

// The readiness probe on the ready address (or the target's own).
Expected<void, NotReady> await_probe(Process& process, const TargetSpec& spec,
                                     const std::string& address, TimePoint deadline) {
  if (spec.ready.probe == ReadySpec::Probe::kNone) return {};
  const std::string probe_address = spec.ready.address.empty() ? address : spec.ready.address;
  const bool udp = spec.ready.probe == ReadySpec::Probe::kUdpBound;
  if (!parse_host_port(probe_address)) {
    process.stop(spec.stop_grace);
    return Unexpected<NotReady>{
        {fmt::format("bad ready address \"{}\" (want host:port)", probe_address),
         "stopped: bad ready address"}};
  }
  for (;;) {
    const TimePoint slice = std::min(deadline, Clock::now() + kProbeSlice);
    if (udp ? wait_udp_bound(probe_address, slice) : wait_tcp_accepts(probe_address, slice)) {
      return {};
    }
    if (process.poll()) return Unexpected<NotReady>{exited_before_ready(process, spec)};
    if (Clock::now() >= deadline) {
      return Unexpected<NotReady>{
          not_ready_in_time(process, spec,
                            udp ? fmt::format("UDP port {} to be bound", probe_address)
                                : fmt::format("a TCP connection to {}", probe_address))};
    }
  }
}

// Waits, until the deadline, for the ready line and then the probe, and
// returns the target's address. On failure the process is stopped before
// this returns.
Readiness wait_until_ready(Process& process, const TargetSpec& spec, const ReadyWait& wait) {
  Readiness address = await_ready_line(process, spec, wait);
  if (!address) return address;
  Expected<void, NotReady> probed = await_probe(process, spec, *address, wait.deadline);
  if (!probed) return Unexpected<NotReady>{probed.take_error()};
  // Ready also means still running: a line or port left by a process that
  // has already exited does not count.
  if (process.poll()) return Unexpected<NotReady>{exited_before_ready(process, spec)};
  return address;
}

// "{dir}" in a command target's command, environment and files is its
// folder of the run folder (work/NAME), made before it starts, with its
// files written there.
void write_work_folder(TargetSpec& spec, const std::string& run_dir) {
  auto uses_dir = [](const std::string& s) { return s.find(kDirPlaceholder) != std::string::npos; };
  bool in_env = std::any_of(spec.env.begin(), spec.env.end(),
                            [&](const auto& e) { return uses_dir(e.second); });
  if (spec.files.empty() && !in_env && std::none_of(spec.argv.begin(), spec.argv.end(), uses_dir))
    return;
  const fs::path dir = target_folder(run_dir, spec.name);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    throw TargetStartError(fmt::format("target \"{}\": cannot make its folder {}: {}", spec.name,
                                       dir.string(), ec.message()));
  }
  for (auto& arg : spec.argv) replace_all(arg, kDirPlaceholder, dir.string());
  for (auto& e : spec.env) replace_all(e.second, kDirPlaceholder, dir.string());
  for (auto& [name, text] : spec.files) {
    replace_all(text, kDirPlaceholder, dir.string());
    std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out) {
      throw TargetStartError(
          fmt::format("target \"{}\": cannot write {}", spec.name, (dir / name).string()));
    }
  }
}

}  // namespace

std::filesystem::path target_folder(const std::string& run_dir, const std::string& target) {
  return std::filesystem::path(run_dir) / "work" / target;
}

std::string with_target_folder(std::string text, const std::string& run_dir,
                               const std::string& target) {
  replace_all(text, kDirPlaceholder, target_folder(run_dir, target).string());
  return text;
}

struct TargetSupervisor::Running {
  TargetSpec spec;  // as started: "{port}" substituted
  Host* host = nullptr;
  std::optional<TargetPlacement> placement;  // on another host
  TimePoint last_poll{};
  bool logs_fetched = false;
  std::string address;
  ProcessSpec process_spec;  // to start it again
  std::string ready_regex;
  ProcessPtr process;
  TimePoint ready_deadline{};
  std::vector<ProcessPtr> earlier;  // before restarts: their logs stay in the results
  int restarts = 0;
  bool exit_expected = false;  // the nemesis stopped it: not an exit during the run
  bool exited_during_run = false;
  bool exit_reported = false;  // by poll_exits()
  bool stopped = false;
  std::string exit_description;
};

TargetSupervisor::TargetSupervisor(Host& host, SupervisorOptions options)
    : host_(host), options_(std::move(options)) {}

TargetSupervisor::~TargetSupervisor() {
  stop_all();
}

void TargetSupervisor::start(const TargetSpec& given, const TargetPlacement* placement) {
  auto target = std::make_unique<Running>();
  target->spec = given;
  TargetSpec& spec = target->spec;
  const std::string prefix = fmt::format("target \"{}\": ", spec.name);
  target->host = &host_;
  if (placement != nullptr && spec.source != TargetSpec::Source::kAddress) {
    target->placement = *placement;
    target->host = placement->host;
    if (!spec.address.empty()) spec.address = on_host(spec.address, placement->address);
    if (!spec.ready.address.empty()) {
      spec.ready.address = on_host(spec.ready.address, placement->address);
    }
  }

  if (spec.source == TargetSpec::Source::kAddress) {
    target->address = spec.address;
    running_.push_back(std::move(target));
    return;
  }

  if (spec.wants_free_port) {
    int port = 0;
    try {
      port = pick_free_port(spec.protocol);
    } catch (const std::system_error& e) {
      throw TargetStartError(prefix + "cannot pick a free port: " + e.what());
    }
    const std::string text = std::to_string(port);
    for (auto& arg : spec.argv) replace_all(arg, "{port}", text);
    replace_all(spec.address, "{port}", text);
    replace_all(spec.ready.address, "{port}", text);
    for (auto& file : spec.files) replace_all(file.second, "{port}", text);
  }
  if (!target->placement) write_work_folder(spec, options_.run_dir);

  ProcessSpec process_spec;
  process_spec.name = spec.name;
  process_spec.cwd = spec.cwd;
  process_spec.log_dir = (fs::path(options_.run_dir) / "logs").string();
  process_spec.env = options_.env;
  process_spec.env.insert(process_spec.env.end(), spec.env.begin(), spec.env.end());
  std::string ready_regex = spec.ready.stdout_regex;
  if (spec.source == TargetSpec::Source::kReference && target->placement) {
    process_spec.argv.push_back((fs::path(target->placement->targets_dir) / spec.kind).string());
    if (ready_regex.empty()) ready_regex = kReferenceReadyRegex;
  } else if (spec.source == TargetSpec::Source::kReference) {
    const fs::path executable = fs::path(options_.targets_dir) / spec.kind;
    std::error_code ec;
    if (!fs::is_regular_file(executable, ec)) {
      throw TargetStartError(prefix + fmt::format("reference target executable not found at {} "
                                                  "(build drover, or set DROVER_TARGETS_DIR)",
                                                  executable.string()));
    }
    process_spec.argv.push_back(executable.string());
    if (ready_regex.empty()) ready_regex = kReferenceReadyRegex;
  } else {
    target->address = spec.address;
  }
  process_spec.argv.insert(process_spec.argv.end(), spec.argv.begin(), spec.argv.end());

  target->process_spec = std::move(process_spec);
  target->ready_regex = std::move(ready_regex);
  start_process(*target);
  // From here on the target is recorded, so its logs reach the results even
  // when it fails to become ready.
  Running& t = *target;
  running_.push_back(std::move(target));
  await_ready(t);
}

void TargetSupervisor::start_process(Running& t) {
  const std::string prefix = fmt::format("target \"{}\": ", t.spec.name);
  if (!t.ready_regex.empty()) {
    if (auto compiled = compile_regex(t.ready_regex); !compiled) {
      throw TargetStartError(
          prefix + fmt::format("bad ready regex \"{}\": {}", t.ready_regex, compiled.error()));
    }
  }
  try {
    t.process = t.host->start(t.process_spec);
  } catch (const HostError& e) {
    throw TargetStartError(prefix + e.what());
  }
  t.ready_deadline = Clock::now() + t.spec.ready.timeout;
}

void TargetSupervisor::await_ready(Running& t) {
  Regex ready_re;
  if (!t.ready_regex.empty()) ready_re = compile_regex(t.ready_regex).value();
  const Regex* re = t.ready_regex.empty() ? nullptr : &ready_re;
  Readiness ready = wait_until_ready(*t.process, t.spec,
                                     ReadyWait{re, t.ready_regex, t.ready_deadline, t.address});
  if (!ready) {
    t.stopped = true;
    t.exit_description = ready.error().ended;
    throw TargetStartError(fmt::format("target \"{}\": ", t.spec.name) + ready.error().message);
  }
  t.address = t.placement ? on_host(*ready, t.placement->address) : *ready;
}

void TargetSupervisor::fetch_logs(Running& t) {
  if (!t.placement || t.logs_fetched) return;
  t.logs_fetched = true;
  const fs::path logs = fs::path(options_.run_dir) / "logs";
  std::error_code ec;
  fs::create_directories(logs, ec);
  std::vector<Process*> processes;
  for (auto& p : t.earlier) processes.push_back(p.get());
  if (t.process) processes.push_back(t.process.get());
  for (Process* p : processes) {
    for (const std::string& log : p->log_files()) {
      try {
        t.host->copy_from(log, (logs / fs::path(log).filename()).string());
      } catch (const HostError& e) {
        notify(options_.notify, source_of(t.spec),
               fmt::format("its log {} stays behind: {}", log, e.what()));
      }
    }
  }
}

TargetSupervisor::Running& TargetSupervisor::find(const std::string& name) {
  for (auto& t : running_)
    if (t->spec.name == name) return *t;
  throw std::out_of_range(fmt::format("no target named \"{}\"", name));
}

void TargetSupervisor::signal(const std::string& name, int sig) {
  Running& t = find(name);
  if (t.process && !t.stopped) t.process->signal(sig);
}

int TargetSupervisor::kill_one_child(const std::string& name) {
  Running& t = find(name);
  if (!t.process || t.stopped) return 0;
  for (int child : t.host->running_children(t.process->pid())) {
    if (t.host->signal_one(child, SIGKILL)) return child;
  }
  return 0;
}

void TargetSupervisor::expect_exit(const std::string& name) {
  find(name).exit_expected = true;
}

void TargetSupervisor::restart(const std::string& name,
                               const std::vector<std::string>& extra_args) {
  Running& t = find(name);
  if (!t.process || t.stopped) return;
  // What is left of the old one (its group, its logs) goes first.
  t.process->stop(t.spec.stop_grace);
  t.earlier.push_back(std::move(t.process));
  ++t.restarts;
  t.exit_reported = false;
  t.exit_expected = false;
  t.process_spec.name = fmt::format("{}.restart{}", t.spec.name, t.restarts);
  if (t.spec.source == TargetSpec::Source::kReference) {
    // The same address as before, so the fleets find it again.
    if (std::optional<HostPort> address = parse_host_port(t.address)) {
      t.process_spec.argv.insert(t.process_spec.argv.end(),
                                 {"--port", std::to_string(address->port)});
    }
  }
  for (const std::string& arg : extra_args) {
    if (std::find(t.process_spec.argv.begin(), t.process_spec.argv.end(), arg) ==
        t.process_spec.argv.end())
      t.process_spec.argv.push_back(arg);
  }
  try {
    start_process(t);
  } catch (const TargetStartError&) {
    t.stopped = true;
    t.exit_description = "not started again";
    throw;
  }
  await_ready(t);
}

int TargetSupervisor::restarts(const std::string& name) {
  return find(name).restarts;
}

const std::string& TargetSupervisor::address_of(const std::string& name) const {
  for (const auto& t : running_)
    if (t->spec.name == name) return t->address;
  throw std::out_of_range(fmt::format("no target named \"{}\"", name));
}

int TargetSupervisor::pid_of(const std::string& name) const {
  for (const auto& t : running_)
    if (t->spec.name == name) return t->process ? t->process->pid() : 0;
  throw std::out_of_range(fmt::format("no target named \"{}\"", name));
}

std::vector<std::string> TargetSupervisor::poll_exits() {
  std::vector<std::string> exited;
  for (auto& t : running_) {
    if (!t->process || t->stopped || t->exit_reported) continue;
    if (t->placement) {
      if (Clock::now() - t->last_poll < kRemotePollInterval) continue;
      t->last_poll = Clock::now();
    }
    std::optional<ExitStatus> status;
    try {
      status = t->process->poll();
    } catch (const HostError& e) {
      // Its host cannot be asked any more (the connection broke): for the
      // run, the target is gone.
      t->exit_reported = true;
      t->exit_description = fmt::format("lost: {}", e.what());
      t->exited_during_run = true;
      exited.push_back(t->spec.name);
      continue;
    }
    if (status) {
      t->exit_reported = true;
      t->exit_description = status->describe();
      if (t->exit_expected) {
        t->exit_description += " (by the nemesis)";
        continue;
      }
      t->exited_during_run = true;
      exited.push_back(t->spec.name);
    }
  }
  return exited;
}

std::vector<int> TargetSupervisor::zombie_children(const std::string& name) {
  Running& t = find(name);
  if (!t.process) return {};
  return t.host->zombie_children(t.process->pid());
}

void TargetSupervisor::stop_all() {
  for (auto it = running_.rbegin(); it != running_.rend(); ++it) {
    Running& t = **it;
    if (!t.process || t.stopped) continue;
    t.stopped = true;
    try {
      if (auto status = t.process->poll()) {
        // Exited on its own after the last poll_exits(): still during the run.
        if (!t.exit_reported) {
          t.exited_during_run = !t.exit_expected;
          t.exit_reported = true;
          t.exit_description = status->describe() + (t.exit_expected ? " (by the nemesis)" : "");
        }
        t.process->stop(t.spec.stop_grace);  // sweeps the group, completes the logs
      } else {
        t.exit_description = describe_stop(t.process->stop(t.spec.stop_grace), t.spec.stop_grace);
      }
    } catch (const HostError& e) {
      // Only a remote host fails here; the others must still be stopped.
      t.exit_description = fmt::format("could not be stopped: {}", e.what());
      notify(options_.notify, source_of(t.spec), t.exit_description);
    }
  }
  // Also those that never became ready (stopped already).
  for (auto& t : running_) fetch_logs(*t);
}

std::vector<TargetResult> TargetSupervisor::results() const {
  std::vector<TargetResult> results;
  const fs::path run_dir = fs::path(options_.run_dir).lexically_normal();
  for (const auto& t : running_) {
    TargetResult r;
    r.name = t->spec.name;
    r.kind = t->spec.kind;
    if (r.kind.empty()) {
      r.kind = t->spec.source == TargetSpec::Source::kAddress ? "address" : "command";
    }
    r.address = t->address;
    if (t->placement) {
      r.host = t->spec.host;
      r.host_address = t->placement->address;
    }
    r.exited_during_run = t->exited_during_run;
    r.exit_description = t->exit_description;
    r.restarts = t->restarts;
    if (t->process) r.pid = t->process->pid();
    std::vector<const Process*> processes;
    for (const auto& p : t->earlier) processes.push_back(p.get());
    if (t->process) processes.push_back(t->process.get());
    for (const Process* p : processes) {
      for (const auto& log : p->log_files()) {
        // A remote target's logs are fetched (or will be) into logs/.
        r.logs.push_back(
            t->placement ? (fs::path("logs") / fs::path(log).filename()).string()
                         : fs::path(log).lexically_normal().lexically_relative(run_dir).string());
      }
    }
    results.push_back(std::move(r));
  }
  return results;
}

}  // namespace drover
