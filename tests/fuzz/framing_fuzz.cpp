// Every framing on a byte stream: the first bytes choose the framing and
// its options (kind, header width and byte order, delimiter, cap), the rest
// is what a server sent. The replies must be the same whether the bytes
// come at once or one at a time, and each must keep its framing's promises.
#include <algorithm>
#include <array>

#include "tests/fuzz/entry_points.hpp"
#include "tests/fuzz/frames.hpp"

namespace drover::fuzz {

namespace {

constexpr std::array<int, 4> kWidths{1, 2, 4, 8};
constexpr std::array<std::size_t, 4> kCaps{1, 16, 64, 1024};

struct Stream {
  FramingSpec spec;
  std::size_t request_size = 1;
  std::string_view bytes;
};

// Options from the first three bytes, a delimiter of 1-4 bytes after them.
Stream stream_of(std::string_view input) {
  Stream stream;
  if (input.size() < 3) return stream;
  const auto kind = static_cast<unsigned char>(input[0]);
  const auto options = static_cast<unsigned char>(input[1]);
  stream.spec.kind = static_cast<Framing>(kind % 6);
  stream.spec.length_bytes = kWidths[options & 3];
  stream.spec.endian = options & 4 ? Endian::kLittle : Endian::kBig;
  stream.spec.length_includes_header = (options & 8) != 0;
  stream.spec.keep_delimiter = (options & 16) != 0;
  stream.spec.max_reply = kCaps[(options >> 5) & 3];
  stream.request_size = 1 + static_cast<unsigned char>(input[2]) % 32;
  input.remove_prefix(3);
  const std::size_t delimiter = std::min<std::size_t>(1 + (kind >> 3) % 4, input.size());
  stream.spec.delimiter = std::string(input.substr(0, delimiter));
  if (stream.spec.delimiter.empty()) stream.spec.delimiter = "\n";
  input.remove_prefix(delimiter);
  stream.bytes = input;
  return stream;
}

void check_reply(const FramingSpec& spec, const Frame& frame, std::size_t request_size) {
  DROVER_FUZZ_CHECK(frame.consumed > 0);
  DROVER_FUZZ_CHECK(frame.text.size() <= frame.consumed);
  switch (spec.kind) {
    case Framing::kLine:
      DROVER_FUZZ_CHECK(frame.text.find('\n') == std::string_view::npos);
      DROVER_FUZZ_CHECK(frame.text.size() <= spec.max_reply);
      break;
    case Framing::kFixed:
      DROVER_FUZZ_CHECK(frame.consumed == request_size);
      break;
    case Framing::kDelimiter: {
      std::string_view text = frame.text;
      if (spec.keep_delimiter) {
        DROVER_FUZZ_CHECK(text.ends_with(spec.delimiter));
        text.remove_suffix(spec.delimiter.size());
      }
      DROVER_FUZZ_CHECK(text.find(spec.delimiter) == std::string_view::npos);
      DROVER_FUZZ_CHECK(text.size() <= spec.max_reply);
      break;
    }
    case Framing::kLengthPrefixed:
      DROVER_FUZZ_CHECK(frame.consumed ==
                        frame.text.size() + static_cast<std::size_t>(spec.length_bytes));
      DROVER_FUZZ_CHECK(frame.text.size() <= spec.max_reply);
      break;
    case Framing::kResp:
      DROVER_FUZZ_CHECK(frame.text.size() == frame.consumed);
      DROVER_FUZZ_CHECK(frame.consumed <= spec.max_reply);
      break;
    case Framing::kMemcached:
      // All of the reply's bytes but the "\n" or "\r\n" that ends it.
      DROVER_FUZZ_CHECK(frame.consumed == frame.text.size() + 1 ||
                        frame.consumed == frame.text.size() + 2);
      DROVER_FUZZ_CHECK(frame.text.size() <= spec.max_reply);
      break;
  }
}

}  // namespace

int framing(const std::uint8_t* data, std::size_t size) {
  const Stream stream = stream_of(std::string_view(reinterpret_cast<const char*>(data), size));
  Framer whole(stream.spec);
  const Frames at_once = frames_whole(
      whole, stream.bytes, stream.request_size,
      [&](Framer&, const Frame& frame) { check_reply(stream.spec, frame, stream.request_size); });
  Framer bytewise(stream.spec);
  DROVER_FUZZ_CHECK(frames_bytewise(bytewise, stream.bytes, stream.request_size) == at_once);
  return 0;
}

}  // namespace drover::fuzz
