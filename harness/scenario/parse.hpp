// Scenario files in, validated Scenario values out. Every problem is reported
// at once, each naming its JSON path ("/fleets/0/clients: must be a positive
// integer"); a scenario with any error is never returned.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "harness/core/expected.hpp"
#include "harness/core/input_error.hpp"
#include "harness/scenario/scenario.hpp"

namespace drover {

// A valid scenario, or every problem found in it (never none).
using ParsedScenario = Expected<Scenario, InputErrors>;

// overrides are `--set` values, "key.path=value" or "/json/pointer=value":
// each replaces one scalar (or adds a key to an existing object) before
// validation. A value keeps the type of the value it replaces when that is a
// string; otherwise it is read as JSON when it parses, else as a string.
ParsedScenario parse_scenario(std::string_view text, const std::string& file_path,
                              const std::vector<std::string>& overrides = {});

// Reads the file, then parse_scenario. A missing or unreadable file is an
// error naming the file.
ParsedScenario load_scenario(const std::string& file_path,
                             const std::vector<std::string>& overrides = {});

}  // namespace drover
