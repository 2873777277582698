// ticket_db's request parser on every line of the input.
#include "targets/ticket_db/request.hpp"
#include "tests/fuzz/entry_points.hpp"
#include "tests/fuzz/lines.hpp"

namespace drover::fuzz {

int ticket_request(const std::uint8_t* data, std::size_t size) {
  using target::ticket_db::Request;
  for_each_line(data, size, [](std::string_view line) {
    const Request request = target::ticket_db::parse_request(line);
    DROVER_FUZZ_CHECK((request == Request::kSearch) == (line == "SEARCH"));
    DROVER_FUZZ_CHECK((request == Request::kAudit) == (line == "AUDIT"));
    DROVER_FUZZ_CHECK(request != Request::kBuy || (line.size() > 4 && line.starts_with("BUY ")));
  });
  return 0;
}

}  // namespace drover::fuzz
