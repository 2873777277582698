// "fleets", "load" and "checks".
#include <algorithm>
#include <limits>
#include <regex>

#include <fmt/format.h>

#include "harness/core/payload_template.hpp"
#include "harness/scenario/parse_sections.hpp"

namespace drover::scenario_json {
namespace {

using namespace std::chrono_literals;

constexpr std::int64_t kMaxClients = 100'000;
// The largest UDP payload over IPv4 (65535 - 8 UDP - 20 IP header bytes).
constexpr std::size_t kMaxDatagram = 65'507;

std::optional<PayloadTemplate> read_template(Problems& problems, const std::string& text,
                                             const std::string& at) {
  std::string error;
  std::optional<PayloadTemplate> compiled = PayloadTemplate::compile(text, &error);
  if (!compiled) problems.at(at, error);
  return compiled;
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
                "must be \"any\", \"echo\", \"upper\", {\"equals\": TEMPLATE} or "
                "{\"regex\": REGEX}");
    return;
  }
  ObjectReader r(problems, value, at, {"equals", "regex"});
  if (r.has("equals") == r.has("regex")) {
    // An unknown key ("equal") already says what is wrong.
    if (!r.had_unknown_keys()) problems.at(at, "give exactly one of \"equals\" and \"regex\"");
    return;
  }
  if (std::optional<std::string> text = r.string("equals", Need::kOptional)) {
    out.kind = Expectation::Kind::kEquals;
    out.text = *text;
    read_template(problems, *text, r.at("equals"));
  }
  if (std::optional<std::string> text = r.string("regex", Need::kOptional)) {
    out.kind = Expectation::Kind::kRegex;
    out.text = *text;
    try {
      std::regex compiled(*text, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      problems.at(r.at("regex"), fmt::format("is not a valid regex ({})", e.what()));
    }
  }
}

void parse_op(Problems& problems, const Json& value, const std::string& at,
              const DeclaredTarget* target, OpSpec& op) {
  ObjectReader r(problems, value, at, {"send", "expect", "framing", "timeout"});
  if (!r.ok()) return;
  bool udp = target != nullptr && target->protocol == Protocol::kUdp;
  if (std::optional<std::string> send = r.string("send", Need::kRequired)) {
    op.send = *send;
    std::optional<PayloadTemplate> compiled = read_template(problems, *send, r.at("send"));
    if (compiled && udp && compiled->max_size() > kMaxDatagram) {
      problems.at(r.at("send"),
                  fmt::format("renders up to {} bytes, more than a UDP datagram carries ({})",
                              compiled->max_size(), kMaxDatagram));
    }
  }
  if (const Json* expect = r.get("expect"))
    parse_expectation(problems, *expect, r.at("expect"), op.expect);
  if (std::optional<std::string> framing =
          r.choice("framing", Need::kOptional, {"line", "fixed"})) {
    op.framing = *framing == "line" ? Framing::kLine : Framing::kFixed;
    if (udp) {
      problems.at(r.at("framing"),
                  fmt::format("only for TCP targets (\"{}\" is a UDP target)", target->name));
    }
  }
  op.timeout = r.duration("timeout", Need::kOptional, Zero::kRefused).value_or(1s);
}

}  // namespace

void parse_fleets(const Json& value, ParseContext& ctx, std::vector<FleetSpec>& out) {
  Problems& problems = ctx.problems;
  if (!value.is_array()) {
    problems.at("/fleets", "must be an array");
    return;
  }
  if (value.empty()) {
    problems.at("/fleets", "must list at least one fleet");
    return;
  }
  ctx.fleets_known = true;
  std::vector<std::string> name_pointers;  // parallel to ctx.fleets
  for (std::size_t i = 0; i < value.size(); ++i) {
    ObjectReader r(problems, value[i], child("/fleets", i), {"name", "target", "clients", "op"});
    if (!r.ok()) continue;
    FleetSpec fleet;
    if (std::optional<std::string> name = r.string("name", Need::kRequired)) {
      fleet.name = *name;
      auto seen = std::find(ctx.fleets.begin(), ctx.fleets.end(), *name);
      if (!is_simple_name(*name, "_-")) {
        problems.at(r.at("name"), "must be 1 to 64 letters, digits, \"_\" or \"-\"");
      } else if (seen != ctx.fleets.end()) {
        problems.at(
            r.at("name"),
            fmt::format("duplicate fleet name \"{}\" (also at {})", *name,
                        name_pointers[static_cast<std::size_t>(seen - ctx.fleets.begin())]));
      }
      ctx.fleets.push_back(*name);
      name_pointers.push_back(r.at("name"));
    }
    const DeclaredTarget* target = nullptr;
    if (std::optional<std::string> name = r.string("target", Need::kRequired)) {
      fleet.target = *name;
      target = ctx.find_target(*name);
      if (target == nullptr && ctx.targets_known) {
        problems.at(r.at("target"), fmt::format("no target named \"{}\" (targets: {})", *name,
                                                joined(ctx.target_names())));
      }
    }
    fleet.clients =
        static_cast<int>(r.positive_integer("clients", Need::kRequired, kMaxClients).value_or(1));
    if (const Json* op = r.get("op", Need::kRequired)) {
      parse_op(problems, *op, r.at("op"), target, fleet.op);
    }
    out.push_back(std::move(fleet));
  }
}

void parse_load(const Json& value, ParseContext& ctx, LoadSpec& out) {
  ObjectReader r(ctx.problems, value, "/load", {"model", "duration", "think_time", "iterations"});
  if (!r.ok()) return;
  if (std::optional<std::string> model = r.string("model", Need::kOptional)) {
    if (*model != "closed") {
      ctx.problems.at(r.at("model"),
                      fmt::format("unknown load model \"{}\" (models: closed)", *model));
    }
  }
  out.model = LoadSpec::Model::kClosed;
  out.duration = r.duration("duration", Need::kOptional, Zero::kRefused).value_or(10s);
  out.think_time = r.duration("think_time", Need::kOptional, Zero::kAllowed).value_or(0ms);
  if (auto n = r.positive_integer("iterations", Need::kOptional,
                                  std::numeric_limits<std::int64_t>::max())) {
    out.iterations = static_cast<std::uint64_t>(*n);
  }
}

void parse_checks(const Json& value, ParseContext& ctx, std::vector<CheckSpec>& out) {
  Problems& problems = ctx.problems;
  if (!value.is_array()) {
    problems.at("/checks", "must be an array");
    return;
  }
  const std::vector<std::string> invariants{"no_zombies"};
  for (std::size_t i = 0; i < value.size(); ++i) {
    ObjectReader r(problems, value[i], child("/checks", i), {"invariant", "target"});
    if (!r.ok()) continue;
    CheckSpec check;
    if (std::optional<std::string> name = r.string("invariant", Need::kRequired)) {
      check.invariant = *name;
      if (std::find(invariants.begin(), invariants.end(), *name) == invariants.end()) {
        problems.at(r.at("invariant"),
                    fmt::format("unknown invariant \"{}\" (known: {})", *name, joined(invariants)));
      }
    }
    if (std::optional<std::string> name = r.string("target", Need::kRequired)) {
      check.target = *name;
      const DeclaredTarget* target = ctx.find_target(*name);
      if (target == nullptr && ctx.targets_known) {
        problems.at(r.at("target"), fmt::format("no target named \"{}\" (targets: {})", *name,
                                                joined(ctx.target_names())));
      } else if (target && target->source == TargetSpec::Source::kAddress) {
        // Zombies are children of the server process: drover can only look
        // at processes it started.
        problems.at(r.at("target"),
                    fmt::format("\"{}\" is an address target; {} needs a target drover starts "
                                "(\"kind\" or \"command\")",
                                *name, check.invariant.empty() ? "the check" : check.invariant));
      }
    }
    out.push_back(std::move(check));
  }
}

}  // namespace drover::scenario_json
