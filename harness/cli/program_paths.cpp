#include "harness/cli/program_paths.hpp"

#include <cstdlib>
#include <filesystem>

namespace drover {

namespace fs = std::filesystem;

namespace {

// The installed programs' folder relative to drover's (CMake computes it
// from the install directories: "../libexec/drover" by default).
#ifndef DROVER_PROGRAMS_FROM_BIN
#error "DROVER_PROGRAMS_FROM_BIN is defined by harness/cli/CMakeLists.txt"
#endif

// The folder the programs are in: drover's own in a build folder, the
// installed one when it exists. Empty when drover's path is unknown (names
// are then looked up in the working directory).
fs::path programs_folder() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  const fs::path installed = exe.parent_path() / DROVER_PROGRAMS_FROM_BIN;
  if (fs::is_directory(installed, ec)) return installed.lexically_normal();
  return exe.parent_path();
}

std::string overridden_or(const char* env_var, const fs::path& path) {
  const char* set = std::getenv(env_var);
  return set != nullptr && *set != '\0' ? std::string(set) : path.string();
}

}  // namespace

ProgramPaths find_programs() {
  const fs::path folder = programs_folder();
  return {overridden_or("DROVER_TARGETS_DIR", folder / "targets"),
          overridden_or("DROVER_AGENT", folder / "drover-agent")};
}

}  // namespace drover
