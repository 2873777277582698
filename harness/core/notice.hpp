// Warnings: what the user should know about a run that is neither its
// result nor an error (a log that stays behind, a push that failed, an
// unknown host key accepted). Library code never writes to stderr: it
// calls the Notify it was given, and the run stamps each warning with its
// time and keeps it for summary.json, the console, --progress json and
// report.html.
#pragma once

#include <functional>
#include <string>

namespace drover {

struct Warning {
  double at_s = 0;      // seconds since the run started
  std::string source;   // what it is about: "target echo", "host db1", "push-gateway"
  std::string message;  // one sentence, no "warning:" prefix
};

// Called from whichever thread noticed; a Notify must be safe for that. An
// empty Notify drops warnings (tests, tools that have no run).
using Notify = std::function<void(const std::string& source, const std::string& message)>;

inline void notify(const Notify& to, const std::string& source, const std::string& message) {
  if (to) to(source, message);
}

}  // namespace drover
