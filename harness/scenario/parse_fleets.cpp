// "fleets"; each fleet's "op", or each op of its "ops", is read by
// parse_op.cpp.
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

// "ops": a mix of echo ops, each name once. Mixes are for echo only: the
// other workloads' drivers run fixed sequences of requests of their own.
std::vector<OpSpec> parse_mix(ObjectReader& r, const DeclaredTarget* target,
                              const std::filesystem::path& folder) {
  std::vector<OpSpec> ops;
  Problems& problems = r.problems();
  const Json* list = r.get("ops");
  if (!list->is_array() || list->empty()) {
    problems.at(r.at("ops"), "must be a non-empty array of ops, each with a \"name\"");
    return ops;
  }
  if (target != nullptr && target->protocol && !is_udp(*target->protocol) &&
      *target->protocol != Protocol::kTcp && *target->protocol != Protocol::kHttp) {
    problems.at(
        r.at("ops"),
        fmt::format("a mix of ops is for udp, tcp and http targets (the echo workload); \"{}\" "
                    "speaks {}: give one \"op\"",
                    target->name, protocol_name(*target->protocol)));
    return ops;
  }
  for (std::size_t i = 0; i < list->size(); ++i) {
    std::string at = child(r.at("ops"), i);
    OpSpec op = parse_op(problems, (*list)[i], at, target, OpForm::kInMix, folder);
    auto seen = std::find_if(ops.begin(), ops.end(), [&](const OpSpec& o) {
      return !op.name.empty() && o.name == op.name;
    });
    if (seen != ops.end()) {
      problems.at(
          child(at, "name"),
          fmt::format(
              "duplicate op name \"{}\" (also at {})", op.name,
              child(child(r.at("ops"), static_cast<std::size_t>(seen - ops.begin())), "name")));
    }
    if (op.clients_per_connection > 1) {
      problems.at(child(at, "clients_per_connection"),
                  "not in a mix: the clients of a mix each keep their own connection");
      op.clients_per_connection = 1;  // said once, here
    }
    if (!ops.empty() && (op.http.connections != ops.front().http.connections ||
                         op.http.pipeline != ops.front().http.pipeline)) {
      const char* key =
          op.http.connections != ops.front().http.connections ? "connections" : "pipeline";
      problems.at(child(at, key),
                  fmt::format("must be the same in every op of a mix (see {}): the fleet's "
                              "clients share one pool of connections",
                              child(child(r.at("ops"), 0), key)));
    }
    ops.push_back(std::move(op));
  }
  return ops;
}

// "op" or "ops", exactly one of them.
std::vector<OpSpec> parse_fleet_ops(ObjectReader& r, const DeclaredTarget* target,
                                    const std::filesystem::path& folder) {
  if (r.has("op") && r.has("ops")) {
    r.problems().at(r.pointer(), "give \"op\" or \"ops\", not both");
    return std::vector<OpSpec>(1);
  }
  if (!r.has("op") && !r.has("ops")) {
    r.problems().at(r.at("op"), "required (or \"ops\", a mix of ops)");
    return std::vector<OpSpec>(1);
  }
  if (r.has("op"))
    return {parse_op(r.problems(), *r.get("op"), r.at("op"), target, OpForm::kSingle, folder)};
  std::vector<OpSpec> ops = parse_mix(r, target, folder);
  if (ops.empty()) ops.resize(1);
  return ops;
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
    fleet.ops = parse_fleet_ops(r, target, ctx.folder);
    if (fleet.first_op().workload == Workload::kEcho) {
      for (const OpSpec& op : fleet.ops) ctx.fleet_ops.emplace_back(fleet.name, op.name);
    }
    parse_fleet_hosts(r, ctx, fleet);
    if (!fleet.hosts.empty() && target != nullptr && target->protocol == Protocol::kHttp) {
      problems.at(r.at("hosts"),
                  "http fleets run on this machine only: drover agents on hosts do not speak "
                  "http yet");
    }
    fleet.require_answer = r.boolean("require_answer", Need::kOptional).value_or(true);
    out.push_back(std::move(fleet));
  }
  return out;
}

}  // namespace drover::scenario_json
