// A sink renders a finished run somewhere: the console, summary.json,
// junit.xml, report.html. Sinks read a RunResult and nothing else.
#pragma once

#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "harness/core/expected.hpp"
#include "harness/core/run_result.hpp"

namespace drover {

class Sink {
 public:
  virtual ~Sink() = default;
  // Throws std::runtime_error naming the file when it cannot be written.
  virtual void write(const RunResult& run) = 0;
};
using SinkPtr = std::unique_ptr<Sink>;

// A file of the run folder, rendered by render: written next to its final
// name and renamed, so a reader (a CI server, drover check) never sees a
// half-written file.
SinkPtr make_file_sink(std::string path, std::function<std::string(const RunResult&)> render);

// <run_dir>/summary.json, schema in reports/README.md.
SinkPtr make_summary_json_sink(std::string path);
// <run_dir>/junit.xml: the run as JUnit test results for CI servers, one
// testcase per fleet, threshold and invariant (reports/README.md).
SinkPtr make_junit_xml_sink(std::string path);
// <run_dir>/report.html: the run for people, one self-contained file with
// inline SVG charts (reports/README.md). Reads the tails of the targets' logs
// from run.run_dir.
SinkPtr make_report_html_sink(std::string path);
// The summary table and verdict for people.
SinkPtr make_console_sink(std::FILE* out, bool color);

// The JSON text of summary.json.
std::string render_summary_json(const RunResult& run);
// The XML text of junit.xml.
std::string render_junit_xml(const RunResult& run);
// The HTML text of report.html.
std::string render_report_html(const RunResult& run);
// Several runs (drover run a.json b.json) as one file, a testsuite each.
std::string render_junit_xml(const std::vector<RunResult>& runs);

// Reads back what render_summary_json wrote: everything the file holds (all
// `drover check` and report.html need; run_dir is left empty). Fields newer
// than a file are left at their defaults. Fails with a message naming the
// file (and the field, when one is wrong) when it cannot be read or is not
// a drover summary; never trusts a figure to fit.
Expected<RunResult> read_summary_json(const std::string& path);

}  // namespace drover
