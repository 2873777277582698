// How a command run on a host ended, and what it wrote: plain data.
#pragma once

#include <optional>
#include <string>

namespace drover {

struct CommandResult {
  // The command's exit status; nullopt when it was killed by a signal (see
  // exit_signal) or the server sent neither.
  std::optional<int> exit_status;
  std::string exit_signal;  // "KILL", "TERM", ... when killed by a signal
  std::string out;          // stdout, up to the output limit
  std::string err;          // stderr, up to the output limit
  bool truncated = false;   // more output than the limit was discarded

  bool succeeded() const { return exit_status && *exit_status == 0; }
  // "exited with status 3", "killed by signal KILL", "ended without an exit status".
  std::string describe() const;
};

}  // namespace drover
