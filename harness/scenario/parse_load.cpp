// "load": the model that decides when each iteration starts, and its keys.
// Each model has keys of its own, so a key of another model is reported as
// unknown rather than silently ignored.
#include <limits>

#include <fmt/format.h>

#include "harness/scenario/capacity_steps.hpp"
#include "harness/scenario/parse_sections.hpp"

namespace drover::scenario_json {
namespace {

using namespace std::chrono_literals;

using format::kMaxFleetInflight;
using format::kMaxRate;
constexpr std::int64_t kMaxStageClients = format::kMaxClients;  // as a fleet's clients

struct ModelName {
  const char* name;
  LoadSpec::Model model;
};
constexpr ModelName kModels[] = {
    {"closed", LoadSpec::Model::kClosed},
    {"open", LoadSpec::Model::kOpen},
    {"stages", LoadSpec::Model::kStages},
    {"capacity", LoadSpec::Model::kCapacity},
};

std::vector<std::string> model_names() {
  return format::load().variant_names();
}

std::optional<LoadSpec::Model> read_model(Problems& problems, const Json& value) {
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    for (const ModelName& m : kModels)
      if (text == m.name) return m.model;
    problems.at("/load/model",
                fmt::format("unknown model \"{}\" (known: {})", text, joined(model_names())));
    return std::nullopt;
  }
  problems.at("/load/model", "must be " + quoted_choices(model_names()));
  return std::nullopt;
}

// A rate in iterations per second: above 0, or from 0 where a stage may idle.
std::optional<double> read_rate(Problems& problems, const Json& value, const std::string& pointer,
                                Zero zero) {
  if (value.is_number()) {
    double rate = value.get<double>();
    bool low_ok = zero == Zero::kAllowed ? rate >= 0 : rate > 0;
    if (low_ok && rate <= static_cast<double>(kMaxRate)) return rate;
  }
  problems.at(pointer, zero == Zero::kAllowed
                           ? fmt::format("must be a number from 0 to {}", kMaxRate)
                           : fmt::format("must be a number above 0, at most {}", kMaxRate));
  return std::nullopt;
}

void read_max_inflight(const ObjectReader& r, LoadSpec& out) {
  out.max_inflight = static_cast<int>(
      r.positive_integer("max_inflight", Need::kOptional, kMaxFleetInflight).value_or(0));
}

// A client count a closed-model stage ramps to: a whole number from 0.
std::optional<double> read_clients(Problems& problems, const Json& value,
                                   const std::string& pointer) {
  if (value.is_number_integer() && value.get<std::int64_t>() >= 0 &&
      value.get<std::int64_t>() <= kMaxStageClients) {
    return static_cast<double>(value.get<std::int64_t>());
  }
  problems.at(pointer, fmt::format("must be a whole number from 0 to {}", kMaxStageClients));
  return std::nullopt;
}

// "stages": [{"duration": ..., level_key: ...}] as `stage` has them, the
// level read by read_level; out.duration becomes their sum.
template <class ReadLevel>
void parse_stage_list(const ObjectReader& r, LoadSpec& out, const format::Object& stage_format,
                      const char* level_key, ReadLevel read_level) {
  Problems& problems = r.problems();
  const std::string at = r.at("stages");
  out.duration = 0s;
  const Json* stages = r.get("stages");
  if (!stages->is_array()) {
    problems.at(
        at, fmt::format(R"(must be an array of stages, e.g. [{{"duration": "30s", "{}": 100}}])",
                        level_key));
  } else if (stages->empty()) {
    problems.at(at, "must list at least one stage");
  }
  bool too_long = false;
  for (std::size_t i = 0; stages->is_array() && i < stages->size(); ++i) {
    ObjectReader s(problems, (*stages)[i], child(at, i), stage_format.known_keys());
    if (!s.ok()) continue;
    Stage stage;
    stage.duration = s.duration("duration", Need::kRequired, Zero::kRefused).value_or(0s);
    if (const Json* level = s.get(level_key, Need::kRequired)) {
      stage.target = read_level(problems, *level, s.at(level_key)).value_or(0);
    }
    // Durations parse up to the largest Duration, so their sum can overflow.
    if (stage.duration > Duration::max() - out.duration) {
      too_long = true;
    } else {
      out.duration += stage.duration;
    }
    out.stages.push_back(stage);
  }
  if (too_long) {
    problems.at(
        at, fmt::format("the stages add up to more than {}h",
                        std::chrono::duration_cast<std::chrono::hours>(Duration::max()).count()));
  }
}

void parse_closed(const ObjectReader& r, LoadSpec& out) {
  out.think_time = r.duration("think_time", Need::kOptional, Zero::kAllowed).value_or(0ms);
  if (auto n = r.positive_integer("iterations", Need::kOptional,
                                  std::numeric_limits<std::int64_t>::max())) {
    out.iterations = static_cast<std::uint64_t>(*n);
  }
  if (!r.has("stages")) {
    out.duration = r.duration("duration", Need::kOptional, Zero::kRefused).value_or(10s);
    if (r.has("start_clients")) {
      r.problems().at(r.at("start_clients"), "only with \"stages\"");
    }
    return;
  }
  if (r.has("duration")) {
    r.problems().at(r.at("duration"),
                    "not with \"stages\": the run lasts the sum of the stages' durations");
  }
  parse_stage_list(r, out, format::closed_stage(), "clients", read_clients);
  if (const Json* start = r.get("start_clients")) {
    out.start_clients = read_clients(r.problems(), *start, r.at("start_clients")).value_or(0);
  }
}

void parse_open(const ObjectReader& r, LoadSpec& out) {
  if (const Json* rate = r.get("rate")) {
    out.rate = read_rate(r.problems(), *rate, r.at("rate"), Zero::kRefused).value_or(0);
  } else {
    r.problems().at(r.at("rate"), "required for the open model");
  }
  out.duration = r.duration("duration", Need::kOptional, Zero::kRefused).value_or(10s);
  read_max_inflight(r, out);
}

void parse_stages(const ObjectReader& r, LoadSpec& out) {
  Problems& problems = r.problems();
  if (r.has("stages")) {
    parse_stage_list(r, out, format::rate_stage(), "rate",
                     [](Problems& p, const Json& value, const std::string& at) {
                       return read_rate(p, value, at, Zero::kAllowed);
                     });
  } else {
    problems.at(r.at("stages"), "required for the stages model");
  }
  if (const Json* start = r.get("start_rate")) {
    out.start_rate = read_rate(problems, *start, r.at("start_rate"), Zero::kAllowed).value_or(0);
  }
  read_max_inflight(r, out);
}

// Steps beyond this many would make a run of hours: a sign of a typo.
constexpr int kMaxSteps = 100;

void read_resolution(const ObjectReader& r, LoadSpec& out) {
  const Json* value = r.get("resolution");
  if (!value) return;
  if (value->is_number() && value->get<double>() >= format::kMinResolution &&
      value->get<double>() <= format::kMaxResolution) {
    out.resolution = value->get<double>();
  } else {
    r.problems().at(r.at("resolution"),
                    fmt::format("must be a number from {} to {}", format::kMinResolution,
                                format::kMaxResolution));
  }
}

void parse_capacity(const ObjectReader& r, ParseContext& ctx, LoadSpec& out) {
  Problems& problems = r.problems();
  auto rate = [&](const char* key) -> double {
    if (const Json* value = r.get(key, Need::kRequired)) {
      return read_rate(problems, *value, r.at(key), Zero::kRefused).value_or(0);
    }
    return 0;
  };
  out.from = rate("from");
  out.to = rate("to");
  if (out.from > 0 && out.to > 0 && out.to < out.from) {
    problems.at(r.at("to"), fmt::format("must be at least \"from\" ({})", out.from));
  }
  if (const Json* factor = r.get("factor")) {
    if (factor->is_number() && factor->get<double>() > 1 &&
        factor->get<double>() <= format::kMaxFactor) {
      out.factor = factor->get<double>();
    } else {
      problems.at(r.at("factor"), "must be a number above 1, at most 10");
    }
  }
  out.step_duration = r.duration("step_duration", Need::kOptional, Zero::kRefused).value_or(5s);
  read_max_inflight(r, out);
  if (const Json* slo = r.get("slo", Need::kRequired)) {
    out.slo = parse_thresholds(*slo, ctx, r.at("slo"));
    std::erase_if(out.slo, [&](const ThresholdSpec& t) {
      if (t.window == Duration::zero()) return false;
      problems.at(r.at("slo"), "a step is judged whole: its objectives have no windows");
      return true;
    });
    if (slo->is_object() && slo->empty()) {
      problems.at(r.at("slo"),
                  R"(must hold at least one objective, e.g. {"latency.p99": "< 5ms"})");
    }
  }
  read_resolution(r, out);
  if (rising_capacity_steps(out, kMaxSteps) > kMaxSteps) {
    problems.at(r.at("factor"), fmt::format("from {} to {} would take more than {} steps", out.from,
                                            out.to, kMaxSteps));
    return;
  }
  // Bisection steps included, so plans and timeouts bound the whole search.
  out.duration = out.step_duration * std::max(max_capacity_steps(out), 1);
}

}  // namespace

LoadSpec parse_load(const Json& value, ParseContext& ctx) {
  LoadSpec out;
  Problems& problems = ctx.problems;
  std::optional<LoadSpec::Model> model = LoadSpec::Model::kClosed;
  if (value.is_object()) {
    if (auto it = value.find("model"); it != value.end()) model = read_model(problems, *it);
  }
  if (!model) {
    // Which keys belong depends on the model: judge them against every
    // model's, so a misspelt key is still reported.
    ObjectReader r(problems, value, "/load", format::load().known_keys());
    return out;
  }
  out.model = *model;
  const char* name = "";
  for (const ModelName& m : kModels)
    if (m.model == *model) name = m.name;
  ObjectReader r(problems, value, "/load", format::load().known_keys({name}));
  if (!r.ok()) return out;
  switch (*model) {
    case LoadSpec::Model::kClosed:
      parse_closed(r, out);
      break;
    case LoadSpec::Model::kOpen:
      parse_open(r, out);
      break;
    case LoadSpec::Model::kStages:
      parse_stages(r, out);
      break;
    case LoadSpec::Model::kCapacity:
      parse_capacity(r, ctx, out);
      break;
  }
  return out;
}

}  // namespace drover::scenario_json
