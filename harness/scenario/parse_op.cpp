// A fleet's "op": its workload, defaulted from the target's protocol, and
// the keys of that workload.
#include <algorithm>
#include <charconv>
#include <utility>

#include <fmt/format.h>

#include "harness/core/payload_template.hpp"
#include "harness/core/regex.hpp"
#include "harness/scenario/parse_sections.hpp"

namespace drover::scenario_json {
namespace {

using namespace std::chrono_literals;

// The largest UDP payload over IPv4 (65535 - 8 UDP - 20 IP header bytes).
constexpr std::size_t kMaxDatagram = 65'507;
constexpr Duration kMaxWork = 60s;

// What the parser knows of a workload beyond its keys (format::op()).
struct WorkloadRule {
  Workload workload;
  std::vector<Protocol> protocols;  // what its target may speak
  Duration timeout;                 // default: a slow database or a busy pool answers late
};

const std::vector<WorkloadRule>& workload_rules() {
  static const std::vector<WorkloadRule> kRules{
      {Workload::kEcho, {Protocol::kUdp, Protocol::kTcp, Protocol::kHttp}, 1s},
      {Workload::kBuy, {Protocol::kTickets}, 5s},
      {Workload::kProduce, {Protocol::kQueue}, 5s},
      {Workload::kConsume, {Protocol::kQueue}, 5s},
      {Workload::kSubmit, {Protocol::kPool}, 5s},
  };
  return kRules;
}

bool fits(const WorkloadRule& rule, Protocol protocol) {
  return std::find(rule.protocols.begin(), rule.protocols.end(), protocol) != rule.protocols.end();
}

// The rule of the workload `value` names, or nullptr.
const WorkloadRule* named_rule(const Json* value) {
  if (value == nullptr || !value->is_string()) return nullptr;
  for (const WorkloadRule& rule : workload_rules())
    if (value->get_ref<const std::string&>() == workload_name(rule.workload)) return &rule;
  return nullptr;
}

// How a RESP type's value is written in a scenario.
RespValueSpec::Kind value_kind_of(std::string_view type) {
  if (type == "integer") return RespValueSpec::Kind::kInteger;
  if (type == "boolean") return RespValueSpec::Kind::kBoolean;
  if (type == "null") return RespValueSpec::Kind::kNull;
  if (type == "array" || type == "set" || type == "push" || type == "map")
    return RespValueSpec::Kind::kArray;
  return RespValueSpec::Kind::kText;
}

// Arrays in a "value" nest this deep at most, as the schema says.
constexpr int kMaxRespValueDepth = 2;

std::optional<RespValueSpec> read_resp_value(Problems& problems, const Json& value,
                                             const std::string& at, int depth) {
  RespValueSpec out;
  if (value.is_string()) {
    out.kind = RespValueSpec::Kind::kText;
    out.text = value.get<std::string>();
  } else if (std::optional<std::int64_t> number = integer_value(value)) {
    out.kind = RespValueSpec::Kind::kInteger;
    out.integer = *number;
  } else if (value.is_boolean()) {
    out.kind = RespValueSpec::Kind::kBoolean;
    out.boolean = value.get<bool>();
  } else if (value.is_null()) {
    out.kind = RespValueSpec::Kind::kNull;
  } else if (value.is_array() && depth < kMaxRespValueDepth) {
    out.kind = RespValueSpec::Kind::kArray;
    bool ok = true;
    for (std::size_t i = 0; i < value.size(); ++i) {
      std::optional<RespValueSpec> item =
          read_resp_value(problems, value[i], child(at, i), depth + 1);
      if (item) out.items.push_back(std::move(*item));
      ok = ok && item.has_value();
    }
    if (!ok) return std::nullopt;
  } else {
    problems.at(at, value.is_array() ? "arrays nest two deep at most here"
                                     : "must be text, a whole number, true, false, null or an "
                                       "array of them");
    return std::nullopt;
  }
  return out;
}

// {"resp": TYPE, "value": VALUE}: the value, when given, must be what a
// reply of that type holds.
void parse_resp_expectation(ObjectReader& r, Expectation& out) {
  std::vector<std::string> names(format::kRespTypeNames.begin(), format::kRespTypeNames.end());
  std::optional<std::string> type = r.choice("resp", Need::kRequired, names);
  if (!type) return;
  out.kind = Expectation::Kind::kResp;
  out.resp_type = *type;
  const Json* value = r.get("value");
  if (value == nullptr) return;
  out.resp_value = read_resp_value(r.problems(), *value, r.at("value"), 0);
  if (!out.resp_value) return;
  constexpr std::pair<RespValueSpec::Kind, const char*> kWritten[] = {
      {RespValueSpec::Kind::kText, "text"},
      {RespValueSpec::Kind::kInteger, "a whole number"},
      {RespValueSpec::Kind::kBoolean, "true or false"},
      {RespValueSpec::Kind::kNull, "null (or left out)"},
      {RespValueSpec::Kind::kArray, "an array"},
  };
  RespValueSpec::Kind wanted = value_kind_of(*type);
  if (out.resp_value->kind == wanted) return;
  for (const auto& [kind, written] : kWritten) {
    if (kind == wanted)
      r.problems().at(r.at("value"),
                      fmt::format("must be {} for a reply of type \"{}\"", written, *type));
  }
}

void parse_expectation(Problems& problems, const Json& value, const std::string& at,
                       Expectation& out) {
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    if (text == "any") {
      out.kind = Expectation::Kind::kAny;
      return;
    }
    if (text == "echo") {
      out.kind = Expectation::Kind::kEcho;
      return;
    }
    if (text == "upper") {
      out.kind = Expectation::Kind::kUpper;
      return;
    }
  }
  if (!value.is_object()) {
    problems.at(at,
                "must be \"any\", \"echo\", \"upper\", {\"equals\": TEMPLATE}, "
                "{\"regex\": REGEX} or {\"resp\": TYPE}");
    return;
  }
  ObjectReader r(problems, value, at, format::expectation().known_keys());
  int given = int{r.has("equals")} + int{r.has("regex")} + int{r.has("resp")};
  if (given != 1) {
    // An unknown key ("equal") already says what is wrong.
    if (!r.had_unknown_keys())
      problems.at(at, "give exactly one of \"equals\", \"regex\" and \"resp\"");
    return;
  }
  if (r.has("value") && !r.has("resp")) problems.at(r.at("value"), "only with \"resp\"");
  if (std::optional<std::string> text = r.string("equals", Need::kOptional)) {
    out.kind = Expectation::Kind::kEquals;
    out.text = *text;
    read_template(problems, *text, r.at("equals"));
  }
  if (std::optional<std::string> text = r.string("regex", Need::kOptional)) {
    out.kind = Expectation::Kind::kRegex;
    out.text = *text;
    if (auto compiled = compile_regex(*text); !compiled) {
      problems.at(r.at("regex"), fmt::format("is not a valid regex ({})", compiled.error()));
    }
  }
  if (r.has("resp")) parse_resp_expectation(r, out);
}

struct FramingName {
  Framing kind;
  const char* name;
};

constexpr FramingName kFramingNames[] = {
    {Framing::kLine, "line"},
    {Framing::kFixed, "fixed"},
    {Framing::kResp, "resp"},
    {Framing::kDelimiter, "delimiter"},
    {Framing::kLengthPrefixed, "length_prefixed"},
    {Framing::kMemcached, "memcached"},
};

const FramingName* framing_named(const Json& value) {
  if (!value.is_string()) return nullptr;
  for (const FramingName& f : kFramingNames)
    if (value.get_ref<const std::string&>() == f.name) return &f;
  return nullptr;
}

void parse_length_prefix(ObjectReader& r, FramingSpec& out) {
  if (std::optional<std::int64_t> bytes = r.positive_integer("bytes", Need::kOptional, 8)) {
    if (*bytes == 1 || *bytes == 2 || *bytes == 4 || *bytes == 8) {
      out.length_bytes = static_cast<int>(*bytes);
    } else {
      r.problems().at(r.at("bytes"), "must be 1, 2, 4 or 8");
    }
  }
  if (std::optional<std::string> endian = r.choice("endian", Need::kOptional, {"big", "little"}))
    out.endian = *endian == "big" ? Endian::kBig : Endian::kLittle;
  out.length_includes_header = r.boolean("includes_header", Need::kOptional).value_or(false);
}

void parse_framing_object(Problems& problems, const Json& value, const std::string& at,
                          FramingSpec& out) {
  const FramingName* named = nullptr;
  if (auto it = value.find("type"); it != value.end()) named = framing_named(*it);
  if (named == nullptr) {
    // Which keys belong depends on the type: judge them against every type's.
    ObjectReader r(problems, value, at, format::framing().known_keys());
    r.choice("type", Need::kRequired, format::framing().variant_names());
    return;
  }
  ObjectReader r(problems, value, at, format::framing().known_keys({named->name}));
  out.kind = named->kind;
  if (const Json* max = r.get("max_reply"))
    out.max_reply = read_byte_size(problems, *max, r.at("max_reply")).value_or(out.max_reply);
  if (out.kind == Framing::kDelimiter) {
    if (std::optional<std::string> delimiter = r.string("delimiter", Need::kRequired)) {
      if (delimiter->empty()) problems.at(r.at("delimiter"), "must not be empty");
      out.delimiter = *delimiter;
    }
    out.keep_delimiter = r.boolean("keep", Need::kOptional).value_or(false);
    out.request_end = r.string("request_end", Need::kOptional);
  }
  if (out.kind == Framing::kLengthPrefixed) parse_length_prefix(r, out);
}

void parse_framing(Problems& problems, const Json& value, const std::string& at, FramingSpec& out) {
  constexpr const char* kMust =
      R"(must be "line", "fixed", "resp", "memcached" or an object with "type": {"type": "delimiter", )"
      R"("delimiter": "END\r\n"}, {"type": "length_prefixed", "bytes": 4})";
  if (value.is_object()) {
    parse_framing_object(problems, value, at, out);
    return;
  }
  const FramingName* named = framing_named(value);
  if (named == nullptr) {
    problems.at(at, kMust);
  } else if (named->kind == Framing::kDelimiter || named->kind == Framing::kLengthPrefixed) {
    problems.at(at, fmt::format(R"(is written as an object: {{"type": "{}", ...}})", named->name));
  } else {
    out.kind = named->kind;
  }
}

// The largest payload a length header of this framing can announce.
std::optional<std::size_t> largest_framed_payload(const FramingSpec& framing) {
  if (framing.kind != Framing::kLengthPrefixed || framing.length_bytes == 8) return std::nullopt;
  const std::size_t largest = (std::size_t{1} << (8 * framing.length_bytes)) - 1;
  const auto header = static_cast<std::size_t>(framing.length_bytes);
  return framing.length_includes_header ? largest - header : largest;
}

// "send", "expect" and "framing". `need` is kOptional when the workload is
// not known for sure: then only what is given is checked.
void parse_echo(ObjectReader& r, Need need, const DeclaredTarget* target,
                const std::filesystem::path& folder, OpSpec& op) {
  if (target != nullptr && target->protocol == Protocol::kHttp) {
    parse_http_op(r, folder, op);
    op.http.path = target->base_path + op.http.path;
    return;
  }
  if (target != nullptr && target->protocol) refuse_http_keys(r, *target);
  Problems& problems = r.problems();
  bool udp = target != nullptr && target->protocol && is_udp(*target->protocol);
  std::optional<PayloadTemplate> compiled;
  if (std::optional<std::string> send = r.string("send", need)) {
    op.send = *send;
    compiled = read_template(problems, *send, r.at("send"));
    if (compiled && udp && compiled->max_size() > kMaxDatagram) {
      problems.at(r.at("send"),
                  fmt::format("renders up to {} bytes, more than a UDP datagram carries ({})",
                              compiled->max_size(), kMaxDatagram));
    }
  }
  if (const Json* expect = r.get("expect"))
    parse_expectation(problems, *expect, r.at("expect"), op.expect);
  if (const Json* framing = r.get("framing")) {
    parse_framing(problems, *framing, r.at("framing"), op.framing);
    if (udp) {
      problems.at(r.at("framing"),
                  fmt::format("only for TCP targets (\"{}\" is a UDP target)", target->name));
    }
  }
  if (op.expect.kind == Expectation::Kind::kResp && op.framing.kind != Framing::kResp) {
    problems.at(child(r.at("expect"), "resp"),
                R"(only with "framing": "resp" (a RESP type is read from a whole RESP reply))");
  }
  std::optional<std::size_t> largest = largest_framed_payload(op.framing);
  if (compiled && largest && compiled->max_size() > *largest) {
    problems.at(r.at("send"),
                fmt::format("renders up to {} bytes, more than a {}-byte length header counts ({})",
                            compiled->max_size(), op.framing.length_bytes, *largest));
  }
  if (std::optional<std::int64_t> per = r.positive_integer(
          "clients_per_connection", Need::kOptional, format::kMaxClientsPerConnection)) {
    op.clients_per_connection = static_cast<int>(*per);
    if (udp) {
      problems.at(r.at("clients_per_connection"),
                  fmt::format("only for TCP targets (\"{}\" is a UDP target)", target->name));
    }
  }
}

void parse_submit(ObjectReader& r, OpSpec& op) {
  op.n_max = r.positive_integer("n_max", Need::kOptional, format::kMaxN).value_or(op.n_max);
  if (std::optional<Duration> work = r.duration("work", Need::kOptional, Zero::kAllowed)) {
    if (*work > kMaxWork) {
      r.problems().at(r.at("work"), "must be at most 60s");
    } else {
      op.work = *work;
    }
  }
  op.inflight =
      static_cast<int>(r.positive_integer("inflight", Need::kOptional, format::kMaxOpInflight)
                           .value_or(op.inflight));
}

// What a single op has always been called in the figures.
std::string single_op_name(Workload workload, std::optional<Protocol> protocol) {
  if (workload != Workload::kEcho) return workload_name(workload);
  if (protocol == Protocol::kHttp) return "request";
  return protocol && is_udp(*protocol) ? "datagram" : "message";
}

// An op of a mix: its "name" (checked for repeats by the fleet) and "weight".
void parse_mix_member(ObjectReader& r, OpSpec& op) {
  if (std::optional<std::string> name = r.string("name", Need::kRequired)) {
    op.name = *name;
    if (!is_simple_name(*name, format::kNameExtras))
      r.problems().at(r.at("name"), "must be 1 to 64 letters, digits, \"_\" or \"-\"");
  }
  op.weight = r.positive_integer("weight", Need::kOptional, format::kMaxOpWeight).value_or(1);
}

}  // namespace

std::optional<PayloadTemplate> read_template(Problems& problems, const std::string& text,
                                             const std::string& at) {
  Expected<PayloadTemplate> compiled = PayloadTemplate::compile(text);
  if (!compiled) problems.at(at, compiled.error());
  return compiled ? std::optional(std::move(*compiled)) : std::nullopt;
}

// A number of bytes, or a number and a unit: 65536, "64KiB".
std::optional<std::size_t> read_byte_size(Problems& problems, const Json& value,
                                          const std::string& at) {
  constexpr std::pair<std::string_view, std::int64_t> kUnits[] = {
      {"", 1}, {"B", 1}, {"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}};
  std::optional<std::int64_t> size = integer_value(value);
  if (!size && value.is_string()) {
    std::string_view text = value.get_ref<const std::string&>();
    std::int64_t number = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    std::string_view unit = text.substr(static_cast<std::size_t>(end - text.data()));
    if (unit.starts_with(' ')) unit.remove_prefix(1);
    for (const auto& [name, factor] : kUnits) {
      if (ec == std::errc() && end != text.data() && unit == name)
        size = number > format::kMaxReplyLimit ? number : number * factor;
    }
  }
  if (size && *size >= 1 && *size <= format::kMaxReplyLimit) return static_cast<std::size_t>(*size);
  problems.at(at, R"(must be a size from 1 byte to 1GiB: a number, or a number and "B", )"
                  R"("KiB", "MiB" or "GiB" ("64KiB"))");
  return std::nullopt;
}

OpSpec parse_op(Problems& problems, const Json& value, const std::string& at,
                const DeclaredTarget* target, OpForm form, const std::filesystem::path& folder) {
  OpSpec op;
  std::optional<Protocol> protocol;
  if (target != nullptr) protocol = target->protocol;
  // The workloads this op may be: the one it names, else those its target's
  // protocol allows (all of them when the protocol is unknown). Which keys
  // are unknown depends on it, so it is read before the reader is made.
  const Json* workload = nullptr;
  if (auto it = value.find("workload"); value.is_object() && it != value.end()) workload = &*it;
  std::vector<const WorkloadRule*> candidates;
  if (const WorkloadRule* named = named_rule(workload)) {
    candidates.push_back(named);
  } else {
    for (const WorkloadRule& rule : workload_rules())
      if (!protocol || fits(rule, *protocol)) candidates.push_back(&rule);
  }
  std::vector<std::string> names;
  for (const WorkloadRule* rule : candidates) names.emplace_back(workload_name(rule->workload));
  const format::Object& table = form == OpForm::kInMix ? format::mix_op() : format::op();
  ObjectReader r(problems, value, at, table.known_keys(names));
  if (!r.ok()) return op;

  if (workload != nullptr) {
    r.choice("workload", Need::kOptional, format::op().variant_names());
    const WorkloadRule* named = named_rule(workload);
    if (named != nullptr && protocol && !fits(*named, *protocol)) {
      std::vector<std::string> wanted;
      for (Protocol p : named->protocols) wanted.emplace_back(protocol_name(p));
      std::string needs = wanted.front();
      for (std::size_t i = 1; i < wanted.size(); ++i)
        needs += (i + 1 == wanted.size() ? " or " : ", ") + wanted[i];
      problems.at(r.at("workload"), fmt::format("\"{}\" needs a {} target; \"{}\" speaks {}",
                                                workload_name(named->workload), needs, target->name,
                                                protocol_name(*protocol)));
    }
  } else if (protocol && candidates.size() > 1) {
    std::vector<std::string> choices;
    for (const WorkloadRule* rule : candidates) choices.emplace_back(workload_name(rule->workload));
    problems.at(r.at("workload"), fmt::format("required for a {} target: {}",
                                              protocol_name(*protocol), quoted_choices(choices)));
  }

  const WorkloadRule* rule = candidates.size() == 1 ? candidates.front() : nullptr;
  if (rule != nullptr) op.workload = rule->workload;
  auto allows = [&](Workload w) {
    return std::any_of(candidates.begin(), candidates.end(),
                       [w](const WorkloadRule* c) { return c->workload == w; });
  };
  if (allows(Workload::kEcho)) {
    parse_echo(r, rule != nullptr ? Need::kRequired : Need::kOptional, target, folder, op);
  }
  if (allows(Workload::kBuy)) op.search_first = r.boolean("search", Need::kOptional).value_or(true);
  if (allows(Workload::kSubmit)) parse_submit(r, op);
  op.timeout = r.duration("timeout", Need::kOptional, Zero::kRefused)
                   .value_or(rule != nullptr ? rule->timeout : 1s);
  if (form == OpForm::kInMix) {
    parse_mix_member(r, op);
  } else {
    op.name = single_op_name(op.workload, protocol);
  }
  return op;
}

}  // namespace drover::scenario_json
