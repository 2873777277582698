// The live progress of a run, on stderr:
//  - on a terminal, a line for the run (a bar, elapsed / planned time, ops,
//    ops/s, errors) and one per fleet (ops/s, p99 so far, errors),
//    rewritten in place twice a second;
//  - elsewhere (CI logs) the same lines, appended every five seconds;
//  - with --progress json, one JSON object per line every second, for
//    programs: {"elapsed_s", "planned_s", "ops", "errors", "rate_per_s",
//    "fleets": [{"name", "ops", "errors", "rate_per_s", "p99_ms"}]}.
// Each warning is shown when it happens: `warning: SOURCE: MESSAGE` (the
// in-place lines are drawn again below it), or with --progress json its own
// line {"warning": {"at_s", "source", "message"}}, as in summary.json.
// Thread-safe: warnings come from whichever thread noticed them, while
// update() and finish() are called from the runner's thread; each write is
// whole.
#pragma once

#include <cstdio>
#include <mutex>
#include <string>

#include "harness/core/notice.hpp"
#include "harness/run/runner.hpp"

namespace drover {

class ProgressPrinter {
 public:
  enum class Style { kAuto, kJson };
  ProgressPrinter(std::FILE* out, std::string scenario, Style style = Style::kAuto);
  Duration interval() const;
  void update(const LiveStatus& status);
  void warning(const Warning& warning);
  // Ends the in-place lines, so what follows starts on a fresh one.
  void finish();

 private:
  void erase_lines();

  std::mutex mutex_;
  std::FILE* out_;
  std::string scenario_;
  Style style_;
  bool tty_;
  std::size_t lines_on_screen_ = 0;  // tty: lines to rewrite on the next update
};

}  // namespace drover
