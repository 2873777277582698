// queue_broker's request parser on every line of the input.
#include "targets/queue_broker/request.hpp"
#include "tests/fuzz/entry_points.hpp"
#include "tests/fuzz/lines.hpp"

namespace drover::fuzz {

int queue_request(const std::uint8_t* data, std::size_t size) {
  using Verb = target::queue_broker::Request::Verb;
  for_each_line(data, size, [](std::string_view line) {
    const auto request = target::queue_broker::parse_request(line);
    const bool takes_item = request.verb == Verb::kPut || request.verb == Verb::kDone;
    if (takes_item) {
      // The item is the rest of the line, after one space: a view into it.
      DROVER_FUZZ_CHECK(target::queue_broker::valid_item(request.item));
      DROVER_FUZZ_CHECK(request.item.data() + request.item.size() == line.data() + line.size());
      DROVER_FUZZ_CHECK(request.item.size() + 1 < line.size());
    } else {
      DROVER_FUZZ_CHECK(request.item.empty());
    }
    if (request.verb == Verb::kGet) DROVER_FUZZ_CHECK(line == "GET");
    if (request.verb == Verb::kJoin) DROVER_FUZZ_CHECK(line == "JOIN");
    if (request.verb == Verb::kStats) DROVER_FUZZ_CHECK(line == "STATS");
  });
  return 0;
}

}  // namespace drover::fuzz
