#include "harness/drivers/expectation.hpp"

#include "harness/core/regex.hpp"

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

ReplyCheck::ReplyCheck(const Expectation& expectation) : kind_(expectation.kind) {
  if (kind_ == Expectation::Kind::kEquals) {
    // Checked when the scenario was read; one that is wrong matches nothing.
    if (auto compiled = PayloadTemplate::compile(expectation.text)) equals_ = std::move(*compiled);
  } else if (kind_ == Expectation::Kind::kRegex) {
    // Checked when the scenario was read, as for kEquals.
    if (auto compiled = compile_regex(expectation.text)) regex_ = std::move(*compiled);
  } else if (kind_ == Expectation::Kind::kResp) {
    resp_type_ = expectation.resp_type;
    resp_value_ = expectation.resp_value;
  }
}

bool ReplyCheck::matches(std::string_view request, std::string_view reply, std::uint64_t client,
                         std::uint64_t seq, std::uint64_t random_state) const {
  switch (kind_) {
    case Expectation::Kind::kAny:
      return true;
    case Expectation::Kind::kEcho:
      return request == reply;
    case Expectation::Kind::kUpper:
      return is_upper_of(request, reply);
    case Expectation::Kind::kEquals:
      if (!equals_) return false;
      equals_->render(scratch_, client, seq, random_state);
      return scratch_ == reply;
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
                                std::uint64_t random_state, std::string& out) const {
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
      equals_->render(out, client, seq, random_state);
      return true;
    case Expectation::Kind::kAny:
    case Expectation::Kind::kRegex:
    case Expectation::Kind::kResp:
      return false;
  }
  return false;
}

}  // namespace drover
