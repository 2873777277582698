#include "harness/drivers/resp.hpp"

#include <algorithm>
#include <charconv>
#include <optional>

namespace drover {

namespace {

bool is_blob(char type) {
  return type == '$' || type == '=' || type == '!';
}
bool is_container(char type) {
  return type == '*' || type == '~' || type == '>' || type == '%' || type == '|';
}
bool is_line(char type) {
  return type == '+' || type == '-' || type == ':' || type == '_' || type == '#' || type == ',' ||
         type == '(';
}

std::optional<std::int64_t> parse_integer(std::string_view text) {
  std::int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [stop, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || stop != end) return std::nullopt;
  return value;
}

bool is_big_number(std::string_view text) {
  if (text.starts_with('-') || text.starts_with('+')) text.remove_prefix(1);
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string shown(char c) {
  if (c >= 0x20 && c < 0x7f) return std::string("'") + c + "'";
  constexpr char kHex[] = "0123456789abcdef";
  auto byte = static_cast<unsigned char>(c);
  return std::string("\\x") + kHex[byte >> 4] + kHex[byte & 0xf];
}

RespType container_type(char type) {
  switch (type) {
    case '~':
      return RespType::kSet;
    case '>':
      return RespType::kPush;
    case '%':
    case '|':
      return RespType::kMap;
    default:
      return RespType::kArray;
  }
}

}  // namespace

std::string_view resp_type_name(RespType type) {
  switch (type) {
    case RespType::kSimple:
      return "simple";
    case RespType::kError:
      return "error";
    case RespType::kInteger:
      return "integer";
    case RespType::kBulk:
      return "bulk";
    case RespType::kNull:
      return "null";
    case RespType::kArray:
      return "array";
    case RespType::kBoolean:
      return "boolean";
    case RespType::kDouble:
      return "double";
    case RespType::kBigNumber:
      return "big_number";
    case RespType::kVerbatim:
      return "verbatim";
    case RespType::kMap:
      return "map";
    case RespType::kSet:
      return "set";
    case RespType::kPush:
      return "push";
  }
  return "?";
}

void RespParser::reset() {
  open_.clear();
  pos_ = 0;
  scan_ = 0;
}

RespParser::Status RespParser::parse(std::string_view data) {
  for (;;) {
    switch (element(data)) {
      case Step::kDone:
        pos_ = 0;
        scan_ = 0;
        return Status::kValue;
      case Step::kContinue:
        continue;
      case Step::kNeedMore:
        return Status::kNeedMore;
      case Step::kTooLarge:
        reset();
        return Status::kTooLarge;
      case Step::kMalformed:
        reset();
        return Status::kMalformed;
    }
  }
}

// One element at pos_: a whole scalar, or the header of a container.
RespParser::Step RespParser::element(std::string_view data) {
  if (pos_ >= data.size()) return Step::kNeedMore;
  const char type = data[pos_];
  if (!is_blob(type) && !is_container(type) && !is_line(type))
    return malformed("unknown RESP type byte " + shown(type) + " at byte " + std::to_string(pos_));
  const std::size_t newline = data.find('\n', std::max(scan_, pos_ + 1));
  if (newline == std::string_view::npos) {
    scan_ = data.size();
    if (data.size() > max_reply_) return Step::kTooLarge;
    return Step::kNeedMore;
  }
  if (newline + 1 > max_reply_) return Step::kTooLarge;
  if (newline < pos_ + 2 || data[newline - 1] != '\r')
    return malformed("a RESP line not ended by \\r\\n at byte " + std::to_string(newline));
  const std::string_view line = data.substr(pos_ + 1, newline - 1 - (pos_ + 1));
  if (is_blob(type)) return blob(type, line, data, newline + 1);
  if (is_container(type)) return container(type, line, newline + 1);
  return scalar_line(type, line, newline + 1);
}

RespParser::Step RespParser::scalar_line(char type, std::string_view line, std::size_t after) {
  pos_ = after;
  scan_ = after;
  RespValue value;
  value.text = line;
  switch (type) {
    case '+':
      value.type = RespType::kSimple;
      break;
    case '-':
      value.type = RespType::kError;
      break;
    case ':': {
      auto integer = parse_integer(line);
      if (!integer) return malformed("a RESP integer that is not one: " + std::string(line));
      value.type = RespType::kInteger;
      value.integer = *integer;
      value.text.clear();
      break;
    }
    case '_':
      if (!line.empty()) return malformed("a RESP null with text after it");
      value.type = RespType::kNull;
      break;
    case '#':
      if (line != "t" && line != "f") return malformed("a RESP boolean neither t nor f");
      value.type = RespType::kBoolean;
      value.integer = line == "t" ? 1 : 0;
      value.text.clear();
      break;
    case ',':
      if (line.empty()) return malformed("an empty RESP double");
      value.type = RespType::kDouble;
      break;
    default:  // '('
      if (!is_big_number(line)) return malformed("a RESP big number that is not one");
      value.type = RespType::kBigNumber;
      break;
  }
  return complete(std::move(value), false);
}

// A string whose length comes first: bulk ($), verbatim (=), blob error (!).
RespParser::Step RespParser::blob(char type, std::string_view line, std::string_view data,
                                  std::size_t body) {
  auto length = parse_integer(line);
  if (!length) return malformed("a RESP length that is not a number: " + std::string(line));
  if (*length == -1 && type == '$') {
    pos_ = body;
    scan_ = body;
    return complete(RespValue{}, false);
  }
  if (*length < 0) return malformed("a negative RESP length: " + std::string(line));
  const auto size = static_cast<std::uint64_t>(*length);
  if (size > max_reply_ || body + size + 2 > max_reply_) return Step::kTooLarge;
  if (data.size() < body + size + 2) {
    scan_ = body - 1;  // its '\n': the next call finds the line again at once
    return Step::kNeedMore;
  }
  if (data[body + size] != '\r' || data[body + size + 1] != '\n')
    return malformed("a RESP string not followed by \\r\\n at byte " + std::to_string(body + size));
  RespValue value;
  value.type = type == '$' ? RespType::kBulk : type == '!' ? RespType::kError : RespType::kVerbatim;
  std::string_view text = data.substr(body, size);
  if (type == '=') {
    if (text.size() < 4 || text[3] != ':')
      return malformed("a RESP verbatim string without its format");
    text.remove_prefix(4);
  }
  value.text = text;
  pos_ = body + size + 2;
  scan_ = pos_;
  return complete(std::move(value), false);
}

RespParser::Step RespParser::container(char type, std::string_view line, std::size_t after) {
  auto count = parse_integer(line);
  if (!count) return malformed("a RESP count that is not a number: " + std::string(line));
  pos_ = after;
  scan_ = after;
  if (*count == -1 && type == '*') return complete(RespValue{}, false);
  if (*count < 0) return malformed("a negative RESP count: " + std::string(line));
  // Each element takes at least three bytes: a count past max_reply cannot fit.
  if (static_cast<std::uint64_t>(*count) > max_reply_) return Step::kTooLarge;
  const bool pairs = type == '%' || type == '|';
  RespValue value;
  value.type = container_type(type);
  const std::int64_t items = pairs ? *count * 2 : *count;
  if (items == 0) return complete(std::move(value), type == '|');
  if (open_.size() >= kMaxRespDepth)
    return malformed("RESP nested deeper than " + std::to_string(kMaxRespDepth));
  open_.push_back(Open{std::move(value), items, type == '|'});
  return Step::kContinue;
}

// A whole value goes into the container it is part of, closing each
// container it fills; the outermost one closed is the reply. Attributes
// describe the value after them and are not counted as elements.
RespParser::Step RespParser::complete(RespValue value, bool attribute) {
  if (attribute) return Step::kContinue;
  while (!open_.empty()) {
    Open& top = open_.back();
    top.value.items.push_back(std::move(value));
    if (--top.remaining > 0) return Step::kContinue;
    value = std::move(top.value);
    const bool closed_attribute = top.attribute;
    open_.pop_back();
    if (closed_attribute) return Step::kContinue;
  }
  value_ = std::move(value);
  consumed_ = pos_;
  return Step::kDone;
}

RespParser::Step RespParser::malformed(std::string why) {
  error_ = std::move(why);
  return Step::kMalformed;
}

}  // namespace drover
