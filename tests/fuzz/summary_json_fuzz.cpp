// read_summary_json on the input as a file (an in-memory one, so that the
// fuzzer writes nothing to disk); a summary it accepts, written again by
// render_summary_json, must read back, and render to the same bytes again:
// nothing summary.json holds is lost or changed by a trip through it.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "reports/sink.hpp"
#include "tests/fuzz/entry_points.hpp"

namespace drover::fuzz {
namespace {

// The path of an in-memory file holding exactly `text`.
std::string as_file(const void* data, std::size_t size) {
  static const int fd = memfd_create("drover-fuzz-summary", MFD_CLOEXEC);
  DROVER_FUZZ_CHECK(fd >= 0);
  DROVER_FUZZ_CHECK(ftruncate(fd, 0) == 0);
  DROVER_FUZZ_CHECK(size == 0 || pwrite(fd, data, size, 0) == static_cast<ssize_t>(size));
  return "/proc/self/fd/" + std::to_string(fd);
}

}  // namespace

int summary_json(const std::uint8_t* data, std::size_t size) {
  const Expected<RunResult> run = read_summary_json(as_file(data, size));
  if (!run) {
    DROVER_FUZZ_CHECK(!run.error().empty());
    return 0;
  }
  const std::string written = render_summary_json(*run);
  const Expected<RunResult> again = read_summary_json(as_file(written.data(), written.size()));
  if (!again) std::fprintf(stderr, "summary_json: %s\n", again.error().c_str());
  DROVER_FUZZ_CHECK(again.has_value());
  DROVER_FUZZ_CHECK(render_summary_json(*again) == written);
  return 0;
}

}  // namespace drover::fuzz
