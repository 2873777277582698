// ExitStatus::describe(), shared by every Host implementation.
#include <cstring>

#include <fmt/format.h>

#include "harness/process/host.hpp"

namespace drover {

std::string ExitStatus::describe() const {
  if (exited) return fmt::format("exited with status {}", code);
  // signal 0 marks a process whose status could not be learnt (reaped elsewhere).
  if (signal == 0) return "exited with an unknown status";
  const char* name = ::strsignal(signal);
  return fmt::format("killed by signal {} ({})", signal, name ? name : "unknown signal");
}

}  // namespace drover
