// The live progress of a run, on stderr:
//  - on a terminal, a line for the run (a bar, elapsed / planned time, ops,
//    ops/s, errors) and one per fleet (ops/s, p99 so far, errors),
//    rewritten in place twice a second;
//  - elsewhere (CI logs) the same lines, appended every five seconds;
//  - with --progress json, one JSON object per line every second, for
//    programs: {"elapsed_s", "planned_s", "ops", "errors", "rate_per_s",
//    "fleets": [{"name", "ops", "errors", "rate_per_s", "p99_ms"}]}.
// Not thread-safe: called from the runner's thread only.
#pragma once

#include <cstdio>
#include <string>

#include "harness/run/runner.hpp"

namespace drover {

class ProgressPrinter {
 public:
  enum class Style { kAuto, kJson };
  ProgressPrinter(std::FILE* out, std::string scenario, Style style = Style::kAuto);
  Duration interval() const;
  void update(const LiveStatus& status);
  // Ends the in-place lines, so what follows starts on a fresh one.
  void finish();

 private:
  std::FILE* out_;
  std::string scenario_;
  Style style_;
  bool tty_;
  std::size_t lines_on_screen_ = 0;  // tty: lines to rewrite on the next update
};

}  // namespace drover
