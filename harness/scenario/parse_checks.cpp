// "checks", resolved with the reference targets' default checks into the one
// list of invariants the run checks.
#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "harness/scenario/parse_sections.hpp"

namespace drover::scenario_json {
namespace {

// What the parser knows of an invariant beyond its keys (format::check()).
struct InvariantRule {
  Invariant invariant;
  std::optional<Protocol> protocol;  // what the target must speak; unset: any
  bool needs_process;                // drover must have started the target
  // The check's key for its parameter: its variant's one key; empty: none.
  std::string parameter() const {
    const format::Variant* v = format::check().variant(invariant_name(invariant));
    return v == nullptr || v->keys.empty() ? std::string() : v->keys.front().name;
  }
};

const std::vector<InvariantRule>& invariant_rules() {
  static const std::vector<InvariantRule> kRules{
      // Zombies are children of the server process: drover can only look at
      // processes it started.
      {Invariant::kNoZombies, std::nullopt, true},
      {Invariant::kNoOversell, Protocol::kTickets, false},
      {Invariant::kExactlyOnce, Protocol::kQueue, false},
      {Invariant::kPoolComplete, Protocol::kPool, false},
  };
  return kRules;
}

const InvariantRule* find_rule(const Json* value) {
  if (value == nullptr || !value->is_string()) return nullptr;
  std::optional<Invariant> named = invariant_from_name(value->get_ref<const std::string&>());
  for (const InvariantRule& rule : invariant_rules())
    if (named == rule.invariant) return &rule;
  return nullptr;
}

// A reference target's parameter for `check`, and where it came from: its
// args, or the kind's default. nullopt when the arg's value is wrong
// (already reported).
struct TargetParameter {
  std::optional<std::int64_t> value;
  bool from_args = false;
};

TargetParameter reference_parameter(const DeclaredTarget& target, const DefaultCheck& check) {
  if (check.parameter_arg.empty()) return {0, false};
  for (const auto& [name, value] : target.int_args)
    if (name == check.parameter_arg) return {value, true};
  return {default_parameter(*target.reference, check), false};
}

const DefaultCheck* default_check(const DeclaredTarget& target, Invariant invariant) {
  if (target.reference == nullptr) return nullptr;
  for (const DefaultCheck& check : target.reference->default_checks)
    if (check.invariant == invariant) return &check;
  return nullptr;
}

// Whether `rule` may be checked on `target`; reported under the target's key
// when not.
bool fits_target(ObjectReader& r, const InvariantRule& rule, const DeclaredTarget& target) {
  if (rule.needs_process && target.source == TargetSpec::Source::kAddress) {
    r.problems().at(r.at("target"),
                    fmt::format("\"{}\" is an address target; {} needs a target drover starts "
                                "(\"kind\" or \"command\")",
                                target.name, invariant_name(rule.invariant)));
    return false;
  }
  if (rule.protocol && target.protocol && *rule.protocol != *target.protocol) {
    r.problems().at(
        r.at("target"),
        fmt::format("{} needs a {} target; \"{}\" speaks {}", invariant_name(rule.invariant),
                    protocol_name(*rule.protocol), target.name, protocol_name(*target.protocol)));
    return false;
  }
  return target.protocol.has_value() && target.source.has_value();
}

// The check's parameter: from the reference target, which an explicit value
// must agree with, or given explicitly for any other target.
std::optional<std::int64_t> read_parameter(ObjectReader& r, const InvariantRule& rule,
                                           const DeclaredTarget& target) {
  const std::string key = rule.parameter();
  std::optional<std::int64_t> given =
      r.positive_integer(key, Need::kOptional, std::numeric_limits<std::int64_t>::max());
  if (const DefaultCheck* own = default_check(target, rule.invariant)) {
    TargetParameter known = reference_parameter(target, *own);
    if (given && known.value && *given != *known.value) {
      r.problems().at(
          r.at(key),
          known.from_args
              ? fmt::format("{} disagrees with the {} of \"{}\" ({}, from its args); "
                            "leave it out to use the target's own",
                            *given, key, target.name, *known.value)
              : fmt::format("{} disagrees with the {} of \"{}\" ({}, the default of "
                            "{}); set \"{}\" in its args instead",
                            *given, key, target.name, *known.value, target.reference->kind, key));
      return std::nullopt;
    }
    return known.value ? known.value : given;
  }
  if (!given && !r.has(key)) {
    std::string message =
        target.reference != nullptr
            ? fmt::format("required ({} has no {} of its own)", target.reference->kind, key)
            : fmt::format(
                  "required for a target drover did not build (\"{}\" is {} target)", target.name,
                  target.source == TargetSpec::Source::kAddress ? "an address" : "a command");
    r.problems().at(r.at(key), message);
  }
  return given;
}

}  // namespace

std::vector<CheckSpec> parse_checks(const Json* value, ParseContext& ctx) {
  std::vector<CheckSpec> out;
  Problems& problems = ctx.problems;
  // Where each check in `out` was written; empty for a default check.
  std::vector<std::string> written;
  for (const DeclaredTarget& target : ctx.targets) {
    if (target.reference == nullptr) continue;
    for (const DefaultCheck& check : target.reference->default_checks) {
      out.push_back({check.invariant, target.name,
                     reference_parameter(target, check)
                         .value.value_or(default_parameter(*target.reference, check))});
      written.emplace_back();
    }
  }
  if (value == nullptr) return out;
  if (!value->is_array()) {
    problems.at("/checks", "must be an array");
    return out;
  }
  std::vector<std::string> invariants = format::check().variant_names();
  for (std::size_t i = 0; i < value->size(); ++i) {
    const Json& element = (*value)[i];
    // The parameter key allowed depends on the invariant: every one of them
    // while the invariant is unknown.
    const InvariantRule* rule = nullptr;
    if (auto it = element.find("invariant"); element.is_object() && it != element.end())
      rule = find_rule(&*it);
    format::KnownKeys known =
        rule == nullptr
            ? format::check().known_keys()
            : format::check().known_keys({std::string(invariant_name(rule->invariant))});
    ObjectReader r(problems, element, child("/checks", i), known);
    if (!r.ok()) continue;
    std::optional<std::string> invariant = r.string("invariant", Need::kRequired);
    if (invariant && rule == nullptr) {
      problems.at(r.at("invariant"), fmt::format("unknown invariant \"{}\" (known: {})", *invariant,
                                                 joined(invariants)));
    }
    std::optional<std::string> name = r.string("target", Need::kRequired);
    const DeclaredTarget* target = name ? ctx.find_target(*name) : nullptr;
    if (name && target == nullptr && ctx.targets_known) {
      problems.at(r.at("target"), fmt::format("no target named \"{}\" (targets: {})", *name,
                                              joined(ctx.target_names())));
    }
    if (rule == nullptr || target == nullptr || !fits_target(r, *rule, *target)) continue;

    CheckSpec check{rule->invariant, target->name, 0};
    const std::string parameter = rule->parameter();
    if (!parameter.empty()) {
      std::optional<std::int64_t> taken = read_parameter(r, *rule, *target);
      if (!taken) continue;
      check.parameter = *taken;
    }
    auto same = std::find_if(out.begin(), out.end(), [&](const CheckSpec& c) {
      return c.invariant == check.invariant && c.target == check.target;
    });
    if (same == out.end()) {
      out.push_back(check);
      written.push_back(r.pointer());
      continue;
    }
    const std::string& first = written[static_cast<std::size_t>(same - out.begin())];
    if (same->parameter != check.parameter && !first.empty()) {
      problems.at(r.at(parameter), fmt::format("repeats the check at {} with another {} ({} there)",
                                               first, parameter, same->parameter));
    }
  }
  return out;
}

}  // namespace drover::scenario_json
