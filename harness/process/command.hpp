// A short-lived program run to completion, its output read back: the system
// tools drover drives (ip, nft), not targets. Unlike Host::start, the output
// comes back as text rather than going to log files.
//
// Thread-safe: each call has its own child and pipes.
#pragma once

#include <string>
#include <vector>

#include "harness/core/clock.hpp"
#include "harness/process/host.hpp"

namespace drover {

struct CommandResult {
  bool started = false;    // false: argv[0] could not be run (output says why)
  bool timed_out = false;  // killed at the deadline
  ExitStatus status;
  std::string output;  // stdout and stderr, interleaved as written

  bool ok() const { return started && !timed_out && status.exited && status.code == 0; }
};

// Runs argv (argv[0] without '/' is searched in PATH) with `input` on its
// stdin, which must be small (a pipe's buffer, 64 KiB). At the deadline the
// program is killed (SIGKILL) and reaped.
CommandResult run_command(const std::vector<std::string>& argv, const std::string& input,
                          TimePoint deadline);

// "ip netns exec NS nft -f -" as one line for messages: each argument
// quoted only when it needs it.
std::string command_line(const std::vector<std::string>& argv);

}  // namespace drover
