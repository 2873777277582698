// Input errors as the lines drover prints them, for matching in tests.
#pragma once

#include <string>
#include <vector>

#include "harness/core/expected.hpp"
#include "harness/core/input_error.hpp"

namespace drover {

inline std::vector<std::string> lines(const InputErrors& errors) {
  std::vector<std::string> out;
  for (const InputError& e : errors) out.push_back(e.to_string());
  return out;
}

// A parse's errors: none when it succeeded.
template <class T>
std::vector<std::string> lines(const Expected<T, InputErrors>& parsed) {
  return parsed ? std::vector<std::string>{} : lines(parsed.error());
}

}  // namespace drover
