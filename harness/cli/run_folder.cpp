#include "harness/cli/run_folder.hpp"

#include <chrono>
#include <filesystem>
#include <stdexcept>

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace drover {

namespace fs = std::filesystem;

std::string create_run_folder(const std::string& out, const std::string& scenario_name) {
  fs::path dir;
  if (!out.empty()) {
    dir = out;
  } else {
    // The name is one folder under runs/: dots alone, or a separator, would
    // put the run elsewhere. The scenario's reader refuses such names; this
    // holds for any caller.
    if (scenario_name.find_first_not_of('.') == std::string::npos ||
        scenario_name.find('/') != std::string::npos) {
      throw std::runtime_error(
          fmt::format("the scenario name \"{}\" cannot name a folder under runs/", scenario_name));
    }
    auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    fs::path base =
        fs::path("runs") / scenario_name / fmt::format("{:%Y%m%dT%H%M%SZ}", fmt::gmtime(now));
    dir = base;
    for (int i = 2; fs::exists(dir); ++i) dir = base.string() + "-" + std::to_string(i);
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw std::runtime_error(fmt::format("cannot create {}: {}", dir.string(), ec.message()));
  if (!fs::is_directory(dir)) throw std::runtime_error(dir.string() + " is not a folder");
  return fs::absolute(dir).lexically_normal().string();
}

}  // namespace drover
