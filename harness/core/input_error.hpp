// Errors users cause (a scenario value, a flag) are values that name where.
#pragma once

#include <string>
#include <vector>

namespace drover {

struct InputError {
  std::string where;    // a JSON pointer ("/fleets/0/clients"), a flag ("--set") or a file
  std::string message;  // "must be a positive integer"

  std::string to_string() const { return where.empty() ? message : where + ": " + message; }
};

using InputErrors = std::vector<InputError>;

}  // namespace drover
