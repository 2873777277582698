// Where drover finds the programs it starts or uploads: the reference
// targets and drover-agent. drover runs either from its build folder, with
// them beside it (<build>/targets/, <build>/drover-agent), or installed
// (`cmake --install`, the .deb): bin/drover with them in
// <prefix>/libexec/drover/ (targets/ and drover-agent). Which one is told
// from drover's own executable, so an installed tree works wherever it is
// copied. DROVER_TARGETS_DIR and DROVER_AGENT override either.
//
// Never fails: a path that turns out to be missing is reported by whoever
// starts or uploads the program. Thread-safe (reads the environment and
// /proc/self/exe only).
#pragma once

#include <string>

namespace drover {

struct ProgramPaths {
  std::string targets_dir;  // the reference targets' executables
  std::string agent_path;   // drover-agent, uploaded to hosts that run fleets
};

ProgramPaths find_programs();

}  // namespace drover
