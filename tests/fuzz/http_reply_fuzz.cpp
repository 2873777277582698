// The HTTP response reader on a byte stream as a server sends it: the
// outcome and the response must be the same whether the bytes come at once
// or in two reads (split where the first byte says); a response read whole
// has a body within the cap and a status the parser allows. Not one byte
// at a time: Boost 1.74's parser asserts (wrongly, later releases relaxed
// it) when the end of a chunked body comes in three reads, and ci/fuzz
// builds with assertions on.
#include <boost/beast/core/flat_buffer.hpp>
#include <cstring>
#include <string>

#include "harness/drivers/http_reply.hpp"
#include "tests/fuzz/entry_points.hpp"

namespace drover::fuzz {
namespace {

constexpr std::size_t kCap = 4096;

using Status = HttpReplyReader::Status;

void append(boost::beast::flat_buffer& buffer, std::string_view bytes) {
  auto space = buffer.prepare(bytes.size());
  if (!bytes.empty()) std::memcpy(space.data(), bytes.data(), bytes.size());
  buffer.commit(bytes.size());
}

// The bytes fed in two reads, split at `at`, then the end of the stream.
Status in_two(std::string_view bytes, std::size_t at, HttpReply& reply) {
  HttpReplyReader reader;
  reader.start(kCap, false);
  boost::beast::flat_buffer buffer;
  for (std::string_view part : {bytes.substr(0, at), bytes.substr(at)}) {
    append(buffer, part);
    Status status = reader.feed(buffer, reply);
    if (status != Status::kNeedMore) return status;
  }
  return reader.end_of_stream(reply);
}

}  // namespace

int http_reply(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  HttpReply whole;
  const Status at_once = read_http_reply(bytes, kCap, whole);
  if (at_once == Status::kDone) {
    DROVER_FUZZ_CHECK(whole.body.size() <= kCap);
    DROVER_FUZZ_CHECK(whole.status >= 0 && whole.status <= 999);
  }
  HttpReply split;
  const std::size_t at = size == 0 ? 0 : data[0] % size;
  const Status one_by_one = in_two(bytes, at, split);
  // A too-large body may be noticed a few bytes apart, never a different way.
  if (at_once == Status::kDone || one_by_one == Status::kDone) {
    DROVER_FUZZ_CHECK(at_once == one_by_one);
    DROVER_FUZZ_CHECK(whole.status == split.status && whole.body == split.body &&
                      whole.headers == split.headers);
  }
  return 0;
}

}  // namespace drover::fuzz
