// SshHost and the processes it starts. Each remote process runs under a
// small sh wrapper that leads its process group, sends the program's
// output to the run folder and records its exit status in a file: the
// program is not a child of anything drover can wait for.
#include "harness/remote/ssh_host.hpp"

#include <signal.h>
#include <string.h>
#include <sys/stat.h>

#include <cstdlib>
#include <memory>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "harness/core/bounded_regex.hpp"
#include "harness/process/output_capture.hpp"
#include "harness/process/proc_table.hpp"
#include "harness/remote/shell_quote.hpp"
#include "harness/remote/ssh_commands.hpp"
#include "harness/remote/ssh_connection.hpp"
#include "harness/remote/ssh_files.hpp"

namespace drover {
namespace {

using namespace std::chrono_literals;

// What a host and its processes share: the connection, with its commands
// and files, and who still runs. Members go in reverse order: files and
// commands before the connection they use.
struct Remote {
  Remote(SshHostSpec spec, SshHostOptions opts)
      : options(std::move(opts)),
        connection(std::move(spec), options.notify),
        commands(connection),
        files(connection, commands) {}
  SshHostOptions options;
  SshConnection connection;
  SshCommands commands;
  SshFiles files;
  std::set<int> running_groups;

  TimePoint command_deadline() const { return Clock::now() + options.command_timeout; }
  CommandResult shell(const std::string& text) {
    return commands.exec_shell(text, command_deadline());
  }
  const std::string& where() const { return connection.label(); }
  // For what goes wrong where no one is left to throw to (destructors).
  void warn(const std::string& message) const {
    notify(options.notify, connection.spec().notice_source(), message);
  }
};

// Stdout is read at most this much at a time, so a target that prints
// without pause cannot make one read unbounded.
constexpr std::size_t kStdoutChunk = 1 << 20;

// In the run folder: the process group of everything started there, one
// per line, for the watcher.
constexpr const char* kGroupsFile = ".groups";

// Runs argv: exec's the program with its output and exit status captured.
// $1..$3 are the stdout, stderr and status files.
// The wrapper leads the process group, runs the program as its child (so
// pid() is the program's own, as on LocalHost), writes the program's pid to
// <status>.pid, and records how it ended in <status>. Signals go to the
// other members of the group only, so the wrapper lives to record the end
// (a trap would not do: an interrupted wait loses the status in dash).
constexpr const char* kWrapper =
    "o=$1 e=$2 s=$3; shift 3; "
    "\"$@\" >\"$o\" 2>\"$e\" </dev/null & p=$!; echo $p >\"$s.pid\"; "
    "wait $p; echo $? >\"$s.part\"; mv \"$s.part\" \"$s\"";

// Succeeds while a member of process group pgid lives (zombies aside: an
// orphan's zombie waits for init, which may be slow to reap it).
std::string group_alive_test(int pgid) {
  return fmt::format("grep -qE '\\) [^Z] [0-9]+ {} ' /proc/[0-9]*/stat 2>/dev/null", pgid);
}

// "KILL" -> 9, as sshd names the signal that ended a command; 0 when unknown.
int signal_number(const std::string& name) {
  for (int sig = 1; sig < NSIG; ++sig) {
    const char* abbrev = ::sigabbrev_np(sig);
    if (abbrev != nullptr && name == abbrev) return sig;
  }
  return 0;
}

ExitStatus status_from_shell_code(int code) {
  ExitStatus status;
  if (code > 128 && code < 128 + 65) {
    status.signal = code - 128;  // how sh reports a program killed by a signal
  } else {
    status.exited = true;
    status.code = code;
  }
  return status;
}

class SshProcess final : public Process {
 public:
  SshProcess(std::shared_ptr<Remote> remote, int pgid, int pid, std::string out, std::string err,
             std::string status_file)
      : remote_(std::move(remote)),
        pgid_(pgid),
        pid_(pid),
        out_(std::move(out)),
        err_(std::move(err)),
        status_file_(std::move(status_file)) {}

  ~SshProcess() override {
    try {
      stop(0s);
    } catch (const HostError& e) {
      remote_->warn(e.what());
    }
  }

  int pid() const override { return pid_; }

  void signal(int sig) override {
    if (status_ && stopped_) return;
    remote_->shell(fmt::format(
        "for q in $(pgrep -g {1}); do [ \"$q\" = {1} ] || kill -{0} \"$q\"; done 2>/dev/null; true",
        sig, pgid_));
  }

  std::optional<ExitStatus> poll() override {
    if (status_) return status_;
    // "running" while the wrapper lives (a zombie does not count); then the
    // status it wrote before exiting, or "gone" if it was killed first.
    // Liveness first: the other order races with a wrapper just exiting.
    auto r = remote_->shell(fmt::format(
        "if [ -d /proc/{1} ] && ! grep -q ') Z ' /proc/{1}/stat 2>/dev/null; then echo running; "
        "elif [ -f {0} ]; then cat {0}; "
        "else echo gone; fi",
        shell_quote(status_file_), pgid_));
    std::string word = r.out.substr(0, r.out.find('\n'));
    if (word == "running") return std::nullopt;
    if (word == "gone") {
      ExitStatus killed;
      killed.signal = last_signal_ != 0 ? last_signal_ : SIGKILL;
      status_ = killed;
    } else {
      status_ = status_from_shell_code(std::atoi(word.c_str()));
    }
    return status_;
  }

  ExitStatus stop(Duration grace) override {
    if (stopped_ && status_) return *status_;
    if (!poll()) {
      last_signal_ = SIGTERM;
      signal(SIGTERM);
      const TimePoint until = Clock::now() + grace;
      while (!poll() && Clock::now() < until) std::this_thread::sleep_for(50ms);
      if (!status_) {
        last_signal_ = SIGKILL;
        signal(SIGKILL);
      }
    }
    // Whatever is left of the group (forked children), then make sure.
    remote_->shell(fmt::format("kill -9 -{} 2>/dev/null; true", pgid_));
    const TimePoint until = Clock::now() + 5s;
    bool gone = false;
    while (!gone && Clock::now() < until) {
      gone = remote_->shell(group_alive_test(pgid_)).exit_status != 0;
      if (!gone) std::this_thread::sleep_for(50ms);
    }
    stopped_ = true;
    remote_->running_groups.erase(pgid_);
    if (!poll()) status_ = ExitStatus{false, 0, SIGKILL};
    if (!gone) {
      throw HostError(fmt::format("{}: process group {} is still there after SIGKILL",
                                  remote_->where(), pgid_));
    }
    return *status_;
  }

  std::optional<std::string> wait_for_stdout_line(const std::regex& re,
                                                  TimePoint deadline) override {
    for (;;) {
      bool exited = poll().has_value();
      bool more = read_stdout();
      while (auto line = take_line()) {
        if (regex_search_bounded(*line, re)) return line;
      }
      if (more && Clock::now() < deadline) continue;
      if (exited || Clock::now() >= deadline) return std::nullopt;
      std::this_thread::sleep_for(100ms);
    }
  }

  std::vector<std::string> new_stdout_lines() override {
    read_stdout();
    std::vector<std::string> lines;
    while (auto line = take_line()) lines.push_back(std::move(*line));
    return lines;
  }

  std::string stderr_tail(std::size_t max_lines) override {
    return remote_->shell(fmt::format("tail -n {} {} 2>/dev/null", max_lines, shell_quote(err_)))
        .out;
  }

  // Paths on the host: copy_from() brings them here.
  std::vector<std::string> log_files() const override { return {out_, err_}; }

 private:
  // What stdout has gained since the last read, up to kStdoutChunk bytes,
  // into pending_; true when more may be waiting.
  bool read_stdout() {
    auto r = remote_->shell(fmt::format("tail -c +{} {} 2>/dev/null | head -c {}", seen_ + 1,
                                        shell_quote(out_), kStdoutChunk));
    seen_ += r.out.size();
    pending_.erase(0, taken_);
    taken_ = 0;
    pending_ += r.out;
    return r.out.size() >= kStdoutChunk;
  }

  // The next whole line of pending_, cut at OutputCapture::kMaxLineBytes as a
  // local target's lines are, so a line without end is never held whole.
  std::optional<std::string> take_line() {
    constexpr std::size_t kMaxLine = OutputCapture::kMaxLineBytes;
    std::size_t newline = pending_.find('\n', taken_);
    std::size_t length = (newline == std::string::npos ? pending_.size() : newline) - taken_;
    if (length >= kMaxLine) {
      std::string line = pending_.substr(taken_, kMaxLine);
      taken_ += kMaxLine;
      return line;
    }
    if (newline == std::string::npos) return std::nullopt;
    std::string line = pending_.substr(taken_, length);
    taken_ = newline + 1;
    return line;
  }

  std::shared_ptr<Remote> remote_;
  int pgid_;  // the wrapper's pid and the group's id
  int pid_;   // the program's
  std::string out_, err_, status_file_;
  std::optional<ExitStatus> status_;
  bool stopped_ = false;
  int last_signal_ = 0;
  std::size_t seen_ = 0;   // stdout bytes read so far
  std::string pending_;    // stdout read but not yet taken as lines
  std::size_t taken_ = 0;  // pending_'s first bytes, already taken
};

class SshHost final : public Host {
 public:
  explicit SshHost(std::shared_ptr<Remote> remote) : remote_(std::move(remote)) {}

  ~SshHost() override {
    try {
      for (int pgid : remote_->running_groups) {
        remote_->shell(fmt::format("kill -9 -{} 2>/dev/null; true", pgid));
      }
      if (!remote_->options.run_dir.empty()) {
        remote_->files.remove_tree(remote_->options.run_dir, remote_->command_deadline());
      }
      // The watcher finds nothing left to do, and ends.
      remote_->commands.release(remote_->command_deadline());
    } catch (const HostError& e) {
      remote_->warn(e.what());
    }
  }

  std::string name() const override {
    const auto& spec = remote_->connection.spec();
    return spec.name.empty() ? spec.address : spec.name;
  }

  ProcessPtr start(const ProcessSpec& spec) override {
    if (spec.argv.empty()) throw HostError(fmt::format("{}: nothing to start", remote_->where()));
    if (remote_->options.run_dir.empty()) {
      throw HostError(
          fmt::format("{}: no run folder to start \"{}\" in", remote_->where(), spec.argv[0]));
    }
    const std::string logs = remote_->options.run_dir + "/logs";
    const std::string base = logs + "/" + spec.name;
    const std::string out = base + ".stdout.log", err = base + ".stderr.log";
    const std::string status = base + ".status";
    std::vector<std::string> argv = {"setsid", "sh", "-c",  kWrapper, "drover-" + spec.name,
                                     out,      err,  status};
    argv.push_back("env");
    argv.push_back("DROVER_RUN_DIR=" + remote_->options.run_dir);
    for (const auto& [key, value] : spec.env) argv.push_back(key + "=" + value);
    argv.insert(argv.end(), spec.argv.begin(), spec.argv.end());
    // Checked first, so a missing program is an error here, not a status later.
    std::string text = fmt::format("mkdir -p -- {} || exit 1; ", shell_quote(logs));
    // A working folder inside the run folder is drover's own: made here.
    const std::string& run_dir = remote_->options.run_dir;
    if (spec.cwd.starts_with(run_dir + "/") && spec.cwd.find("/..") == std::string::npos) {
      text += fmt::format("mkdir -p -- {} || exit 1; ", shell_quote(spec.cwd));
    }
    if (!spec.cwd.empty()) text += fmt::format("cd -- {} || exit 1; ", shell_quote(spec.cwd));
    text += fmt::format("command -v {} >/dev/null || {{ echo 'not found' >&2; exit 127; }}; ",
                        shell_quote(spec.argv[0]));
    // A simple command in the background, so $! is setsid's pid, which
    // becomes the wrapper's and the group's; stdio detached from this
    // channel, so the command returns at once.
    text += shell_command(argv) + " </dev/null >/dev/null 2>&1 & g=$!; ";
    // For the watcher (make_ssh_host), should drover vanish.
    text += fmt::format("echo $g >>{}; ", shell_quote(run_dir + "/" + kGroupsFile));
    // The program's pid, once the wrapper has written it (2 s at most).
    text += fmt::format(
        "i=0; while [ ! -s {0}.pid ] && [ $i -lt 200 ]; do sleep 0.01; i=$((i+1)); done; "
        "echo $g $(cat {0}.pid 2>/dev/null)",
        shell_quote(status));
    auto r = remote_->shell(text);
    int pgid = 0, pid = 0;
    if (r.succeeded()) std::istringstream(r.out) >> pgid >> pid;
    if (pgid > 1 && pid <= 1) {
      remote_->shell(fmt::format("kill -9 -{} 2>/dev/null; true", pgid));
      throw HostError(fmt::format("{}: \"{}\" started, but its pid never showed up",
                                  remote_->where(), spec.argv[0]));
    }
    if (pid <= 1) {
      std::string why = r.err.empty() ? r.describe() : r.err.substr(0, r.err.find('\n'));
      throw HostError(
          fmt::format("{}: cannot start \"{}\": {}", remote_->where(), spec.argv[0], why));
    }
    remote_->running_groups.insert(pgid);
    return std::make_unique<SshProcess>(remote_, pgid, pid, out, err, status);
  }

  CommandOutput run(const std::vector<std::string>& argv, const std::string& cwd,
                    TimePoint deadline, std::size_t max_output) override {
    if (argv.empty()) throw HostError(fmt::format("{}: nothing to run", remote_->where()));
    // exec: the program replaces the login shell, so its status (or
    // signal) is what sshd reports; a missing one is status 127.
    std::string text = "exec " + shell_command(argv);
    if (!cwd.empty()) text = fmt::format("cd -- {} || exit 1; {}", shell_quote(cwd), text);
    CommandResult r = remote_->commands.exec_shell(text, deadline, max_output);
    CommandOutput output{std::nullopt, std::move(r.out), std::move(r.err), r.truncated};
    if (!r.exit_signal.empty()) {
      output.status = ExitStatus{false, 0, signal_number(r.exit_signal)};
    } else if (r.exit_status) {
      output.status = ExitStatus{true, *r.exit_status, 0};
    }
    return output;
  }

  // An executable file stays executable there (0755), others are 0644.
  void copy_to(const std::string& local_path, const std::string& host_path) override {
    struct stat local {};
    const bool executable = ::stat(local_path.c_str(), &local) == 0 && (local.st_mode & S_IXUSR);
    remote_->files.put(local_path, host_path, executable ? 0755 : 0644,
                       Clock::now() + remote_->options.transfer_timeout);
  }

  void copy_from(const std::string& host_path, const std::string& local_path) override {
    remote_->files.get(host_path, local_path, Clock::now() + remote_->options.transfer_timeout);
  }

  std::vector<int> zombie_children(int pid) override {
    return children(pid, [](char state) { return state == 'Z'; });
  }

  std::vector<int> running_children(int pid) override {
    return children(pid, [](char state) { return state != 'Z' && state != 'X'; });
  }

  bool signal_one(int pid, int sig) override {
    if (pid <= 1) return false;
    return remote_->shell(fmt::format("kill -{} {} 2>/dev/null", sig, pid)).succeeded();
  }

 private:
  // Children of pid on the host whose state passes `wanted`, from one read
  // of the host's /proc.
  template <class Wanted>
  std::vector<int> children(int pid, Wanted wanted) {
    auto r = remote_->shell("cat /proc/[0-9]*/stat 2>/dev/null; true");
    std::vector<int> found;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
      auto entry = parse_proc_stat(line);
      if (entry && entry->ppid == pid && wanted(entry->state)) found.push_back(entry->pid);
    }
    return found;
  }

  std::shared_ptr<Remote> remote_;
};

}  // namespace

HostPtr make_ssh_host(SshHostSpec spec, SshHostOptions options) {
  auto remote = std::make_shared<Remote>(std::move(spec), std::move(options));
  const std::string& dir = remote->options.run_dir;
  if (dir.empty()) return std::make_unique<SshHost>(std::move(remote));
  if (dir.size() < 2 || dir[0] != '/') {
    throw SshError(fmt::format("{}: the run folder must be an absolute path, not \"{}\"",
                               remote->where(), dir));
  }
  remote->files.make_directories(dir, remote->command_deadline());
  // The watcher: once drover lets go of it, or its connection is gone
  // (drover killed), it kills every process group started for the run
  // and removes the run folder, so nothing of the run outlives drover.
  const std::string quoted = shell_quote(dir);
  remote->commands.hold(
      fmt::format("cat >/dev/null; for g in $(cat {0}/{1} 2>/dev/null); do kill -9 -$g; done "
                  ">/dev/null 2>&1; rm -rf -- {0} >/dev/null 2>&1",
                  quoted, kGroupsFile),
      remote->command_deadline());
  return std::make_unique<SshHost>(std::move(remote));
}

}  // namespace drover
