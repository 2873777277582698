// drover's exit codes, the contract CI scripts rely on (README.md lists them).
#pragma once

namespace drover {

enum class ExitCode : int {
  kPass = 0,            // the run met every expectation
  kFailed = 1,          // a threshold or an invariant failed
  kBadInput = 2,        // the scenario or a flag is wrong; nothing was run
  kInfrastructure = 3,  // a target would not start, a host could not be reached
  kInterrupted = 130,   // stopped by SIGINT or SIGTERM
};

inline int to_int(ExitCode code) {
  return static_cast<int>(code);
}

}  // namespace drover
