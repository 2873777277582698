// "faults": what the nemesis does to targets during the load.
#include <algorithm>

#include <fmt/format.h>

#include "harness/scenario/parse_sections.hpp"

namespace drover::scenario_json {
namespace {

// What the parser knows of an action beyond its keys (format::fault()).
struct ActionRule {
  const char* name;
  FaultSpec::Action action;
  bool needs_process;  // drover must have started the target
};

const std::vector<ActionRule>& action_rules() {
  static const std::vector<ActionRule> kRules{
      {"kill", FaultSpec::Action::kKill, true},
      {"terminate", FaultSpec::Action::kTerminate, true},
      {"pause", FaultSpec::Action::kPause, true},
      {"resume", FaultSpec::Action::kResume, true},
      {"kill_worker", FaultSpec::Action::kKillWorker, true},
      {"network", FaultSpec::Action::kNetwork, false},
      {"partition", FaultSpec::Action::kPartition, true},
  };
  return kRules;
}

void parse_network(ObjectReader& r, FaultSpec& f) {
  Problems& problems = r.problems();
  std::optional<std::string> mode =
      r.choice("mode", Need::kRequired, {"drop", "latency", "bandwidth", "reset", "blackhole"});
  if (!mode) return;
  NetworkFaultSpec& n = f.network;
  // A key that belongs to another mode is a mistake worth naming.
  auto refuse = [&](const char* key, const char* its_mode) {
    if (r.has(key)) problems.at(r.at(key), fmt::format("only for mode \"{}\"", its_mode));
  };
  if (*mode == "drop") {
    n.mode = NetworkFaultSpec::Mode::kDrop;
    const Json* rate = r.get("rate", Need::kRequired);
    if (rate) {
      if (!rate->is_number() || rate->get<double>() <= 0 || rate->get<double>() > 1) {
        problems.at(r.at("rate"), "must be a number above 0 and at most 1 (0.05: 5 %)");
      } else {
        n.rate = rate->get<double>();
      }
    }
  } else {
    refuse("rate", "drop");
  }
  if (*mode == "latency") {
    n.mode = NetworkFaultSpec::Mode::kLatency;
    n.latency = r.duration("latency", Need::kRequired, Zero::kRefused).value_or(Duration{});
    n.jitter = r.duration("jitter", Need::kOptional, Zero::kAllowed).value_or(Duration{});
    if (n.jitter > n.latency) problems.at(r.at("jitter"), "must not be above latency");
  } else {
    refuse("latency", "latency");
    refuse("jitter", "latency");
  }
  if (*mode == "bandwidth") {
    n.mode = NetworkFaultSpec::Mode::kBandwidth;
    n.bytes_per_s = static_cast<std::uint64_t>(
        r.positive_integer("bandwidth", Need::kRequired, format::kMaxBandwidth).value_or(0));
  } else {
    refuse("bandwidth", "bandwidth");
  }
  if (*mode == "reset") n.mode = NetworkFaultSpec::Mode::kReset;
  if (*mode == "blackhole") n.mode = NetworkFaultSpec::Mode::kBlackhole;
}

// "from": the declared hosts (or targets on them) the partition cuts the
// target's host off from.
void parse_partition_from(ObjectReader& r, const ParseContext& ctx, FaultSpec& f) {
  Problems& problems = r.problems();
  const Json* from = r.get("from");
  if (!from) return;
  if (!from->is_array() || from->empty()) {
    problems.at(r.at("from"), "must be a non-empty array of host or target names");
    return;
  }
  const DeclaredTarget* target = ctx.find_target(f.target);
  const std::string own_host = target ? target->host : std::string();
  for (std::size_t i = 0; i < from->size(); ++i) {
    const std::string at = child(r.at("from"), i);
    const Json& name = (*from)[i];
    if (!name.is_string()) {
      problems.at(at, "must be a host or target name");
      continue;
    }
    std::string host = name.get<std::string>();
    if (const DeclaredTarget* other = ctx.targets_known ? ctx.find_target(host) : nullptr) {
      if (other->host.empty()) {
        problems.at(at, fmt::format("target \"{}\" runs on no declared host: a partition only "
                                    "cuts namespace hosts off from each other",
                                    host));
        continue;
      }
      host = other->host;
    } else if (ctx.hosts_known &&
               std::find(ctx.hosts.begin(), ctx.hosts.end(), host) == ctx.hosts.end()) {
      std::vector<std::string> names = ctx.hosts;
      for (const std::string& t : ctx.target_names()) names.push_back(t);
      std::optional<std::string> near = closest(host, names);
      problems.at(at, fmt::format("no host or target named \"{}\"{}", host,
                                  near ? fmt::format(" (did you mean \"{}\"?)", *near) : ""));
      continue;
    }
    if (!own_host.empty() && host == own_host) {
      problems.at(at, fmt::format("\"{}\" is on host \"{}\", the one being cut off",
                                  name.get<std::string>(), host));
      continue;
    }
    if (std::find(f.partition_from.begin(), f.partition_from.end(), host) !=
        f.partition_from.end()) {
      problems.at(at, fmt::format("host \"{}\" is named twice", host));
      continue;
    }
    f.partition_from.push_back(host);
  }
}

void parse_fault(const Json& value, const std::string& at, ParseContext& ctx,
                 std::vector<FaultSpec>& out) {
  Problems& problems = ctx.problems;
  // The keys allowed depend on the action: read it first.
  const ActionRule* rule = nullptr;
  if (value.is_object() && value.contains("action") && value["action"].is_string()) {
    for (const ActionRule& candidate : action_rules())
      if (value["action"].get<std::string>() == candidate.name) rule = &candidate;
  }
  const format::Object& table = format::fault();
  ObjectReader r(problems, value, at, rule ? table.known_keys({rule->name}) : table.known_keys());
  if (!r.ok()) return;
  FaultSpec f;
  f.at_pointer = at;
  r.choice("action", Need::kRequired, table.variant_names());
  if (rule) f.action = rule->action;

  if (std::optional<std::string> target = r.string("target", Need::kRequired)) {
    f.target = *target;
    if (ctx.targets_known) {
      const DeclaredTarget* declared = ctx.find_target(*target);
      if (!declared) {
        std::optional<std::string> near = closest(*target, ctx.target_names());
        problems.at(r.at("target"),
                    fmt::format("no target named \"{}\"{}", *target,
                                near ? fmt::format(" (did you mean \"{}\"?)", *near) : ""));
      } else if (rule && rule->needs_process && declared->source &&
                 *declared->source == TargetSpec::Source::kAddress) {
        problems.at(r.at("target"),
                    fmt::format("\"{}\" needs a target drover starts; \"{}\" is only an address",
                                rule->name, *target));
      } else if (rule && rule->action == FaultSpec::Action::kPartition && declared->source &&
                 declared->host.empty()) {
        problems.at(r.at("target"),
                    fmt::format("\"partition\" cuts off the network namespace of a declared "
                                "host: \"{}\" needs \"host\" (it runs on this machine)",
                                *target));
      }
    }
  }

  std::optional<Duration> first = r.duration("at", Need::kOptional, Zero::kAllowed);
  std::optional<Duration> every = r.duration("every", Need::kOptional, Zero::kRefused);
  if (!r.has("at") && !r.has("every")) {
    problems.at(at, "needs \"at\" (once, that long into the load) or \"every\" (repeatedly)");
  }
  f.every = every.value_or(Duration{});
  f.at = first.value_or(f.every);
  if (rule &&
      (rule->action == FaultSpec::Action::kPause || rule->action == FaultSpec::Action::kNetwork ||
       rule->action == FaultSpec::Action::kPartition)) {
    f.length = r.duration("for", Need::kOptional, Zero::kRefused).value_or(Duration{});
    if (every && r.has("for") && f.length >= *every) {
      problems.at(r.at("for"), "must be shorter than \"every\", or the faults would overlap");
    }
  }
  if (rule && rule->action == FaultSpec::Action::kPartition) {
    // Without an end, a repeated partition would still hold when it is due again.
    if (every && !r.has("for")) {
      problems.at(at, "a partition with \"every\" needs \"for\" (how long each one lasts)");
    }
    parse_partition_from(r, ctx, f);
  }
  f.restart_after = r.duration("restart_after", Need::kOptional, Zero::kAllowed);
  if (rule && rule->action == FaultSpec::Action::kNetwork) parse_network(r, f);
  out.push_back(std::move(f));
}

}  // namespace

std::vector<FaultSpec> parse_faults(const Json& value, ParseContext& ctx) {
  std::vector<FaultSpec> out;
  if (!value.is_array()) {
    ctx.problems.at("/faults", "must be an array of faults");
    return out;
  }
  for (std::size_t i = 0; i < value.size(); ++i) {
    parse_fault(value[i], child("/faults", i), ctx, out);
  }
  return out;
}

}  // namespace drover::scenario_json

namespace drover {

const char* fault_action_name(FaultSpec::Action action) {
  switch (action) {
    case FaultSpec::Action::kKill:
      return "kill";
    case FaultSpec::Action::kTerminate:
      return "terminate";
    case FaultSpec::Action::kPause:
      return "pause";
    case FaultSpec::Action::kResume:
      return "resume";
    case FaultSpec::Action::kKillWorker:
      return "kill_worker";
    case FaultSpec::Action::kNetwork:
      return "network";
    case FaultSpec::Action::kPartition:
      return "partition";
  }
  return "?";
}

}  // namespace drover
