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
#include "harness/core/payload_template.hpp"
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
  std::string host;       // the declared host it runs on ("host"); empty: this machine
  std::string base_path;  // an http url's path, which goes before each op's path
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
  // Each echo fleet's ops, by name: (fleet, op), what thresholds'
  // "{op:NAME}" scopes may name.
  std::vector<std::pair<std::string, std::string>> fleet_ops;
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

// Where an op is written: a fleet's "op", or an element of its "ops" (a
// mix), which has a "name" and a "weight" too.
enum class OpForm { kSingle, kInMix };

// A fleet's "op", or an op of its "ops", at `at`, for `target` (nullptr:
// not a declared target). A single op is named after what its driver calls
// it ("datagram", "message", or the workload).
// folder: the scenario's, where "body_file" is found.
OpSpec parse_op(Problems& problems, const Json& value, const std::string& at,
                const DeclaredTarget* target, OpForm form, const std::filesystem::path& folder);

// The keys of an echo op against an http target (parse_http_op.cpp):
// the request and its expectation, into op.http.
void parse_http_op(ObjectReader& r, const std::filesystem::path& folder, OpSpec& op);
// The same keys given for a target of another protocol: each a problem.
void refuse_http_keys(ObjectReader& r, const DeclaredTarget& target);

// A payload template at `at`, or nullopt (reported) when it does not compile.
std::optional<PayloadTemplate> read_template(Problems& problems, const std::string& text,
                                             const std::string& at);
// A number of bytes, or a number and a unit: 65536, "64KiB".
std::optional<std::size_t> read_byte_size(Problems& problems, const Json& value,
                                          const std::string& at);

// Fails with why `text` is not "host:port". Hosts are literal so a scenario
// never depends on name resolution: IPv4, "localhost" or bracketed IPv6. The
// port "{port}" (drover picks a free one) only where placeholder_allowed.
Expected<void> check_host_port(std::string_view text, bool placeholder_allowed);

// An "http://" or "https://" url of a target: the host as written, its
// "host:port" (port 80 or 443 when not given; the host checked as
// check_host_port checks it) and its path without a trailing "/".
struct ParsedUrl {
  std::string scheme;
  std::string host;
  std::string address;
  std::string path;
};
Expected<ParsedUrl> parse_http_url(std::string_view text);

// Applies each "path=value" in order; a wrong one is reported under
// "--set <argument>" and leaves the document as it was.
void apply_overrides(Json& doc, const std::vector<std::string>& overrides, Problems& problems);

}  // namespace drover::scenario_json
