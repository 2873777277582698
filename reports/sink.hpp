// A sink renders a finished run somewhere: the console, summary.json, and
// later junit.xml and report.html. Sinks read a RunResult and nothing else.
#pragma once

#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "harness/core/run_result.hpp"

namespace drover {

class Sink {
 public:
  virtual ~Sink() = default;
  // Throws std::runtime_error naming the file when it cannot be written.
  virtual void write(const RunResult& run) = 0;
};
using SinkPtr = std::unique_ptr<Sink>;

// <run_dir>/summary.json, schema in reports/README.md.
SinkPtr make_summary_json_sink(std::string path);
// The summary table and verdict for people.
SinkPtr make_console_sink(std::FILE* out, bool color);

// The JSON text of summary.json.
std::string render_summary_json(const RunResult& run);

}  // namespace drover

namespace drover {

// Reads back what render_summary_json wrote: the verdict, thresholds,
// invariants and totals (not the per-second series). nullopt with *error
// naming the file when it cannot be read or is not a drover summary.
std::optional<RunResult> read_summary_json(const std::string& path, std::string* error);

}  // namespace drover
