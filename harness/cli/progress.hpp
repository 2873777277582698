// The live progress of a run on stderr: one line rewritten in place on a
// terminal, a plain line every few seconds otherwise (CI logs).
// Not thread-safe: called from the runner's thread only.
#pragma once

#include <cstdio>
#include <string>

#include "harness/run/runner.hpp"

namespace drover {

class ProgressPrinter {
 public:
  ProgressPrinter(std::FILE* out, std::string scenario);
  Duration interval() const;
  void update(const LiveStatus& status);
  // Ends the in-place line, so what follows starts on a fresh one.
  void finish();

 private:
  std::FILE* out_;
  std::string scenario_;
  bool tty_;
  bool dirty_ = false;
};

}  // namespace drover
