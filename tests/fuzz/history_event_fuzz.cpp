// parse_event_json on every line of the input, as `drover check` reads
// history.jsonl; an event it accepts must survive a round trip through
// append_event_json.
#include <string>

#include "harness/history/event.hpp"
#include "tests/fuzz/entry_points.hpp"
#include "tests/fuzz/lines.hpp"

namespace drover::fuzz {

int history_event(const std::uint8_t* data, std::size_t size) {
  Event event;  // reused across lines, as the history reader does
  for_each_line(data, size, [&event](std::string_view line) {
    Expected<void> parsed = parse_event_json(line, event);
    if (!parsed) {
      DROVER_FUZZ_CHECK(!parsed.error().empty());
      return;
    }
    std::string written;
    append_event_json(written, event);
    Event again;
    DROVER_FUZZ_CHECK(parse_event_json(written, again).has_value());
    DROVER_FUZZ_CHECK(again == event);
  });
  return 0;
}

}  // namespace drover::fuzz
