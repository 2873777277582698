// "setup": commands run in order before any target starts. A step names a
// declared host to run there over SSH; without "host" it runs on this
// machine, in the scenario's folder, as a k6 setup() or a Jepsen control
// node's own step would.
#include <algorithm>

#include <fmt/format.h>

#include "harness/scenario/parse_sections.hpp"

namespace drover::scenario_json {
namespace {

using namespace std::chrono_literals;

void parse_argv(ObjectReader& r, SetupStepSpec& step) {
  const Json* run = r.get("run", Need::kRequired);
  if (run == nullptr) return;
  const std::string at = r.at("run");
  const bool strings = run->is_array() && std::all_of(run->begin(), run->end(),
                                                      [](const Json& e) { return e.is_string(); });
  if (!strings) {
    r.problems().at(at, "must be an array of strings (the program, then its arguments)");
    return;
  }
  if (run->empty()) {
    r.problems().at(at, "must not be empty (the program to run, then its arguments)");
    return;
  }
  for (std::size_t i = 0; i < run->size(); ++i) {
    const auto& element = (*run)[i].get_ref<const std::string&>();
    // An argument may be empty ("grep ''"), the program may not.
    if (i == 0 && element.empty()) r.problems().at(child(at, i), "must not be empty");
    refuse_nul(r.problems(), element, child(at, i));
    step.argv.push_back(element);
  }
}

void parse_step_host(ObjectReader& r, ParseContext& ctx, SetupStepSpec& step) {
  std::optional<std::string> host = r.string("host", Need::kOptional);
  if (!host) return;
  step.host = *host;
  if (!ctx.hosts_known || std::find(ctx.hosts.begin(), ctx.hosts.end(), *host) != ctx.hosts.end())
    return;
  std::string message = fmt::format("no host named \"{}\"", *host);
  if (ctx.hosts.empty()) {
    message += " (declare it under \"hosts\", or leave \"host\" out to run it on this machine)";
  } else if (std::optional<std::string> near = closest(*host, ctx.hosts)) {
    message += fmt::format(" (did you mean \"{}\"?)", *near);
  } else {
    message += fmt::format(" (hosts: {})", joined(ctx.hosts));
  }
  ctx.problems.at(r.at("host"), message);
}

}  // namespace

std::vector<SetupStepSpec> parse_setup(const Json& value, ParseContext& ctx) {
  std::vector<SetupStepSpec> out;
  if (!value.is_array()) {
    ctx.problems.at("/setup",
                    "must be an array of steps, e.g. [{\"host\": \"db1\", \"run\": [\"df\", "
                    "\"-h\"]}]");
    return out;
  }
  for (std::size_t i = 0; i < value.size(); ++i) {
    SetupStepSpec step;
    step.at_pointer = child("/setup", i);
    ObjectReader r(ctx.problems, value[i], step.at_pointer, format::setup_step().known_keys());
    if (!r.ok()) continue;
    parse_step_host(r, ctx, step);
    parse_argv(r, step);
    step.allow_failure = r.boolean("allow_failure", Need::kOptional).value_or(false);
    step.timeout = r.duration("timeout", Need::kOptional, Zero::kRefused).value_or(60s);
    if (step.host.empty()) step.cwd = ctx.folder.string();
    out.push_back(std::move(step));
  }
  return out;
}

}  // namespace drover::scenario_json
