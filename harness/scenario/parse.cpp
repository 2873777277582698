// Scenario text to Scenario: JSON syntax (with duplicate keys caught), the
// --set overrides, then each section (parse_targets.cpp, parse_fleets.cpp,
// parse_thresholds.cpp, parse_checks.cpp), every problem collected and
// reported in file order.
#include "harness/scenario/parse.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

#include "harness/core/run_result.hpp"
#include "harness/scenario/parse_sections.hpp"

namespace drover {
namespace {

using scenario_json::Json;
using scenario_json::ObjectReader;
using scenario_json::ParseContext;
using scenario_json::Problems;

// nlohmann's message without its prefix and without the "last read" echo of
// the input, which can be long and span lines.
std::string short_reason(const std::string& what) {
  std::string reason = what;
  if (auto column = reason.find(", column "); column != std::string::npos) {
    if (auto colon = reason.find(": ", column); colon != std::string::npos) {
      reason = reason.substr(colon + 2);
    }
  }
  if (reason.rfind("syntax error while parsing ", 0) == 0) {
    if (auto dash = reason.find(" - "); dash != std::string::npos) reason = reason.substr(dash + 3);
  }
  if (auto echo = reason.find("; last read: '"); echo != std::string::npos) {
    auto expected = reason.rfind("'; expected ");
    reason = reason.substr(0, echo) +
             (expected != std::string::npos && expected > echo ? reason.substr(expected + 1) : "");
  }
  return reason;
}

// Follows the parse as a callback, knowing the JSON pointer of the value
// being read. nlohmann keeps the last of two equal keys without a word; a
// scenario that says "clients" twice has a mistake in it, so repeats are
// reported. The pointer also names the value a number overflow stopped at.
class PathTracker {
 public:
  explicit PathTracker(Problems& problems) : problems_(problems) {}

  bool operator()(int /*depth*/, nlohmann::json::parse_event_t event, Json& parsed) {
    using Event = nlohmann::json::parse_event_t;
    switch (event) {
      case Event::object_start:
      case Event::array_start:
        frames_.push_back({event == Event::array_start, 0, {}, {}});
        break;
      case Event::key: {
        Frame& top = frames_.back();
        top.key = parsed.get<std::string>();
        if (std::find(top.keys.begin(), top.keys.end(), top.key) != top.keys.end()) {
          problems_.at(path(), "duplicate key (each key may appear once)");
        } else {
          top.keys.push_back(top.key);
        }
        break;
      }
      case Event::object_end:
      case Event::array_end:
        frames_.pop_back();
        next_element();
        break;
      case Event::value:
        next_element();
        break;
    }
    return true;
  }

  // Where the parse is: the value being read.
  std::string path() const {
    std::string at;
    for (const Frame& f : frames_) {
      at = f.array ? scenario_json::child(at, f.index) : scenario_json::child(at, f.key);
    }
    return at;
  }

 private:
  struct Frame {
    bool array;
    std::size_t index;
    std::string key;
    std::vector<std::string> keys;
  };

  void next_element() {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().index;
  }

  Problems& problems_;
  std::vector<Frame> frames_;
};

// The capacity search ends at its first step that misses the objective:
// aborting on a threshold would cut it short of its answer.
void check_abort_on_fail(const Scenario& s, scenario_json::Problems& problems) {
  if (s.load.model != LoadSpec::Model::kCapacity) return;
  for (const ThresholdSpec& t : s.thresholds) {
    if (!t.abort_on_fail) continue;
    std::string key = threshold_key(t.metric, t.fleet, t.op);
    problems.at(scenario_json::child(scenario_json::child("/thresholds", key), "abort_on_fail"),
                "not with the capacity model: its \"slo\" already ends the search");
  }
}

// Agents on hosts run a fleet's share of a load that drover starts and
// stops as one; the capacity search restarts the load step after step.
void check_fleet_hosts(const Scenario& s, scenario_json::Problems& problems) {
  if (s.load.model != LoadSpec::Model::kCapacity) return;
  for (std::size_t i = 0; i < s.fleets.size(); ++i) {
    if (s.fleets[i].hosts.empty()) continue;
    problems.at(scenario_json::child(scenario_json::child("/fleets", i), "hosts"),
                "not with the capacity model: fleets on hosts run one load, not a search");
  }
}

// Clients share a TCP connection only where the batched client serves them
// (harness/drivers/tcp_arrivals.hpp, in every load model): anywhere else
// the setting would be silently ignored, so it is an error.
void check_shared_connections(const Scenario& s, scenario_json::Problems& problems) {
  for (std::size_t i = 0; i < s.fleets.size(); ++i) {
    const OpSpec& op = s.fleets[i].first_op();  // a mix refuses sharing
    const TargetSpec* target = s.find_target(s.fleets[i].target);
    if (op.clients_per_connection <= 1 || target == nullptr || is_udp(target->protocol)) {
      continue;  // UDP targets are refused where the op is read
    }
    const std::string at = scenario_json::child(
        scenario_json::child(scenario_json::child("/fleets", i), "op"), "clients_per_connection");
    if (op.expect.kind == Expectation::Kind::kAny || op.expect.kind == Expectation::Kind::kRegex ||
        op.expect.kind == Expectation::Kind::kResp) {
      problems.at(at,
                  "only with \"expect\" echo, upper or equals: replies on a shared connection "
                  "are matched to their requests");
    }
  }
}

// An http fleet's shared connections are each used by a client at least:
// more would be opened and never used, which a user would not expect.
void check_http_connections(const Scenario& s, scenario_json::Problems& problems) {
  using scenario_json::child;
  for (std::size_t i = 0; i < s.fleets.size(); ++i) {
    const FleetSpec& fleet = s.fleets[i];
    const int connections = fleet.first_op().http.connections;  // a mix's ops agree
    if (connections <= fleet.clients) continue;
    const std::string op = fleet.is_mix() ? child(child(child("/fleets", i), "ops"), 0)
                                          : child(child("/fleets", i), "op");
    problems.at(child(op, "connections"),
                fmt::format("{} connections for {} clients: each connection needs a client to "
                            "use it (lower connections or raise /fleets/{}/clients)",
                            connections, fleet.clients, i));
  }
}

// A closed-model stage runs at most each fleet's clients: a stage asking for
// more would be silently capped, so it is an error naming both.
void check_stage_clients(const Scenario& s, scenario_json::Problems& problems) {
  if (s.load.model != LoadSpec::Model::kClosed || s.load.stages.empty()) return;
  for (std::size_t k = 0; k < s.load.stages.size(); ++k) {
    for (std::size_t f = 0; f < s.fleets.size(); ++f) {
      if (s.load.stages[k].target > s.fleets[f].clients) {
        problems.at(fmt::format("/load/stages/{}/clients", k),
                    fmt::format("fleet \"{}\" has only {} clients (raise /fleets/{}/clients)",
                                s.fleets[f].name, s.fleets[f].clients, f));
        break;
      }
    }
  }
}

std::optional<Json> read_json(std::string_view text, const std::string& file, Problems& problems) {
  PathTracker tracker(problems);
  try {
    return Json::parse(text, [&tracker](int depth, nlohmann::json::parse_event_t event,
                                        Json& parsed) { return tracker(depth, event, parsed); });
  } catch (const nlohmann::json::out_of_range& e) {
    // Valid JSON, but a number beyond a double ("1e400"): nlohmann's message
    // is "... number overflow parsing '1e400'".
    std::string what = e.what();
    std::size_t quote = what.find('\'');
    std::string number = quote == std::string::npos ? what : what.substr(quote);
    std::string at = tracker.path();
    std::string message = fmt::format("the number {} is too large", number);
    if (at.empty()) {
      problems.general(file, message);
    } else {
      problems.at(at, message);
    }
  } catch (const nlohmann::json::parse_error& e) {
    // The offending byte is e.byte - 1 (one past the end at end of input);
    // counted here because nlohmann reports a newline as column 0 of the
    // next line.
    std::size_t offset = std::min<std::size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
    std::string_view before = text.substr(0, offset);
    std::size_t line = 1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
    std::size_t line_start = before.rfind('\n');
    std::size_t column = offset - (line_start == std::string_view::npos ? 0 : line_start + 1) + 1;
    problems.general(file, fmt::format("invalid JSON at line {}, column {}: {}", line, column,
                                       short_reason(e.what())));
  }
  return std::nullopt;
}

void parse_document(const Json& doc, ParseContext& ctx, Scenario& s) {
  Problems& problems = ctx.problems;
  ObjectReader r(problems, doc, "", format::scenario().object->known_keys());
  if (std::optional<std::string> name = r.string("name", scenario_json::Need::kRequired)) {
    s.name = *name;
    if (!scenario_json::is_simple_name(*name, format::kScenarioNameExtras)) {
      problems.at(r.at("name"),
                  "must be 1 to 64 letters, digits, \".\", \"_\" or \"-\", not dots alone (it "
                  "names the run folder)");
    }
  }
  s.description = r.string("description", scenario_json::Need::kOptional).value_or("");
  if (std::optional<std::string> expect =
          r.choice("expect", scenario_json::Need::kOptional,
                   std::vector<std::string>(kExpectNames.begin(), kExpectNames.end()))) {
    s.expect = expect_from_name(*expect).value_or(Expect::kPass);
  }
  // Hosts before targets, targets before fleets, fleets before thresholds
  // and checks: each refers back to the ones before, whatever order the
  // file lists them in.
  if (const Json* hosts = r.get("hosts")) s.hosts = scenario_json::parse_hosts(*hosts, ctx);
  if (const Json* setup = r.get("setup")) s.setup = scenario_json::parse_setup(*setup, ctx);
  if (const Json* data = r.get("data")) s.data = scenario_json::parse_data(*data, ctx);
  if (const Json* targets = r.get("targets", scenario_json::Need::kRequired)) {
    s.targets = scenario_json::parse_targets(*targets, ctx);
  }
  if (const Json* fleets = r.get("fleets", scenario_json::Need::kRequired)) {
    s.fleets = scenario_json::parse_fleets(*fleets, ctx);
    scenario_json::check_data_placeholders(s.fleets, ctx);
  }
  if (const Json* load = r.get("load", scenario_json::Need::kRequired)) {
    s.load = scenario_json::parse_load(*load, ctx);
    check_stage_clients(s, problems);
    check_shared_connections(s, problems);
  }
  check_fleet_hosts(s, problems);
  check_http_connections(s, problems);
  if (const Json* thresholds = r.get("thresholds")) {
    s.thresholds = scenario_json::parse_thresholds(*thresholds, ctx);
    check_abort_on_fail(s, problems);
  }
  s.checks = scenario_json::parse_checks(r.get("checks"), ctx);
  if (const Json* faults = r.get("faults")) {
    s.faults = scenario_json::parse_faults(*faults, ctx);
    // A capacity step must measure a healthy target: a fault in one would
    // end the search at the wrong rate.
    if (s.load.model == LoadSpec::Model::kCapacity && !s.faults.empty())
      problems.at("/faults", "not with the capacity model: each step measures a healthy target");
  }
}

}  // namespace

ParsedScenario parse_scenario(std::string_view text, const std::string& file_path,
                              const std::vector<std::string>& overrides) {
  Problems problems;
  std::optional<Json> doc = read_json(text, file_path, problems);
  if (!doc) return Unexpected<InputErrors>{problems.sorted(Json())};
  scenario_json::apply_overrides(*doc, overrides, problems);

  Scenario s;
  ParseContext ctx(problems);
  // A scenario given as text alone (no file) resolves "cwd" against the
  // current folder, as a file there would.
  std::filesystem::path given = file_path.empty() ? "scenario.json" : file_path;
  std::error_code no_current_folder;  // it was deleted: keep the path as given
  std::filesystem::path file = std::filesystem::absolute(given, no_current_folder);
  file = (no_current_folder ? given : file).lexically_normal();
  s.file = file_path.empty() ? "" : file.string();
  ctx.folder = file.parent_path();
  if (doc->is_object()) {
    parse_document(*doc, ctx, s);
  } else {
    problems.general(file_path, "a scenario must be a JSON object");
  }
  InputErrors errors = problems.sorted(*doc);
  if (!errors.empty()) return Unexpected<InputErrors>{std::move(errors)};
  return s;
}

ParsedScenario load_scenario(const std::string& file_path,
                             const std::vector<std::string>& overrides) {
  auto failed = [&](int error) {
    return Unexpected<InputErrors>{{{file_path, std::strerror(error)}}};
  };
  std::FILE* f = std::fopen(file_path.c_str(), "rb");
  if (f == nullptr) return failed(errno);
  std::string text;
  char buffer[65536];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) text.append(buffer, n);
  // A folder opens but does not read (EISDIR).
  int error = std::ferror(f) ? errno : 0;
  std::fclose(f);
  if (error != 0) return failed(error);
  return parse_scenario(text, file_path, overrides);
}

}  // namespace drover
