// LocalHost: starts processes on this machine. The only file that includes
// Boost.Process (it costs seconds of compile time per including file).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <system_error>
#include <thread>

#include <fmt/format.h>
#include <boost/process/args.hpp>
#include <boost/process/child.hpp>
#include <boost/process/env.hpp>
#include <boost/process/environment.hpp>
#include <boost/process/exe.hpp>
#include <boost/process/extend.hpp>
#include <boost/process/io.hpp>
#include <boost/process/pipe.hpp>
#include <boost/process/search_path.hpp>

#include "harness/process/descriptors.hpp"
#include "harness/process/host.hpp"
#include "harness/process/local_process.hpp"
#include "harness/process/output_capture.hpp"
#include "harness/process/proc_table.hpp"

namespace drover {
namespace {

namespace bp = boost::process;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Runs in the child between fork and exec, so it may only make
// async-signal-safe calls (no allocation, no locks).
//
// PR_SET_PDEATHSIG fires when the *thread* that forked exits, not the whole
// process: start() must be called from a thread that outlives the process
// it starts (drover's main thread).
struct ChildSetup : bp::extend::handler {
  pid_t parent;         // captured before the fork
  const char* cwd;      // nullptr: stay in drover's directory
  pid_t* failed_child;  // set in the parent when a started child failed

  template <class Executor>
  void on_exec_setup(Executor& exec) const {
    // Own process group: the whole target, forks included, is signalled at once.
    ::setpgid(0, 0);
    // Die with drover, even if it is SIGKILLed; if drover died before the
    // prctl took effect, getppid() already names another process.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    // drover blocks SIGINT/SIGTERM in all threads (it takes them with
    // sigwait), and a blocked mask and ignored signals survive exec.
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig : {SIGINT, SIGTERM, SIGPIPE, SIGCHLD}) ::signal(sig, SIG_DFL);
    // Boost's start_dir ignores a failed chdir; report it and do not exec.
    if (cwd != nullptr && ::chdir(cwd) != 0) {
      exec.set_error(std::error_code(errno, std::system_category()), "chdir");
      ::_exit(127);
    }
    // Marked, not closed, so Boost's error pipe still reports a failed exec.
    mark_cloexec_from(3);
  }

  template <class Executor>
  void on_error(Executor& exec, const std::error_code&) const {
    if (exec.pid > 0) *failed_child = exec.pid;
  }
};

// A child that failed between fork and exec has exited (or is about to):
// reap it so it does not stay a zombie of drover. Bounded: a child still
// there after a second is killed.
void reap_failed_child(pid_t pid) {
  const TimePoint start = Clock::now();
  bool killed = false;
  while (Clock::now() - start < 3s) {
    pid_t r = ::waitpid(pid, nullptr, WNOHANG);
    if (r == pid || (r < 0 && errno != EINTR)) return;
    if (!killed && Clock::now() - start > 1s) killed = ::kill(pid, SIGKILL) == 0;
    std::this_thread::sleep_for(1ms);
  }
}

[[noreturn]] void fail_start(const std::string& program, const std::string& reason) {
  throw HostError(fmt::format("cannot start \"{}\": {}", program, reason));
}

UniqueFd open_log(const fs::path& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw HostError(fmt::format("cannot open log \"{}\": {}", path.string(), std::strerror(errno)));
  }
  return UniqueFd(fd);
}

// The executable to exec, checked up front so the error names the cause.
fs::path resolve_executable(const std::string& program, const std::string& cwd) {
  if (program.find('/') == std::string::npos) {
    auto found = bp::search_path(program);
    if (found.empty()) fail_start(program, std::strerror(ENOENT));
    return fs::path(found.string());
  }
  // A relative path is relative to the directory the process starts in.
  fs::path path = program;
  if (path.is_relative() && !cwd.empty()) path = fs::path(cwd) / path;
  if (::access(path.c_str(), X_OK) != 0) fail_start(program, std::strerror(errno));
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) fail_start(program, "is a directory");
  return path;
}

// This machine as a Host. Stateless apart from what each Process owns, so
// calls may come from any thread; but a started process is tied to the
// thread that called start() (see ChildSetup), which must outlive it.
class LocalHost final : public Host {
 public:
  explicit LocalHost(std::vector<std::string> withheld) : withheld_(std::move(withheld)) {}
  std::string name() const override { return "local"; }
  ProcessPtr start(const ProcessSpec& spec) override;
  CommandOutput run(const std::vector<std::string>& argv, const std::string& cwd,
                    TimePoint deadline, std::size_t max_output) override;
  void copy_to(const std::string& local_path, const std::string& host_path) override {
    copy(local_path, host_path);
  }
  void copy_from(const std::string& host_path, const std::string& local_path) override {
    copy(host_path, local_path);
  }
  std::vector<int> zombie_children(int pid) override { return zombie_children_of(pid); }
  std::vector<int> running_children(int pid) override {
    std::vector<int> running;
    for (int child : children_of(pid))
      if (is_running(child)) running.push_back(child);
    return running;
  }
  bool signal_one(int pid, int sig) override { return ::kill(pid, sig) == 0; }

 private:
  static void copy(const std::string& from, const std::string& to) {
    std::error_code ec;
    fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
    if (ec)
      throw HostError(fmt::format("cannot copy \"{}\" to \"{}\": {}", from, to, ec.message()));
  }

  // drover's environment without the withheld variables, then added.
  bp::environment child_environment(
      const std::vector<std::pair<std::string, std::string>>& added) const {
    // Built up with set(), not taken whole and erased from: Boost 1.74's
    // find() behind erase() and operator[] compares "KEY=" past the end of
    // shorter entries (a heap overflow under ASan).
    bp::environment env;
    for (char** entry = ::environ; *entry != nullptr; ++entry) {
      const std::string_view text(*entry);
      const std::size_t eq = text.find('=');
      if (eq == 0 || eq == std::string_view::npos) continue;
      const std::string key(text.substr(0, eq));
      if (std::find(withheld_.begin(), withheld_.end(), key) != withheld_.end()) continue;
      env.set(key, std::string(text.substr(eq + 1)));
    }
    for (const auto& [key, value] : added) env.set(key, value);
    return env;
  }

  std::vector<std::string> withheld_;
};

ProcessPtr LocalHost::start(const ProcessSpec& spec) {
  if (spec.argv.empty()) fail_start(spec.name, "empty command");
  const std::string& program = spec.argv[0];
  if (!spec.cwd.empty()) {
    std::error_code ec;
    if (!fs::is_directory(spec.cwd, ec)) {
      fail_start(program, fmt::format("working directory \"{}\": {}", spec.cwd,
                                      ec ? ec.message() : std::strerror(ENOTDIR)));
    }
  }
  const fs::path executable = resolve_executable(program, spec.cwd);

  const fs::path log_dir = spec.log_dir.empty() ? fs::path(".") : fs::path(spec.log_dir);
  std::error_code dir_ec;
  fs::create_directories(log_dir, dir_ec);
  if (dir_ec) {
    throw HostError(
        fmt::format("cannot create log folder \"{}\": {}", log_dir.string(), dir_ec.message()));
  }
  const fs::path stdout_path = log_dir / (spec.name + ".stdout.log");
  const fs::path stderr_path = log_dir / (spec.name + ".stderr.log");
  UniqueFd stdout_log = open_log(stdout_path);
  UniqueFd stderr_log = open_log(stderr_path);

  // O_CLOEXEC from the start: a process started from another thread at the
  // same time must not inherit these ends.
  int out_fds[2], err_fds[2];
  if (::pipe2(out_fds, O_CLOEXEC) != 0) fail_start(program, std::strerror(errno));
  bp::pipe out_pipe(out_fds[0], out_fds[1]);
  if (::pipe2(err_fds, O_CLOEXEC) != 0) fail_start(program, std::strerror(errno));
  bp::pipe err_pipe(err_fds[0], err_fds[1]);

  bp::environment env = child_environment(spec.env);
  std::vector<std::string> args(spec.argv.begin() + 1, spec.argv.end());

  pid_t failed_child = 0;
  ChildSetup setup;
  setup.parent = ::getpid();
  setup.cwd = spec.cwd.empty() ? nullptr : spec.cwd.c_str();
  setup.failed_child = &failed_child;

  std::error_code ec;
  bp::child child(bp::exe = executable.string(), bp::args = args, env,
                  bp::std_in<bp::null, bp::std_out> out_pipe, bp::std_err > err_pipe, setup, ec);
  if (ec) {
    if (failed_child > 0) reap_failed_child(failed_child);
    fail_start(program, ec.message());
  }
  const int pid = child.id();
  child.detach();  // from here on drover manages the pid itself

  try {
    UniqueFd stdout_read(out_pipe.native_source());
    out_pipe.assign_source(-1);
    UniqueFd stderr_read(err_pipe.native_source());
    err_pipe.assign_source(-1);
    auto capture = std::make_unique<OutputCapture>(std::move(stdout_read), std::move(stderr_read),
                                                   std::move(stdout_log), std::move(stderr_log));
    return std::make_unique<LocalProcess>(
        pid, std::move(capture),
        std::vector<std::string>{stdout_path.string(), stderr_path.string()});
  } catch (...) {
    // Not one process may be left behind, even if a thread cannot be made.
    ::kill(-pid, SIGKILL);
    reap_failed_child(pid);
    throw;
  }
}

// Reads what is there on fd into sink, up to limit bytes kept; false at end
// of file (or an error: nothing more will come).
bool drain(int fd, std::string& sink, std::size_t limit, bool& truncated) {
  char buffer[16384];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    if (n <= 0) return false;
    std::size_t keep = std::min<std::size_t>(n, limit - std::min(limit, sink.size()));
    sink.append(buffer, keep);
    if (keep < static_cast<std::size_t>(n)) truncated = true;
  }
}

// Run to its end as a group of its own: once the program exits (seen with
// WNOWAIT, so its pid and group id stay taken), what it left running in its
// group is killed before the program is reaped, so no stray process of a
// finished command holds its pipes open or lingers.
CommandOutput LocalHost::run(const std::vector<std::string>& argv, const std::string& cwd,
                             TimePoint deadline, std::size_t max_output) {
  if (argv.empty()) fail_start("", "empty command");
  const std::string& program = argv[0];
  if (!cwd.empty()) {
    std::error_code ec;
    if (!fs::is_directory(cwd, ec)) {
      fail_start(program, fmt::format("working directory \"{}\": {}", cwd,
                                      ec ? ec.message() : std::strerror(ENOTDIR)));
    }
  }
  const fs::path executable = resolve_executable(program, cwd);
  int out_fds[2], err_fds[2];
  if (::pipe2(out_fds, O_CLOEXEC | O_NONBLOCK) != 0) fail_start(program, std::strerror(errno));
  bp::pipe out_pipe(out_fds[0], out_fds[1]);
  if (::pipe2(err_fds, O_CLOEXEC | O_NONBLOCK) != 0) fail_start(program, std::strerror(errno));
  bp::pipe err_pipe(err_fds[0], err_fds[1]);
  // The child's ends blocking, as programs expect.
  ::fcntl(out_fds[1], F_SETFL, 0);
  ::fcntl(err_fds[1], F_SETFL, 0);

  pid_t failed_child = 0;
  ChildSetup setup;
  setup.parent = ::getpid();
  setup.cwd = cwd.empty() ? nullptr : cwd.c_str();
  setup.failed_child = &failed_child;
  std::vector<std::string> args(argv.begin() + 1, argv.end());
  std::error_code ec;
  bp::child child(bp::exe = executable.string(), bp::args = args, child_environment({}),
                  bp::std_in<bp::null, bp::std_out> out_pipe, bp::std_err > err_pipe, setup, ec);
  if (ec) {
    if (failed_child > 0) reap_failed_child(failed_child);
    fail_start(program, ec.message());
  }
  const int pid = child.id();
  child.detach();
  UniqueFd out_read(out_pipe.native_source()), err_read(err_pipe.native_source());
  out_pipe.assign_source(-1);
  err_pipe.assign_source(-1);
  out_pipe.close();  // the write ends: only the child holds them now
  err_pipe.close();

  CommandOutput output;
  bool out_open = true, err_open = true, exited = false;
  TimePoint exited_at{};
  for (;;) {
    if (out_open) out_open = drain(out_read.get(), output.out, max_output, output.truncated);
    if (err_open) err_open = drain(err_read.get(), output.err, max_output, output.truncated);
    if (!exited) {
      siginfo_t info{};
      exited = ::waitid(P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid;
      if (exited) {
        ::kill(-pid, SIGKILL);  // the rest of its group
        exited_at = Clock::now();
      }
    }
    if (exited && !out_open && !err_open) break;
    // A process that left the group (setsid) may hold the pipes open: what
    // it writes after the program ended is not the program's output.
    if (exited && Clock::now() - exited_at > 1s) break;
    if (Clock::now() >= deadline) {
      ::kill(-pid, SIGKILL);
      reap_failed_child(pid);
      throw HostError(fmt::format("\"{}\" did not finish in time (killed)", program));
    }
    pollfd fds[2] = {{out_open ? out_read.get() : -1, POLLIN, 0},
                     {err_open ? err_read.get() : -1, POLLIN, 0}};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    // Short slices while the program runs: its exit is polled, not signalled.
    ::poll(fds, 2, static_cast<int>(std::clamp<long>(left.count() + 1, 0, 20)));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  output.status = exit_status_from_wait(status);
  return output;
}

}  // namespace

HostPtr make_local_host(std::vector<std::string> withheld) {
  return std::make_unique<LocalHost>(std::move(withheld));
}

}  // namespace drover
