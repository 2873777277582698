#include "harness/drivers/expectation.hpp"

#include "harness/core/regex.hpp"
#include "harness/core/shown_bytes.hpp"

namespace drover {
namespace {

// How a scenario writes a value of the reply's type.
RespValueSpec::Kind written_as(RespType type) {
  switch (type) {
    case RespType::kInteger:
      return RespValueSpec::Kind::kInteger;
    case RespType::kBoolean:
      return RespValueSpec::Kind::kBoolean;
    case RespType::kNull:
      return RespValueSpec::Kind::kNull;
    case RespType::kArray:
    case RespType::kMap:
    case RespType::kSet:
    case RespType::kPush:
      return RespValueSpec::Kind::kArray;
    default:
      return RespValueSpec::Kind::kText;
  }
}

// Elements are compared by kind as well as by value: the bulk "1" is not
// the integer 1.
bool holds(const RespValue& reply, const RespValueSpec& want) {
  if (written_as(reply.type) != want.kind) return false;
  switch (want.kind) {
    case RespValueSpec::Kind::kText:
      return reply.text == want.text;
    case RespValueSpec::Kind::kInteger:
      return reply.integer == want.integer;
    case RespValueSpec::Kind::kBoolean:
      return (reply.integer != 0) == want.boolean;
    case RespValueSpec::Kind::kNull:
      return true;
    case RespValueSpec::Kind::kArray:
      if (reply.items.size() != want.items.size()) return false;
      for (std::size_t i = 0; i < want.items.size(); ++i) {
        if (!holds(reply.items[i], want.items[i])) return false;
      }
      return true;
  }
  return false;
}

}  // namespace

bool resp_matches(const RespValue& reply, std::string_view type,
                  const std::optional<RespValueSpec>& value) {
  if (resp_type_name(reply.type) != type) return false;
  return !value || holds(reply, *value);
}

bool is_upper_of(std::string_view request, std::string_view reply) {
  if (request.size() != reply.size()) return false;
  for (std::size_t i = 0; i < request.size(); ++i) {
    char c = request[i];
    char up = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    if (reply[i] != up) return false;
  }
  return true;
}

ReplyCheck::ReplyCheck(const Expectation& expectation, const DataCatalog* data)
    : kind_(expectation.kind) {
  if (kind_ == Expectation::Kind::kEquals) {
    // Checked when the scenario was read; one that is wrong matches nothing.
    if (auto compiled = PayloadTemplate::compile(expectation.text, data)) {
      equals_ = std::move(*compiled);
    }
  } else if (kind_ == Expectation::Kind::kRegex) {
    // Checked when the scenario was read, as for kEquals.
    if (auto compiled = compile_regex(expectation.text)) regex_ = std::move(*compiled);
    regex_text_ = expectation.text;
  } else if (kind_ == Expectation::Kind::kResp) {
    resp_type_ = expectation.resp_type;
    resp_value_ = expectation.resp_value;
  }
}

bool ReplyCheck::matches(std::string_view request, std::string_view reply, std::uint64_t client,
                         std::uint64_t seq, std::uint64_t random_state, RowsTaken rows) const {
  switch (kind_) {
    case Expectation::Kind::kAny:
      return true;
    case Expectation::Kind::kEcho:
      return request == reply;
    case Expectation::Kind::kUpper:
      return is_upper_of(request, reply);
    case Expectation::Kind::kEquals:
      if (!equals_) return false;
      return equals_->render(scratch_, client, seq, random_state, &rows) && scratch_ == reply;
    case Expectation::Kind::kRegex:
      return regex_ && regex_match_whole(reply, *regex_);
    case Expectation::Kind::kResp: {
      // The framing handed over exactly one value; anything else is wrong.
      RespParser parser(reply.size() + 1);
      if (parser.parse(reply) != RespParser::Status::kValue || parser.consumed() != reply.size())
        return false;
      return resp_matches(parser.value(), resp_type_, resp_value_);
    }
  }
  return false;
}

bool ReplyCheck::identifies_request() const {
  return kind_ == Expectation::Kind::kEcho || kind_ == Expectation::Kind::kUpper ||
         kind_ == Expectation::Kind::kEquals;
}

bool ReplyCheck::expected_reply(std::string_view request, std::uint64_t client, std::uint64_t seq,
                                std::uint64_t random_state, std::string& out,
                                RowsTaken rows) const {
  switch (kind_) {
    case Expectation::Kind::kEcho:
      out.assign(request);
      return true;
    case Expectation::Kind::kUpper:
      out.resize(request.size());
      for (std::size_t i = 0; i < request.size(); ++i) {
        char c = request[i];
        out[i] = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
      }
      return true;
    case Expectation::Kind::kEquals:
      if (!equals_) return false;
      return equals_->render(out, client, seq, random_state, &rows);
    case Expectation::Kind::kAny:
    case Expectation::Kind::kRegex:
    case Expectation::Kind::kResp:
      return false;
  }
  return false;
}

namespace {

std::string in_quotes(std::string_view bytes) {
  return "\"" + shown_text(show_bytes(bytes)) + "\"";
}

// What a line or memcached framing did to the reply that the expected text
// did not allow for: the '\r' before '\n' is stripped, a '\n' ends the
// reply; memcached's reply loses the "\r\n" that ends it.
std::string framing_note(std::string_view expected, std::optional<Framing> framing) {
  if (framing == Framing::kMemcached && expected.ends_with("\r\n"))
    return " (note: memcached framing cuts the \"\\r\\n\" that ends a reply)";
  if (framing != Framing::kLine) return {};
  if (!expected.empty() && expected.back() == '\r') return " (note: line framing strips \"\\r\")";
  if (expected.find('\n') != std::string_view::npos)
    return " (note: line framing ends a reply at \"\\n\")";
  return {};
}

// Arrays in a rule show this many elements, then "...".
constexpr std::size_t kShownRespItems = 8;

// A wanted RESP value as the scenario wrote it: "OK", 3, null, ["a", 1].
std::string shown(const RespValueSpec& v) {
  switch (v.kind) {
    case RespValueSpec::Kind::kText:
      return in_quotes(v.text);
    case RespValueSpec::Kind::kInteger:
      return std::to_string(v.integer);
    case RespValueSpec::Kind::kBoolean:
      return v.boolean ? "true" : "false";
    case RespValueSpec::Kind::kNull:
      return "null";
    case RespValueSpec::Kind::kArray:
      break;
  }
  std::string out = "[";
  for (std::size_t i = 0; i < v.items.size() && i < kShownRespItems; ++i)
    out += (i > 0 ? ", " : "") + shown(v.items[i]);
  return out + (v.items.size() > kShownRespItems ? ", ...]" : "]");
}

// A received RESP value written the same way.
std::string shown(const RespValue& v) {
  switch (written_as(v.type)) {
    case RespValueSpec::Kind::kText:
      return in_quotes(v.text);
    case RespValueSpec::Kind::kInteger:
      return std::to_string(v.integer);
    case RespValueSpec::Kind::kBoolean:
      return v.integer != 0 ? "true" : "false";
    case RespValueSpec::Kind::kNull:
      return "null";
    case RespValueSpec::Kind::kArray:
      break;
  }
  std::string out = "[";
  for (std::size_t i = 0; i < v.items.size() && i < kShownRespItems; ++i)
    out += (i > 0 ? ", " : "") + shown(v.items[i]);
  return out + (v.items.size() > kShownRespItems ? ", ...]" : "]");
}

// 'a RESP simple reply "OK"', or why the bytes are not one RESP value.
std::string received_resp(std::string_view reply) {
  RespParser parser(reply.size() + 1);
  RespParser::Status status = parser.parse(reply);
  if (status != RespParser::Status::kValue) return "bytes that are not one whole RESP value";
  if (parser.consumed() != reply.size()) return "more than one RESP value";
  const RespValue& value = parser.value();
  std::string type(resp_type_name(value.type));
  return value.type == RespType::kNull ? "a RESP null" : "a RESP " + type + " " + shown(value);
}

}  // namespace

ReplyCheck::Mismatch ReplyCheck::explain(std::string_view request, std::string_view reply,
                                         std::uint64_t client, std::uint64_t seq,
                                         std::uint64_t random_state, const RowsTaken& rows,
                                         std::optional<Framing> framing) const {
  Mismatch m;
  switch (kind_) {
    case Expectation::Kind::kAny:
      m.rule = "expected any reply";
      return m;
    case Expectation::Kind::kRegex:
      m.rule = "expected a reply matching regex " + regex_text_;
      return m;
    case Expectation::Kind::kResp:
      m.rule = "expected a RESP " + resp_type_ +
               (resp_value_ ? " " + shown(*resp_value_) : std::string(" reply")) + ", received " +
               received_resp(reply);
      return m;
    case Expectation::Kind::kEcho:
    case Expectation::Kind::kUpper:
    case Expectation::Kind::kEquals:
      break;
  }
  expected_reply(request, client, seq, random_state, m.expected, rows);
  std::string what = kind_ == Expectation::Kind::kEquals ? "equals " + in_quotes(m.expected)
                     : kind_ == Expectation::Kind::kEcho
                         ? "the request echoed, " + in_quotes(m.expected)
                         : "the request upper-cased, " + in_quotes(m.expected);
  m.rule =
      "expected " + what + ", received " + in_quotes(reply) + framing_note(m.expected, framing);
  return m;
}

}  // namespace drover
