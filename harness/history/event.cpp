#include "harness/history/event.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>
#include <optional>

#include <nlohmann/json.hpp>

namespace drover {
namespace {

constexpr const char* kTypeNames[] = {"invoke", "ok", "fail", "info"};
constexpr std::int64_t kMaxClient = std::numeric_limits<std::uint32_t>::max();

void append_number(std::string& out, std::int64_t n) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
  out.append(digits, end);
}

void append_string(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static const char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out += kHex[(c >> 4) & 0xf];
          out += kHex[c & 0xf];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

// A cursor over one line; every read checks the exact expected text, so a
// line that is not ours fails rather than being misread.
class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  // Text known at compile time: the comparison has a constant length, which
  // the compiler turns into a few loads instead of a call per field.
  template <std::size_t N>
  bool literal(const char (&text)[N]) {
    constexpr std::size_t length = N - 1;
    if (s_.size() - pos_ < length || std::memcmp(s_.data() + pos_, text, length) != 0) return false;
    pos_ += length;
    return true;
  }
  bool number(std::int64_t& n) {
    auto [end, ec] = std::from_chars(s_.data() + pos_, s_.data() + s_.size(), n);
    if (ec != std::errc()) return false;
    pos_ = static_cast<std::size_t>(end - s_.data());
    return true;
  }
  bool string(std::string& out) {
    if (!literal("\"")) return false;
    out.clear();
    while (pos_ < s_.size()) {
      // Copy the run up to the next quote or escape at once: most strings
      // have no escapes at all.
      // (string_view::find_first_of calls memchr once per character.)
      std::size_t stop = pos_;
      while (stop < s_.size() && s_[stop] != '"' && s_[stop] != '\\') ++stop;
      if (stop == s_.size()) return false;
      out.append(s_.data() + pos_, stop - pos_);
      pos_ = stop + 1;
      if (s_[stop] == '"') return true;
      if (pos_ >= s_.size()) return false;
      char e = s_[pos_++];
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          if (pos_ + 4 > s_.size()) return false;
          unsigned code = 0;
          auto [end, ec] = std::from_chars(s_.data() + pos_, s_.data() + pos_ + 4, code, 16);
          if (ec != std::errc() || end != s_.data() + pos_ + 4 || code > 0x7f) return false;
          out += static_cast<char>(code);
          pos_ += 4;
          break;
        }
        default:
          return false;
      }
    }
    return false;
  }
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  bool at_end() const { return pos_ == s_.size(); }

 private:
  std::string_view s_;
  std::size_t pos_ = 0;
};

}  // namespace

const char* event_type_name(EventType type) {
  return kTypeNames[static_cast<int>(type)];
}

void append_event_json(std::string& out, const Event& e) {
  out += "{\"t\":";
  append_number(out, static_cast<std::int64_t>(e.time_ns));
  out += ",\"client\":";
  append_number(out, e.client);
  out += ",\"fleet\":";
  append_string(out, e.fleet);
  out += ",\"type\":\"";
  out += kTypeNames[static_cast<int>(e.type)];
  out += "\",\"f\":";
  append_string(out, e.f);
  out += ",\"value\":";
  switch (e.value.kind) {
    case EventValue::Kind::kNull:
      out += "null";
      break;
    case EventValue::Kind::kInt:
      append_number(out, e.value.number);
      break;
    case EventValue::Kind::kText:
      append_string(out, e.value.text);
      break;
    case EventValue::Kind::kInts:
      out += '[';
      for (std::size_t i = 0; i < e.value.numbers.size(); ++i) {
        if (i) out += ',';
        append_number(out, e.value.numbers[i]);
      }
      out += ']';
      break;
  }
  out += '}';
}

namespace {

// drover's own layout, as append_event_json writes it: the fast path, for
// the tens of millions of lines of a long run. False when the line is in
// any other form, which parse_any_event_json then reads.
bool parse_drover_layout(std::string_view line, Event& e) {
  Cursor c(line);
  std::int64_t n = 0;
  if (!c.literal("{\"t\":") || !c.number(n) || n < 0) return false;
  e.time_ns = static_cast<std::uint64_t>(n);
  if (!c.literal(",\"client\":") || !c.number(n) || n < 0 || n > kMaxClient) return false;
  e.client = static_cast<std::uint32_t>(n);
  if (!c.literal(",\"fleet\":") || !c.string(e.fleet)) return false;
  if (!c.literal(",\"type\":\"")) return false;
  if (c.literal("ok\"")) {
    e.type = EventType::kOk;
  } else if (c.literal("invoke\"")) {
    e.type = EventType::kInvoke;
  } else if (c.literal("fail\"")) {
    e.type = EventType::kFail;
  } else if (c.literal("info\"")) {
    e.type = EventType::kInfo;
  } else {
    return false;
  }
  if (!c.literal(",\"f\":") || !c.string(e.f)) return false;
  if (!c.literal(",\"value\":")) return false;
  // Cleared field by field, not reassigned: the caller reuses one Event for
  // many lines, and its strings and list keep their capacity.
  e.value.kind = EventValue::Kind::kNull;
  e.value.number = 0;
  e.value.text.clear();
  e.value.numbers.clear();
  char p = c.peek();
  if (p == 'n') {
    if (!c.literal("null")) return false;
  } else if (p == '"') {
    e.value.kind = EventValue::Kind::kText;
    if (!c.string(e.value.text)) return false;
  } else if (p == '[') {
    e.value.kind = EventValue::Kind::kInts;
    c.literal("[");
    if (!c.literal("]")) {
      do {
        if (!c.number(n)) return false;
        e.value.numbers.push_back(n);
      } while (c.literal(","));
      if (!c.literal("]")) return false;
    }
  } else {
    e.value.kind = EventValue::Kind::kInt;
    if (!c.number(e.value.number)) return false;
  }
  return c.literal("}") && c.at_end();
}

using Json = nlohmann::json;

// A JSON number that is an integer within [low, high].
std::optional<std::int64_t> integer(const Json& j, std::int64_t low, std::int64_t high) {
  std::int64_t n = 0;
  if (j.is_number_unsigned()) {
    if (j.get<std::uint64_t>() > static_cast<std::uint64_t>(high)) return std::nullopt;
    n = static_cast<std::int64_t>(j.get<std::uint64_t>());
  } else if (j.is_number_integer()) {
    n = j.get<std::int64_t>();
  } else {
    return std::nullopt;
  }
  if (n < low || n > high) return std::nullopt;
  return n;
}

Expected<void> read_value(const Json& j, EventValue& v) {
  v = EventValue{};
  constexpr std::int64_t kLow = std::numeric_limits<std::int64_t>::min();
  constexpr std::int64_t kHigh = std::numeric_limits<std::int64_t>::max();
  if (j.is_null()) return {};
  if (j.is_string()) {
    v = EventValue::of(j.get<std::string>());
    return {};
  }
  if (auto n = integer(j, kLow, kHigh)) {
    v = EventValue::of(*n);
    return {};
  }
  if (j.is_array()) {
    v.kind = EventValue::Kind::kInts;
    for (const Json& item : j) {
      auto n = integer(item, kLow, kHigh);
      if (!n) break;
      v.numbers.push_back(*n);
    }
    if (v.numbers.size() == j.size()) return {};
  }
  return unexpected("\"value\" is not null, an integer, a string or a list of integers");
}

// Any JSON object with drover's six keys, in any order and spacing; keys
// drover does not write are ignored. The error names the key that is wrong.
Expected<void> parse_any_event_json(std::string_view line, Event& e) {
  Json j = Json::parse(line, nullptr, false);
  if (j.is_discarded()) return unexpected("not JSON");
  if (!j.is_object()) return unexpected("not a JSON object");
  for (const char* key : {"t", "client", "fleet", "type", "f", "value"}) {
    if (!j.contains(key)) return unexpected(std::string("no \"") + key + "\"");
  }
  auto t = integer(j["t"], 0, std::numeric_limits<std::int64_t>::max());
  if (!t) return unexpected("\"t\" is not an integer from 0 to 9223372036854775807");
  auto client = integer(j["client"], 0, kMaxClient);
  if (!client) return unexpected("\"client\" is not an integer from 0 to 4294967295");
  if (!j["fleet"].is_string()) return unexpected("\"fleet\" is not a string");
  if (!j["f"].is_string()) return unexpected("\"f\" is not a string");
  const Json& type = j["type"];
  const char* const* known = std::end(kTypeNames);
  if (type.is_string()) {
    known = std::find(std::begin(kTypeNames), std::end(kTypeNames), type.get<std::string>());
  }
  if (known == std::end(kTypeNames)) {
    return unexpected(R"("type" is not one of "invoke", "ok", "fail", "info")");
  }
  Expected<void> value = read_value(j["value"], e.value);
  if (!value) return value;
  e.time_ns = static_cast<std::uint64_t>(*t);
  e.client = static_cast<std::uint32_t>(*client);
  e.fleet = j["fleet"].get<std::string>();
  e.f = j["f"].get<std::string>();
  e.type = static_cast<EventType>(known - std::begin(kTypeNames));
  return {};
}

}  // namespace

Expected<void> parse_event_json(std::string_view line, Event& e) {
  if (parse_drover_layout(line, e)) return {};
  return parse_any_event_json(line, e);
}

}  // namespace drover
