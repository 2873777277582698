// The sections of a scenario document, each read by its own file
// (parse_targets.cpp, parse_fleets.cpp with parse_op.cpp, parse_load.cpp,
// parse_thresholds.cpp, parse_checks.cpp) and the --set overrides
// (overrides.cpp). Private to harness/scenario.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "harness/core/expected.hpp"
#include "harness/scenario/json_reading.hpp"
#include "harness/scenario/reference_targets.hpp"
#include "harness/scenario/scenario.hpp"

namespace drover::scenario_json {

// Every name under "targets", the invalid ones too, so a fleet naming a
// target that has its own errors does not get a second, misleading one.
struct DeclaredTarget {
  std::string name;
  std::optional<Protocol> protocol;          // unset when the target's form is wrong
  std::optional<TargetSpec::Source> source;  // likewise
  // Reference targets: the kind, and each integer arg as written (nullopt
  // when its value is wrong), where checks find their parameters.
  const ReferenceTarget* reference = nullptr;
  std::vector<std::pair<std::string, std::optional<std::int64_t>>> int_args;
  std::string host;  // the declared host it runs on ("host"); empty: this machine
};

// What later sections need to know about earlier ones.
struct ParseContext {
  explicit ParseContext(Problems& p) : problems(p) {}

  Problems& problems;
  std::filesystem::path folder;  // the scenario file's folder, absolute
  // Cross-references are checked only when the section they point into was
  // readable, so a missing "targets" is one error, not one per fleet.
  bool targets_known = false;
  std::vector<DeclaredTarget> targets;
  bool fleets_known = false;
  std::vector<std::string> fleets;
  // "hosts", read before "targets"; every declared name, the invalid ones
  // too. hosts_known is false when "hosts" is there but not an object.
  bool hosts_known = true;
  std::vector<std::string> hosts;
  // "data", read before the fleets whose templates name its files: the
  // files that could be read, as placeholders find them, and every name
  // declared, so that a placeholder naming a file with its own errors gets
  // no second one. data_known is false when "data" is not an object.
  DataCatalog data;
  std::vector<std::string> data_names;
  bool data_known = true;

  const DeclaredTarget* find_target(std::string_view name) const {
    for (const auto& t : targets)
      if (t.name == name) return &t;
    return nullptr;
  }
  // Fails with "no host named \"x\"" and a hint (a near name, or the
  // declared ones) unless `name` is declared or the hosts are unknown.
  Expected<void> check_host(const std::string& name) const;
  std::vector<std::string> target_names() const {
    std::vector<std::string> names;
    for (const auto& t : targets) names.push_back(t.name);
    return names;
  }
};

// "hosts" (parse_hosts.cpp): SSH hosts targets can be placed on.
std::vector<RemoteHostSpec> parse_hosts(const Json& value, ParseContext& ctx);
// "setup": commands run before the targets start (hosts must be known).
std::vector<SetupStepSpec> parse_setup(const Json& value, ParseContext& ctx);
// "data": data files, each read and checked.
std::vector<DataFileSpec> parse_data(const Json& value, ParseContext& ctx);
// Each {data:...} placeholder of the fleets' templates names a file of
// "data" and a column it has; fleets on hosts use none.
void check_data_placeholders(const std::vector<FleetSpec>& fleets, const ParseContext& ctx);
std::vector<TargetSpec> parse_targets(const Json& value, ParseContext& ctx);
std::vector<FleetSpec> parse_fleets(const Json& value, ParseContext& ctx);
LoadSpec parse_load(const Json& value, ParseContext& ctx);
// at: where the thresholds are ("/thresholds", or "/load/slo" for the
// capacity model's service-level objective).
std::vector<ThresholdSpec> parse_thresholds(const Json& value, ParseContext& ctx,
                                            const std::string& at = "/thresholds");
// Every check the run makes: the reference targets' default checks, then the
// scenario's "checks" (nullptr when it has none), each (invariant, target)
// once.
std::vector<CheckSpec> parse_checks(const Json* value, ParseContext& ctx);

// "faults": what the nemesis does during the load (targets must be known).
std::vector<FaultSpec> parse_faults(const Json& value, ParseContext& ctx);

// A fleet's "op" at `at`, for `target` (nullptr: not a declared target).
OpSpec parse_op(Problems& problems, const Json& value, const std::string& at,
                const DeclaredTarget* target);

// Fails with why `text` is not "host:port". Hosts are literal so a scenario
// never depends on name resolution: IPv4, "localhost" or bracketed IPv6. The
// port "{port}" (drover picks a free one) only where placeholder_allowed.
Expected<void> check_host_port(std::string_view text, bool placeholder_allowed);

// Applies each "path=value" in order; a wrong one is reported under
// "--set <argument>" and leaves the document as it was.
void apply_overrides(Json& doc, const std::vector<std::string>& overrides, Problems& problems);

}  // namespace drover::scenario_json
