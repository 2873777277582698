#include "harness/run/setup_steps.hpp"

#include <filesystem>
#include <fstream>
#include <map>

#include <fmt/format.h>

#include "harness/process/host.hpp"
#include "harness/remote/shell_quote.hpp"
#include "harness/remote/ssh_host.hpp"
#include "harness/run/remote_targets.hpp"

namespace drover {
namespace {

namespace fs = std::filesystem;

// The hosts steps ran on, each connected once; disconnected with this.
class StepHosts {
 public:
  StepHosts(const Scenario& scenario, const Notify& notify)
      : scenario_(scenario), notify_(notify) {}

  Host& get(const std::string& name) {
    if (name.empty()) {
      if (!local_) local_ = make_local_host(secret_variables(scenario_));
      return *local_;
    }
    auto& host = remote_[name];
    if (!host) {
      const RemoteHostSpec* declared = scenario_.find_host(name);
      if (declared == nullptr) throw HostError(fmt::format("no host named \"{}\"", name));
      // No run folder: a step runs where the user's login puts it.
      SshHostOptions options;
      options.notify = notify_;
      host = make_ssh_host(ssh_spec(*declared), std::move(options));
    }
    return *host;
  }

 private:
  const Scenario& scenario_;
  const Notify& notify_;
  HostPtr local_;
  std::map<std::string, HostPtr> remote_;
};

// The command line as a user would type it into a shell: an argument is
// quoted only when it needs to be.
std::string command_line(const std::vector<std::string>& argv) {
  std::string line;
  for (const std::string& arg : argv) {
    const bool plain = !arg.empty() && arg.find_first_not_of(
                                           "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                           "0123456789_./=:,+@%-") == std::string::npos;
    line += (line.empty() ? "" : " ") + (plain ? arg : shell_quote(arg));
  }
  return line;
}

// "db1 (drover@10.0.0.2:22)" or "this machine", for messages.
std::string where(const Scenario& scenario, const SetupStepSpec& step) {
  if (step.host.empty()) return "this machine";
  const RemoteHostSpec* h = scenario.find_host(step.host);
  return h ? fmt::format("host \"{}\" ({}@{}:{})", h->name, h->user, h->address, h->port)
           : fmt::format("host \"{}\"", step.host);
}

void write_log(const fs::path& path, const std::string& place, const SetupStepResult& result,
               const CommandOutput* output) {
  std::ofstream log(path, std::ios::binary | std::ios::trunc);
  log << fmt::format("step: {}\non: {}\ncommand: {}\nresult: {}\nduration: {:.3f} s\n", result.step,
                     place, command_line(result.argv), result.outcome, result.duration_s);
  if (output == nullptr) return;
  if (output->truncated) {
    log << fmt::format("(output truncated: {} bytes kept of each stream)\n", kSetupOutputLimit);
  }
  log << "--- stdout ---\n" << output->out;
  if (!output->out.empty() && output->out.back() != '\n') log << '\n';
  log << "--- stderr ---\n" << output->err;
  if (!output->err.empty() && output->err.back() != '\n') log << '\n';
}

SetupStepResult run_step(const Scenario& scenario, const SetupStepSpec& step, std::size_t index,
                         StepHosts& hosts, const fs::path& run_dir) {
  SetupStepResult result;
  result.step = step.at_pointer.empty() ? fmt::format("/setup/{}", index) : step.at_pointer;
  result.host = step.host;
  if (const RemoteHostSpec* h = scenario.find_host(step.host)) result.host_address = h->address;
  result.argv = step.argv;
  result.allow_failure = step.allow_failure;
  result.log = fmt::format("logs/setup-{}-{}.log", index, step.host.empty() ? "local" : step.host);

  const TimePoint start = Clock::now();
  const TimePoint deadline = start + step.timeout;
  std::optional<CommandOutput> output;
  try {
    output = hosts.get(step.host).run(step.argv, step.cwd, deadline, kSetupOutputLimit);
    result.outcome = output->describe();
    if (output->status && output->status->exited) result.exit_status = output->status->code;
    result.ok = output->succeeded();
  } catch (const HostError& e) {
    result.outcome = Clock::now() >= deadline ? fmt::format("timed out after {:.1f} s ({})",
                                                            to_seconds(step.timeout), e.what())
                                              : fmt::format("could not run: {}", e.what());
  }
  result.duration_s = to_seconds(Clock::now() - start);
  write_log(run_dir / result.log, where(scenario, step), result, output ? &*output : nullptr);
  return result;
}

}  // namespace

SetupOutcome run_setup_steps(const Scenario& scenario, const std::string& run_dir,
                             const Notify& notify, const std::atomic<bool>* interrupt) {
  SetupOutcome outcome;
  if (scenario.setup.empty()) return outcome;
  std::error_code ec;
  fs::create_directories(fs::path(run_dir) / "logs", ec);
  StepHosts hosts(scenario, notify);
  for (std::size_t i = 0; i < scenario.setup.size(); ++i) {
    const SetupStepSpec& step = scenario.setup[i];
    if (interrupt != nullptr && interrupt->load()) {
      outcome.failure = fmt::format("interrupted before setup step {}", step.at_pointer);
      break;
    }
    outcome.steps.push_back(run_step(scenario, step, i, hosts, run_dir));
    const SetupStepResult& r = outcome.steps.back();
    if (r.ok) continue;
    const std::string step_on = fmt::format("setup step {} on {}", r.step, where(scenario, step));
    const std::string why = fmt::format("{} {} (see {})", command_line(r.argv), r.outcome, r.log);
    if (step.allow_failure) {
      drover::notify(notify, step_on, why + "; allowed to fail, so the run goes on");
      continue;
    }
    outcome.failure = step_on + ": " + why;
    break;
  }
  return outcome;
}

}  // namespace drover
