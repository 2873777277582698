// The RESP parser on a byte stream as a server sends it: the values must be
// the same whether the bytes come at once or one at a time, each must fit
// the cap, and each value written back as RESP must parse to itself.
#include <string>

#include "tests/fuzz/entry_points.hpp"
#include "tests/fuzz/frames.hpp"

namespace drover::fuzz {

namespace {

constexpr std::size_t kCap = 4096;

std::string sized(char type, std::string_view text) {
  return type + std::to_string(text.size()) + "\r\n" + std::string(text) + "\r\n";
}

std::string to_resp(const RespValue& value);

std::string aggregate(char type, const RespValue& value) {
  const std::size_t count = type == '%' ? value.items.size() / 2 : value.items.size();
  std::string out = type + std::to_string(count) + "\r\n";
  for (const RespValue& item : value.items) out += to_resp(item);
  return out;
}

// RESP that parses back to value (attributes and a verbatim string's format
// are not kept in a value, so they are not written).
std::string to_resp(const RespValue& value) {
  switch (value.type) {
    case RespType::kSimple:
      return "+" + value.text + "\r\n";
    case RespType::kError:
      return sized('!', value.text);
    case RespType::kInteger:
      return ":" + std::to_string(value.integer) + "\r\n";
    case RespType::kBulk:
      return sized('$', value.text);
    case RespType::kNull:
      return "_\r\n";
    case RespType::kBoolean:
      return value.integer ? "#t\r\n" : "#f\r\n";
    case RespType::kDouble:
      return "," + value.text + "\r\n";
    case RespType::kBigNumber:
      return "(" + value.text + "\r\n";
    case RespType::kVerbatim:
      return sized('=', "txt:" + value.text);
    case RespType::kArray:
      return aggregate('*', value);
    case RespType::kMap:
      return aggregate('%', value);
    case RespType::kSet:
      return aggregate('~', value);
    case RespType::kPush:
      return aggregate('>', value);
  }
  return {};
}

void check_value(const RespValue& value, const Frame& frame) {
  DROVER_FUZZ_CHECK(frame.consumed >= 3 && frame.consumed <= kCap);
  DROVER_FUZZ_CHECK(frame.text.size() == frame.consumed);
  DROVER_FUZZ_CHECK(value.type != RespType::kMap || value.items.size() % 2 == 0);
  const std::string written = to_resp(value);
  RespParser again(written.size());
  DROVER_FUZZ_CHECK(again.parse(written) == RespParser::Status::kValue);
  DROVER_FUZZ_CHECK(again.consumed() == written.size());
  DROVER_FUZZ_CHECK(again.value() == value);
}

}  // namespace

int resp(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  FramingSpec spec;
  spec.kind = Framing::kResp;
  spec.max_reply = kCap;
  Framer whole(spec);
  const Frames at_once = frames_whole(whole, bytes, 0, [](Framer& framer, const Frame& frame) {
    check_value(framer.resp(), frame);
  });
  Framer bytewise(spec);
  DROVER_FUZZ_CHECK(frames_bytewise(bytewise, bytes, 0) == at_once);
  return 0;
}

}  // namespace drover::fuzz
