// Runs the drover executable as a real process for end-to-end tests, and
// reads what a run left in its folder. DroverProcess is not thread-safe: one
// test thread owns it.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "harness/process/proc_table.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/files.hpp"
#include "tests/support/processes.hpp"
#include "tests/support/temp_dir.hpp"

namespace drover::test {

namespace fs = std::filesystem;

struct Finished {
  int exit_code = -1;  // -1: killed by a signal
  std::string out;
  std::string err;
  double seconds = 0;
};

// True when drover's stderr holds a --progress json line that counts an
// operation done: the run's load is under way.
inline bool progress_shows_operations(const std::string& err) {
  std::istringstream lines(err);
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("{\"scenario\"")) continue;
    const auto progress = nlohmann::json::parse(line, nullptr, false);
    if (!progress.is_discarded() && progress.value("ops", 0u) > 0) return true;
  }
  return false;
}

// drover started in the background, its stdout and stderr in files of
// io_dir; killed if still running when destroyed.
class DroverProcess {
 public:
  DroverProcess(const std::vector<std::string>& args, const fs::path& io_dir)
      : io_dir_(io_dir), progress_json_(has_progress_json(args)) {
    started_ = std::chrono::steady_clock::now();
    pid_ = fork();
    if (pid_ == 0) {
      int out = open((io_dir / "drover.out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int err = open((io_dir / "drover.err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(out, 1);
      dup2(err, 2);
      std::vector<char*> argv;
      std::string exe = DROVER_EXE;
      argv.push_back(exe.data());
      std::vector<std::string> copy = args;
      for (auto& a : copy) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(exe.c_str(), argv.data());
      _exit(127);
    }
  }
  ~DroverProcess() {
    if (pid_ > 0 && !reaped_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  int pid() const { return pid_; }
  void signal(int sig) { kill(pid_, sig); }

  // drover's stderr so far.
  std::string err() const { return read_file(io_dir_ / "drover.err"); }

  // True once drover's stderr holds text (within timeout).
  bool wait_for_stderr(const std::string& text, std::chrono::milliseconds timeout) const {
    return eventually([&] { return err().find(text) != std::string::npos; }, timeout,
                      std::chrono::milliseconds(20));
  }

  // True once the run's load has done an operation (within timeout), as
  // drover's --progress json lines say. Throws std::logic_error when drover
  // was started without them.
  bool wait_for_load(std::chrono::milliseconds timeout) const {
    if (!progress_json_)
      throw std::logic_error("wait_for_load: drover runs without --progress json");
    return eventually([&] { return progress_shows_operations(err()); }, timeout,
                      std::chrono::milliseconds(20));
  }

  // Waits at most timeout; on timeout drover is killed and exit_code is -2.
  Finished wait(std::chrono::seconds timeout = std::chrono::seconds(60)) {
    Finished f;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    for (;;) {
      pid_t r = waitpid(pid_, &status, WNOHANG);
      if (r == pid_) break;
      if (std::chrono::steady_clock::now() > deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        reaped_ = true;
        f.exit_code = -2;
        f.out = read_file(io_dir_ / "drover.out");
        f.err = read_file(io_dir_ / "drover.err");
        return f;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    reaped_ = true;
    f.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    f.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    f.out = read_file(io_dir_ / "drover.out");
    f.err = read_file(io_dir_ / "drover.err");
    return f;
  }

 private:
  static bool has_progress_json(const std::vector<std::string>& args) {
    for (std::size_t i = 0; i + 1 < args.size(); ++i)
      if (args[i] == "--progress" && args[i + 1] == "json") return true;
    return false;
  }

  fs::path io_dir_;
  bool progress_json_ = false;
  pid_t pid_ = -1;
  bool reaped_ = false;
  std::chrono::steady_clock::time_point started_;
};

inline Finished run_drover(const std::vector<std::string>& args, const fs::path& io_dir,
                           std::chrono::seconds timeout = std::chrono::seconds(60)) {
  DroverProcess p(args, io_dir);
  return p.wait(timeout);
}

inline nlohmann::json read_summary(const fs::path& run_dir) {
  return nlohmann::json::parse(read_file(run_dir / "summary.json"));
}

// The invariant of that name in a summary, or nullptr when it was not
// checked.
inline const nlohmann::json* find_invariant(const nlohmann::json& summary,
                                            const std::string& name) {
  for (const auto& i : summary["invariants"])
    if (i["name"] == name) return &i;
  return nullptr;
}

// What an open-model run shows however busy the machine: each of the
// schedule's `arrivals` either ran or, finding none of the fleet's
// `clients` free, was counted as a missed start; and clients were freed for
// the next arrivals (more than two arrivals each ran, where a client never
// freed would run one). How many ran on time depends on when the load
// threads got a core: that is for tests that run alone (RUN_SERIAL).
inline void expect_every_arrival_accounted_for(const nlohmann::json& totals, double arrivals,
                                               double clients) {
  const double ops = totals["ops"].get<double>();
  EXPECT_NEAR(ops + totals["missed_starts"].get<double>(), arrivals, arrivals * 0.02) << totals;
  EXPECT_GT(ops, 2 * clients) << totals;
}

inline std::string targets_dir() {
  return DROVER_TARGETS_DIR;
}

}  // namespace drover::test
