// The JSON Schema (draft-07) of a scenario, written from the format's tables
// (format.hpp): what `drover schema` prints and scenarios/schema.json holds.
// A pure function of the tables: the same text every time, from any thread.
#pragma once

#include <string>

namespace drover {

// The schema as indented JSON text, ending in a newline.
std::string scenario_json_schema();

}  // namespace drover
