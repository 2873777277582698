// "fleets"; each fleet's "op" is read by parse_op.cpp.
#include <algorithm>

#include <fmt/format.h>

#include "harness/scenario/parse_sections.hpp"

namespace drover::scenario_json {
namespace {

// "hosts": the declared hosts whose agents run the fleet's clients, each at
// most once, no more of them than clients.
void parse_fleet_hosts(ObjectReader& r, ParseContext& ctx, FleetSpec& fleet) {
  const Json* hosts = r.get("hosts");
  if (hosts == nullptr) return;
  Problems& problems = ctx.problems;
  if (!hosts->is_array() || hosts->empty()) {
    problems.at(r.at("hosts"), "must be a non-empty array of host names");
    return;
  }
  for (std::size_t i = 0; i < hosts->size(); ++i) {
    std::string at = child(r.at("hosts"), i);
    std::optional<std::string> name = read_string(problems, (*hosts)[i], at);
    if (!name) continue;
    if (std::find(fleet.hosts.begin(), fleet.hosts.end(), *name) != fleet.hosts.end()) {
      problems.at(at, fmt::format("host \"{}\" is listed twice", *name));
      continue;
    }
    if (Expected<void> known = ctx.check_host(*name); !known) problems.at(at, known.error());
    fleet.hosts.push_back(*name);
  }
  if (fleet.hosts.size() > static_cast<std::size_t>(fleet.clients)) {
    problems.at(r.at("hosts"), fmt::format("{} hosts for {} clients: each host needs a client",
                                           fleet.hosts.size(), fleet.clients));
  }
}

}  // namespace

std::vector<FleetSpec> parse_fleets(const Json& value, ParseContext& ctx) {
  std::vector<FleetSpec> out;
  Problems& problems = ctx.problems;
  if (!value.is_array()) {
    problems.at("/fleets", "must be an array");
    return out;
  }
  if (value.empty()) {
    problems.at("/fleets", "must list at least one fleet");
    return out;
  }
  ctx.fleets_known = true;
  std::vector<std::string> name_pointers;  // parallel to ctx.fleets
  for (std::size_t i = 0; i < value.size(); ++i) {
    ObjectReader r(problems, value[i], child("/fleets", i), format::fleet().known_keys());
    if (!r.ok()) continue;
    FleetSpec fleet;
    if (std::optional<std::string> name = r.string("name", Need::kRequired)) {
      fleet.name = *name;
      auto seen = std::find(ctx.fleets.begin(), ctx.fleets.end(), *name);
      if (!is_simple_name(*name, format::kNameExtras)) {
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
    fleet.clients = static_cast<int>(
        r.positive_integer("clients", Need::kRequired, format::kMaxClients).value_or(1));
    if (const Json* op = r.get("op", Need::kRequired)) {
      fleet.op = parse_op(problems, *op, r.at("op"), target);
    }
    parse_fleet_hosts(r, ctx, fleet);
    fleet.require_answer = r.boolean("require_answer", Need::kOptional).value_or(true);
    out.push_back(std::move(fleet));
  }
  return out;
}

}  // namespace drover::scenario_json
