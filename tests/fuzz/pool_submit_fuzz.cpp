// worker_pool's SUBMIT parser on every line of the input; what it accepts
// must survive a round trip through the canonical form.
#include <string>

#include "targets/worker_pool/submit.hpp"
#include "tests/fuzz/entry_points.hpp"
#include "tests/fuzz/lines.hpp"

namespace drover::fuzz {

int pool_submit(const std::uint8_t* data, std::size_t size) {
  namespace pool = target::worker_pool;
  for_each_line(data, size, [](std::string_view line) {
    const auto submit = pool::parse_submit(std::string(line));
    if (!submit) return;
    DROVER_FUZZ_CHECK(submit->id >= 0);
    DROVER_FUZZ_CHECK(submit->n >= -pool::kMaxN && submit->n <= pool::kMaxN);
    DROVER_FUZZ_CHECK(submit->work_ms >= 0 && submit->work_ms <= 60'000);
    const auto again =
        pool::parse_submit("SUBMIT " + std::to_string(submit->id) + " " +
                           std::to_string(submit->n) + " " + std::to_string(submit->work_ms));
    DROVER_FUZZ_CHECK(again && again->id == submit->id && again->n == submit->n &&
                      again->work_ms == submit->work_ms);
  });
  return 0;
}

}  // namespace drover::fuzz
