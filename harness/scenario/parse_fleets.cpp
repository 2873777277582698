// "fleets"; each fleet's "op" is read by parse_op.cpp.
#include <algorithm>

#include <fmt/format.h>

#include "harness/scenario/parse_sections.hpp"

namespace drover::scenario_json {
namespace {

constexpr std::int64_t kMaxClients = 100'000;

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

}  // namespace drover::scenario_json
