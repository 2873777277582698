// SshHost and the processes it starts. Each remote process runs under a
// small sh wrapper that leads its process group, sends the program's
// output to the run folder and records its exit status in a file: the
// program is not a child of anything drover can wait for.
#include "harness/remote/ssh_host.hpp"

#include <signal.h>
#include <string.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <set>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "harness/core/expected.hpp"
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
// $1..$5 are the stdout, stderr and status files, the environment file
// and the umask the program gets.
// The wrapper leads the process group, runs the program as its child (so
// pid() is the program's own, as on LocalHost), writes the program's pid to
// <status>.pid, and records how it ended in <status>. Signals go to the
// other members of the group only, so the wrapper lives to record the end
// (a trap would not do: an interrupted wait loses the status in dash).
// The environment comes from a file, opened and removed before the
// program starts, so that no value is ever an argument (every user of the
// host sees those in ps, and the wrapper lives as long as the program).
// Only the program's subshell reads it: the wrapper's own variables and
// PATH stay its own, whatever names the file sets. The wrapper runs under
// umask 077, so its files (the logs among them) are its user's alone; the
// program gets the login's own umask back.
constexpr const char* kWrapper =
    "o=$1 e=$2 s=$3 v=$4 u=$5; shift 5; exec 3<\"$v\" || exit 1; rm -f -- \"$v\"; "
    "(umask \"$u\"; . /proc/self/fd/3; exec \"$@\" 3<&-) >\"$o\" 2>\"$e\" </dev/null & p=$!; "
    "exec 3<&-; echo $p >\"$s.pid\"; wait $p; echo $? >\"$s.part\"; mv \"$s.part\" \"$s\"";

// Whether a shell can export name: the environment file is shell text.
bool is_shell_name(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

// The environment file's text: one export per variable, every value
// quoted, later ones overriding earlier ones.
Expected<std::string> environment_file(
    const std::vector<std::pair<std::string, std::string>>& env) {
  std::string text;
  for (const auto& [name, value] : env) {
    if (!is_shell_name(name)) {
      return unexpected(fmt::format(
          "the environment variable \"{}\" cannot be passed to a process on a host (a name "
          "there is letters, digits and _, not starting with a digit)",
          name));
    }
    text += fmt::format("export {}={}\n", name, shell_quote(value));
  }
  return text;
}

// The watcher's shell text: once its stdin ends (drover let go, or its
// connection is gone), it kills every process group the run folder's
// group file lists and removes the folder. Only numbers above 1 are
// groups: "1" would be kill -9 -1, every process the user may signal, and
// "0" or "01" its own group or the same.
std::string watcher_command(const std::string& run_dir) {
  return fmt::format(
      "cat >/dev/null; cat {0}/{1} 2>/dev/null | while IFS= read -r g; do "
      "case $g in ''|0*|1|*[!0-9]*) ;; *) kill -9 -\"$g\";; esac; done >/dev/null 2>&1; "
      "rm -rf -- {0} >/dev/null 2>&1",
      shell_quote(run_dir), kGroupsFile);
}

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

  std::optional<std::string> wait_for_stdout_line(const Regex& re, TimePoint deadline) override {
    for (;;) {
      bool exited = poll().has_value();
      bool more = read_stdout();
      while (auto line = take_line()) {
        if (OutputCapture::is_ready_line(*line, re)) return line;
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
    } catch (const HostError& e) {
      remote_->warn(e.what());
    }
    // The watcher finds nothing left to do, and ends; released even when the
    // cleanup failed, or its channel would outlive the session that owns it.
    try {
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
    const ProcessFiles files(remote_->options.run_dir, spec.name);
    write_environment(spec, files.env);
    const CommandResult r = remote_->shell(start_command(spec, files));
    int pgid = 0, pid = 0;
    if (r.succeeded()) std::istringstream(r.out) >> pgid >> pid;
    if (pgid > 1 && pid <= 1) {
      remote_->shell(fmt::format("kill -9 -{} 2>/dev/null; true", pgid));
      throw HostError(fmt::format("{}: \"{}\" started, but its pid never showed up",
                                  remote_->where(), spec.argv[0]));
    }
    if (pgid <= 1 || pid <= 1) {
      std::string why = r.err.empty() ? r.describe() : r.err.substr(0, r.err.find('\n'));
      throw HostError(
          fmt::format("{}: cannot start \"{}\": {}", remote_->where(), spec.argv[0], why));
    }
    remote_->running_groups.insert(pgid);
    return std::make_unique<SshProcess>(remote_, pgid, pid, files.out, files.err, files.status);
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

  // An executable file stays executable there; either way it is the login
  // user's alone (0700, 0600): a job file or a binary of the run is no one
  // else's business on the host.
  void copy_to(const std::string& local_path, const std::string& host_path) override {
    struct stat local {};
    const bool executable = ::stat(local_path.c_str(), &local) == 0 && (local.st_mode & S_IXUSR);
    remote_->files.put(local_path, host_path, executable ? 0700 : 0600,
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
  // Where a process started on the host keeps its output, its status and,
  // until it starts, its environment: <run_dir>/logs/<name>.*
  struct ProcessFiles {
    ProcessFiles(const std::string& run_dir, const std::string& name)
        : out(run_dir + "/logs/" + name + ".stdout.log"),
          err(run_dir + "/logs/" + name + ".stderr.log"),
          status(run_dir + "/logs/" + name + ".status"),
          env(run_dir + "/logs/" + name + ".env") {}
    std::string out, err, status, env;
  };

  // The process's variables, DROVER_RUN_DIR first, to a file only the
  // login user may read: over SFTP, never on a command line.
  void write_environment(const ProcessSpec& spec, const std::string& path) {
    std::vector<std::pair<std::string, std::string>> env = {
        {"DROVER_RUN_DIR", remote_->options.run_dir}};
    env.insert(env.end(), spec.env.begin(), spec.env.end());
    Expected<std::string> text = environment_file(env);
    if (!text) {
      throw HostError(
          fmt::format("{}: cannot start \"{}\": {}", remote_->where(), spec.argv[0], text.error()));
    }
    remote_->files.put_text(*text, path, 0600, remote_->command_deadline());
  }

  // The shell text that starts the wrapper and prints "<group> <pid>".
  std::string start_command(const ProcessSpec& spec, const ProcessFiles& files) const {
    const std::string& run_dir = remote_->options.run_dir;
    // Under umask 077 whatever it makes (a work folder, the group file)
    // is the login user's alone; the program gets $u back. Checked first,
    // so a missing program is an error here, not a status later; the
    // environment file goes with any failure.
    std::string text =
        fmt::format("u=$(umask); umask 077; v={}; f() {{ rm -f -- \"$v\"; exit \"$1\"; }}; ",
                    shell_quote(files.env));
    // A working folder inside the run folder is drover's own: made here.
    if (spec.cwd.starts_with(run_dir + "/") && spec.cwd.find("/..") == std::string::npos) {
      text += fmt::format("mkdir -p -- {} || f 1; ", shell_quote(spec.cwd));
    }
    if (!spec.cwd.empty()) text += fmt::format("cd -- {} || f 1; ", shell_quote(spec.cwd));
    text += fmt::format("command -v {} >/dev/null || {{ echo 'not found' >&2; f 127; }}; ",
                        shell_quote(spec.argv[0]));
    // A simple command in the background, so $! is setsid's pid, which
    // becomes the wrapper's and the group's; stdio detached from this
    // channel, so the command returns at once.
    text += shell_command({"setsid", "sh", "-c", kWrapper, "drover-" + spec.name, files.out,
                           files.err, files.status, files.env}) +
            " \"$u\" " + shell_command(spec.argv) + " </dev/null >/dev/null 2>&1 & g=$!; ";
    // For the watcher (make_ssh_host), should drover vanish.
    text += fmt::format("echo $g >>{}; ", shell_quote(run_dir + "/" + kGroupsFile));
    // The program's pid, once the wrapper has written it (2 s at most).
    text += fmt::format(
        "i=0; while [ ! -s {0}.pid ] && [ $i -lt 200 ]; do sleep 0.01; i=$((i+1)); done; "
        "echo $g $(cat {0}.pid 2>/dev/null)",
        shell_quote(files.status));
    return text;
  }

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
  const std::string given = options.run_dir;
  options.run_dir = std::filesystem::path(given).lexically_normal().string();
  while (options.run_dir.size() > 1 && options.run_dir.back() == '/') options.run_dir.pop_back();
  auto remote = std::make_shared<Remote>(std::move(spec), std::move(options));
  const std::string& dir = remote->options.run_dir;
  if (given.empty()) return std::make_unique<SshHost>(std::move(remote));
  if (dir.size() < 2 || dir[0] != '/') {
    throw SshError(fmt::format("{}: the run folder must be an absolute path below /, not \"{}\"",
                               remote->where(), given));
  }
  // Made fresh, for the login user alone: never a folder someone else made
  // or can reach, since the run's binaries, job files, logs and
  // environments go there.
  remote->files.make_private_directory(dir, remote->command_deadline());
  const CommandResult logs =
      remote->shell(fmt::format("mkdir -m 700 -- {}", shell_quote(dir + "/logs")));
  if (!logs.succeeded()) {
    remote->files.remove_tree(dir, remote->command_deadline());
    throw SshError(fmt::format("{}: cannot make {}/logs: {}", remote->where(), dir, logs.err));
  }
  // The watcher: once drover lets go of it, or its connection is gone
  // (drover killed), it kills every process group started for the run
  // and removes the run folder, so nothing of the run outlives drover.
  remote->commands.hold(watcher_command(dir), remote->command_deadline());
  return std::make_unique<SshHost>(std::move(remote));
}

}  // namespace drover
