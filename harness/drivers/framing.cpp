#include "harness/drivers/framing.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <utility>

#include "harness/core/shown_bytes.hpp"

namespace drover {

namespace {

Frame reply(std::string_view text, std::size_t consumed) {
  return Frame{FrameStatus::kReply, text, consumed};
}

Frame need_more() {
  return Frame{};
}
Frame too_large() {
  return Frame{FrameStatus::kTooLarge, {}, 0};
}

std::uint64_t read_length(std::string_view header, Endian endian) {
  std::uint64_t length = 0;
  for (std::size_t i = 0; i < header.size(); ++i) {
    const std::size_t at = endian == Endian::kBig ? i : header.size() - 1 - i;
    length = (length << 8) | static_cast<unsigned char>(header[at]);
  }
  return length;
}

std::string length_header(std::uint64_t length, int width, Endian endian) {
  std::string header(static_cast<std::size_t>(width), '\0');
  for (int i = 0; i < width; ++i) {
    const auto byte = static_cast<char>((length >> (8 * i)) & 0xff);
    header[endian == Endian::kBig ? static_cast<std::size_t>(width - 1 - i)
                                  : static_cast<std::size_t>(i)] = byte;
  }
  return header;
}

// What one line of a memcached text-protocol reply says comes after it.
struct McStep {
  enum Kind { kLast, kMore, kBlockThenMore, kBlockThenLast, kBad } kind = kLast;
  std::uint64_t block = 0;  // kBlock*: the data block's bytes, its "\r\n" not counted
  std::string why;          // kBad
};

// The decimal byte count of a VALUE or VA line, saturated: a count past
// any cap is as good as infinite.
std::optional<std::uint64_t> byte_count(std::string_view digits) {
  if (digits.empty() ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec == std::errc::result_out_of_range) return std::numeric_limits<std::uint64_t>::max();
  return n;
}

// The index-th space-separated field of line ("" past the last).
std::string_view field(std::string_view line, int index) {
  for (int i = 0; i < index; ++i) {
    const std::size_t space = line.find(' ');
    if (space == std::string_view::npos) return {};
    line.remove_prefix(space + 1);
  }
  return line.substr(0, line.find(' '));
}

McStep block_line(std::string_view line, int count_field, McStep::Kind kind) {
  std::optional<std::uint64_t> bytes = byte_count(field(line, count_field));
  if (!bytes)
    return {McStep::kBad, 0, "a memcached line \"" + escape_bytes(line) + "\" with no byte count"};
  return {kind, *bytes, {}};
}

// line, its "\r\n" cut, in a reply whose earlier lines set context.
McStep memcached_step(std::string_view line, McContext& context) {
  if (line == "END") return {};
  if (line.starts_with("VALUE ") && context != McContext::kStats) {
    context = McContext::kValues;
    return block_line(line, 3, McStep::kBlockThenMore);
  }
  if (context == McContext::kValues)
    return {McStep::kBad, 0,
            "a memcached retrieval reply with \"" + escape_bytes(line) +
                "\" where a VALUE line or END belongs"};
  if (context == McContext::kStats) return {McStep::kMore, 0, {}};
  if (line.starts_with("STAT ")) {
    context = McContext::kStats;
    return {McStep::kMore, 0, {}};
  }
  if (line.starts_with("VA ")) return block_line(line, 1, McStep::kBlockThenLast);
  return {};
}

}  // namespace

Framer::Framer(FramingSpec spec) : spec_(std::move(spec)), parser_(spec_.max_reply) {}

void Framer::reset() {
  scanned_ = 0;
  line_start_ = 0;
  context_ = McContext::kFirst;
  parser_.reset();
}

Frame Framer::next(std::string_view data, std::size_t request_size) {
  switch (spec_.kind) {
    case Framing::kLine:
      return line(data);
    case Framing::kFixed:
      return fixed(data, request_size);
    case Framing::kDelimiter:
      return delimited(data);
    case Framing::kLengthPrefixed:
      return length_prefixed(data);
    case Framing::kResp:
      return resp_value(data);
    case Framing::kMemcached:
      return memcached(data);
  }
  return malformed("unknown framing");
}

Frame Framer::line(std::string_view data) {
  const std::size_t newline = data.find('\n', scanned_);
  const std::size_t length = newline == std::string_view::npos ? data.size() : newline;
  if (length > spec_.max_reply) {
    scanned_ = 0;
    return too_large();
  }
  if (newline == std::string_view::npos) {
    scanned_ = data.size();
    return need_more();
  }
  scanned_ = 0;
  const std::size_t end = newline > 0 && data[newline - 1] == '\r' ? newline - 1 : newline;
  return reply(data.substr(0, end), newline + 1);
}

Frame Framer::fixed(std::string_view data, std::size_t size) const {
  if (size > spec_.max_reply) return too_large();
  if (data.size() < size) return need_more();
  return reply(data.substr(0, size), size);
}

Frame Framer::delimited(std::string_view data) {
  const std::string& delimiter = spec_.delimiter;
  if (delimiter.empty()) return malformed("an empty delimiter ends no reply");
  // A delimiter may straddle the end of the bytes scanned before.
  const std::size_t overlap = delimiter.size() - 1;
  const std::size_t from = scanned_ > overlap ? scanned_ - overlap : 0;
  const std::size_t at = data.find(delimiter, from);
  if (at == std::string_view::npos) {
    // The reply's text holds at least the bytes no delimiter can start in.
    scanned_ = data.size();
    if (data.size() > spec_.max_reply + overlap) {
      scanned_ = 0;
      return too_large();
    }
    return need_more();
  }
  scanned_ = 0;
  if (at > spec_.max_reply) return too_large();
  const std::size_t end = at + delimiter.size();
  return reply(data.substr(0, spec_.keep_delimiter ? end : at), end);
}

Frame Framer::length_prefixed(std::string_view data) {
  const auto width = static_cast<std::size_t>(spec_.length_bytes);
  if (data.size() < width) return need_more();
  const std::uint64_t length = read_length(data.substr(0, width), spec_.endian);
  if (spec_.length_includes_header && length < width)
    return malformed("a length of " + std::to_string(length) + " is shorter than its own " +
                     std::to_string(width) + "-byte header");
  const std::uint64_t payload = spec_.length_includes_header ? length - width : length;
  if (payload > spec_.max_reply) return too_large();
  if (data.size() - width < payload) return need_more();
  return reply(data.substr(width, payload), width + payload);
}

Frame Framer::resp_value(std::string_view data) {
  switch (parser_.parse(data)) {
    case RespParser::Status::kValue:
      return reply(data.substr(0, parser_.consumed()), parser_.consumed());
    case RespParser::Status::kNeedMore:
      return need_more();
    case RespParser::Status::kTooLarge:
      return too_large();
    case RespParser::Status::kMalformed:
      break;
  }
  return malformed(parser_.error());
}

// Line by line: each line is looked for once, from where the last call
// stopped; a data block is skipped by its count, never searched. A reply
// is too large as soon as the bytes before the line being read (its last
// byte may be the "\r" of "\r\n") or a block's count pass the cap.
Frame Framer::memcached(std::string_view data) {
  for (;;) {
    const std::size_t newline = data.find('\n', std::max(scanned_, line_start_));
    const std::size_t seen = newline == std::string_view::npos ? data.size() : newline;
    if (seen > spec_.max_reply + 1) {
      reset();
      return too_large();
    }
    if (newline == std::string_view::npos) {
      scanned_ = data.size();
      return need_more();
    }
    const std::size_t end =
        newline > line_start_ && data[newline - 1] == '\r' ? newline - 1 : newline;
    McStep step = memcached_step(data.substr(line_start_, end - line_start_), context_);
    if (step.kind == McStep::kBad) return malformed(std::move(step.why));
    if (step.kind == McStep::kLast) return memcached_reply(data, end, newline + 1);
    if (step.kind == McStep::kMore) {
      line_start_ = scanned_ = newline + 1;
      continue;
    }
    // A data block and its "\r\n": the reply's text holds all of it (then END),
    // or all of it but the "\r\n" (VA).
    const std::uint64_t block = step.block;
    const bool last = step.kind == McStep::kBlockThenLast;
    if (block > spec_.max_reply || newline + 1 + block + (last ? 0 : 2) > spec_.max_reply) {
      reset();
      return too_large();
    }
    const std::size_t block_end = newline + 1 + block + 2;
    if (data.size() < block_end) {
      scanned_ = line_start_;  // the line is read again once the block is in
      return need_more();
    }
    if (data.substr(block_end - 2, 2) != "\r\n")
      return malformed("a memcached data block of " + std::to_string(block) +
                       " bytes not followed by \\r\\n");
    if (last) return memcached_reply(data, block_end - 2, block_end);
    line_start_ = scanned_ = block_end;
  }
}

Frame Framer::memcached_reply(std::string_view data, std::size_t text_end, std::size_t consumed) {
  reset();
  if (text_end > spec_.max_reply) return too_large();
  return reply(data.substr(0, text_end), consumed);
}

Frame Framer::malformed(std::string why) {
  error_ = std::move(why);
  reset();
  return Frame{FrameStatus::kMalformed, {}, 0};
}

std::size_t largest_wire_reply(const FramingSpec& spec) {
  switch (spec.kind) {
    case Framing::kLine:
      return spec.max_reply + 2;
    case Framing::kDelimiter:
      return spec.max_reply + spec.delimiter.size();
    case Framing::kLengthPrefixed:
      return spec.max_reply + static_cast<std::size_t>(spec.length_bytes);
    case Framing::kMemcached:
      return spec.max_reply + 2;
    case Framing::kFixed:
    case Framing::kResp:
      break;
  }
  return spec.max_reply;
}

Expected<std::string> frame_request(const FramingSpec& spec, std::string_view payload) {
  std::string request(payload);
  switch (spec.kind) {
    case Framing::kLine:
      request += '\n';
      break;
    case Framing::kDelimiter:
      request += spec.request_end.value_or(spec.delimiter);
      break;
    case Framing::kMemcached:
      request += "\r\n";
      break;
    case Framing::kLengthPrefixed: {
      const int width = spec.length_bytes;
      const std::uint64_t length =
          payload.size() + (spec.length_includes_header ? static_cast<std::size_t>(width) : 0);
      if (width < 8 && (length >> (8 * width)) != 0)
        return unexpected("a request of " + std::to_string(payload.size()) +
                          " bytes does not fit a " + std::to_string(width) + "-byte length");
      request.insert(0, length_header(length, width, spec.endian));
      break;
    }
    case Framing::kFixed:
    case Framing::kResp:
      break;
  }
  return request;
}

}  // namespace drover
