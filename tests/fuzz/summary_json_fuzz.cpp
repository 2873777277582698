// read_summary_json on the input as a file (tests/fuzz/memory_file.hpp); a
// summary it accepts, written again by render_summary_json, must read back,
// and render to the same bytes again: nothing summary.json holds is lost or
// changed by a trip through it.
#include <cstdio>
#include <string>

#include "reports/sink.hpp"
#include "tests/fuzz/entry_points.hpp"
#include "tests/fuzz/memory_file.hpp"

namespace drover::fuzz {

int summary_json(const std::uint8_t* data, std::size_t size) {
  const Expected<RunResult> run = read_summary_json(memory_file(data, size));
  if (!run) {
    DROVER_FUZZ_CHECK(!run.error().empty());
    return 0;
  }
  const std::string written = render_summary_json(*run);
  const Expected<RunResult> again = read_summary_json(memory_file(written.data(), written.size()));
  if (!again) std::fprintf(stderr, "summary_json: %s\n", again.error().c_str());
  DROVER_FUZZ_CHECK(again.has_value());
  DROVER_FUZZ_CHECK(render_summary_json(*again) == written);
  return 0;
}

}  // namespace drover::fuzz
