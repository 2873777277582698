// `drover run FILE...`: runs scenarios. Every scenario and flag is read and
// checked before the first run starts (bad input anywhere: exit 2, nothing
// started); then each scenario runs in turn into its own run folder, and
// the runs give one exit code. Results go to stdout; progress, warnings and
// errors to stderr. Not thread-safe: one command per process.
#pragma once

#include <sys/resource.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/core/clock.hpp"
#include "harness/core/input_error.hpp"

namespace CLI {
class App;
}

namespace drover {

struct RunFlags {
  std::vector<std::string> files;  // scenario files and folders of them
  std::string out;
  std::string junit;
  std::vector<std::string> sets;
  bool quiet = false;
  std::string progress = "auto";
  bool no_history = false;
  int repeat = 1;  // --repeat N: runs of each scenario
  std::optional<std::uint64_t> seed;
  std::size_t threads = 0;
  bool busy_poll = false;
  std::string metrics_listen;            // HOST:PORT, empty: off
  std::string push_gateway;              // URL, empty: off
  std::string max_run_time_text;         // --max-run-time as given
  std::optional<Duration> max_run_time;  // parsed; unset: run_time_bound()
};

// Declares the `run` subcommand and its flags on app; parsing fills flags.
CLI::App* add_run_command(CLI::App& app, RunFlags& flags);

// Runs the scenarios flags names and returns drover's exit code for them
// all. interrupt: set on Ctrl-C or SIGTERM; open_file_limit: the soft
// RLIMIT_NOFILE in force.
int execute_run_command(RunFlags flags, const std::atomic<bool>& interrupt, rlim_t open_file_limit);

// Prints each error on stderr ("error: <where>: <message>") and returns the
// exit code for bad input.
int report_input_errors(const InputErrors& errors);

}  // namespace drover
