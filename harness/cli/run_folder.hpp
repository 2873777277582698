// The run folder: --out as given, or runs/<scenario>/<UTC time> under the
// working directory, made unique with a suffix if it already exists.
#pragma once

#include <string>

namespace drover {

// Creates the folder (and parents) and returns its absolute path. Throws
// std::runtime_error with the reason when it cannot be created, or when
// scenario_name (without out) would name no folder of its own under runs/.
std::string create_run_folder(const std::string& out, const std::string& scenario_name);

}  // namespace drover
