// The tables of "load" (a variant per model) and of "thresholds", which the
// capacity model's "slo" shares.
#include <fmt/format.h>

#include "harness/scenario/format_sections.hpp"

namespace drover::format {
namespace {

constexpr const char* kRateAbout = "Iterations started per second, per fleet.";

Key max_inflight() {
  return optional("max_inflight", integer(1, kMaxFleetInflight))
      .about(
          "Iterations a fleet may have outstanding at once; without it, as many as the fleet "
          "has clients.");
}

ObjectPtr closed_stage_object() {
  static const ObjectPtr kStage = std::make_shared<const Object>(Object{
      {required("duration", duration()),
       required("clients", integer(0, kMaxClients))
           .about("Active clients per fleet at the stage's end; at most each fleet's clients.")},
      {},
      {},
      {}});
  return kStage;
}

ObjectPtr rate_stage_object() {
  static const ObjectPtr kStage = std::make_shared<const Object>(
      Object{{required("duration", duration()),
              required("rate", number(0, kMaxRate)).about("The rate at the stage's end.")},
             {},
             {},
             {}});
  return kStage;
}

Variant closed() {
  return {"closed",
          "Each client starts its next iteration when the previous one ends (the default "
          "model). With stages, the number of active clients per fleet ramps linearly stage by "
          "stage from start_clients (client k of a fleet runs while the count is above k); the "
          "run then lasts the sum of the stages.",
          {
              optional("duration", duration()).default_string("10s").about("How long it runs."),
              optional("think_time", duration())
                  .default_string("0ms")
                  .about("Pause between a client's iterations."),
              optional("iterations", integer_from(1))
                  .about("Per client; the run ends at whichever of duration and iterations "
                         "comes first."),
              optional("stages", array_of(object(closed_stage_object())).at_least(1))
                  .about("Instead of duration: the active clients per fleet ramp to each "
                         "stage's count by its end."),
              optional("start_clients", integer(0, kMaxClients))
                  .default_number(0)
                  .about("With stages: the active clients at the start of the first stage."),
          },
          {excludes("stages", "duration"), requires_key("start_clients", "stages")}};
}

Variant stages() {
  return {"stages",
          "The open model with a rate ramping linearly within each stage, from the previous "
          "stage's rate (start_rate for the first) to the stage's own; the run lasts the sum of "
          "the stages.",
          {
              required("stages", array_of(object(rate_stage_object())).at_least(1)),
              optional("start_rate", number(0, kMaxRate))
                  .default_number(0)
                  .about("The rate at the start of the first stage."),
              max_inflight(),
          },
          {}};
}

Variant capacity() {
  return {"capacity",
          "Open-model steps at from, from*factor, ... up to to, each held for step_duration; "
          "after the first step that misses, steps halve the interval between the highest rate "
          "met and the lowest missed until it is within resolution. The capacity is the highest "
          "rate whose step met the slo and answered at least 95% of what it offered; the lowest "
          "rate missed above it bounds it from above.",
          {
              required("slo", thresholds_value().at_least(1))
                  .about("The objective each step must meet, written as thresholds."),
              required("from", number_above(0, kMaxRate)).about(kRateAbout),
              required("to", number_above(0, kMaxRate)).about(kRateAbout),
              optional("factor", number_above(1, kMaxFactor))
                  .default_number(2)
                  .about("Each step's rate over the last one's."),
              optional("step_duration", duration())
                  .default_string("5s")
                  .about("How long each rate is held."),
              optional("resolution", number(kMinResolution, kMaxResolution))
                  .default_number(0.05)
                  .about("The search ends when (lowest rate missed - highest met) / highest met "
                         "is at most this fraction."),
              max_inflight(),
          },
          {}};
}

ObjectPtr load_object() {
  static const ObjectPtr kLoad = with_variants(
      Object{{optional("model", choice({})).default_string("closed")}, {}, {}, {}}, "model",
      {closed(),
       {"open",
        "Iterations start on a fixed schedule per fleet, whether or not replies have come; a "
        "start that finds no idle client (or max_inflight outstanding) is counted as missed.",
        {required("rate", number_above(0, kMaxRate)).about(kRateAbout),
         optional("duration", duration())
             .default_string("10s")
             .about("How long arrivals are scheduled."),
         max_inflight()},
        {}},
       stages(),
       capacity()});
  return kLoad;
}

// What a limit of each unit looks like, after its comparison.
struct UnitText {
  MetricUnit unit;
  const char* limit_pattern;
  const char* about;
};

constexpr UnitText kUnitTexts[] = {
    {MetricUnit::kDuration, R"([0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h))", R"(A duration: "< 20ms".)"},
    {MetricUnit::kRatio, R"([0-9]+(\.[0-9]+)?( *%)?)",
     R"(A ratio from 0 to 1 or a percentage: "< 0.001", "< 0.1%".)"},
    {MetricUnit::kCount, R"([0-9]+)", R"(A whole number: "< 10".)"},
    {MetricUnit::kRate, R"([0-9]+(\.[0-9]+)? *(/s)?)", R"(Operations per second: "> 1000/s".)"},
};

ObjectPtr threshold_object(const Value& condition) {
  return std::make_shared<const Object>(
      Object{{
                 required("threshold", condition).about(R"(The condition: "<op> <limit>".)"),
                 optional("abort_on_fail", boolean())
                     .default_boolean(false)
                     .about("Stop the load as soon as the figures so far fail it (judged every "
                            "second)."),
                 optional("delay_abort_eval", duration())
                     .about("Judge it only from this long into the load on (with abort_on_fail)."),
             },
             {requires_key("delay_abort_eval", "abort_on_fail", "true")},
             {},
             {}});
}

// "^(latency\.p50|...)(\{(fleet:NAME(,op:NAME)?|op:NAME)\})?$": the metrics
// of `unit`, for the whole run, one fleet, or one op of one fleet; latency
// metrics with an optional window ("[30s]") before the scope.
std::string metric_pattern(MetricUnit unit) {
  std::string names;
  for (const ThresholdMetric& m : threshold_metrics()) {
    if (m.unit != unit) continue;
    if (!names.empty()) names += '|';
    for (char c : m.name) names += c == '.' ? std::string(R"(\.)") : std::string(1, c);
  }
  std::string fleet = name_pattern(kNameExtras);  // ^...$
  std::string name = fleet.substr(1, fleet.size() - 2);
  // Latency metrics may be windowed: "latency.p99[30s]".
  std::string window = unit == MetricUnit::kDuration ? R"((\[[1-9][0-9]*(s|m|h)\])?)" : "";
  return fmt::format(R"(^({}){}(\{{(fleet:{}(,op:{})?|op:{})\}})?$)", names, window, name, name,
                     name);
}

// "http.status{class:5xx}", "http.status{fleet:NAME,class:5xx}", ...: HTTP
// responses of one status class, whose scope must name the class.
std::string status_class_pattern() {
  std::string fleet = name_pattern(kNameExtras);
  std::string name = fleet.substr(1, fleet.size() - 2);
  return fmt::format(R"(^http\.status\{{((fleet:{}(,op:{})?|op:{}),)?class:[1-5]xx\}}$)", name,
                     name, name);
}

}  // namespace

const std::vector<ThresholdMetric>& threshold_metrics() {
  static const std::vector<ThresholdMetric> kMetrics{
      {"latency.min", MetricUnit::kDuration}, {"latency.mean", MetricUnit::kDuration},
      {"latency.p50", MetricUnit::kDuration}, {"latency.p90", MetricUnit::kDuration},
      {"latency.p99", MetricUnit::kDuration}, {"latency.p999", MetricUnit::kDuration},
      {"latency.max", MetricUnit::kDuration}, {"errors.rate", MetricUnit::kRatio},
      {"errors.count", MetricUnit::kCount},   {"ops", MetricUnit::kCount},
      {"missed_starts", MetricUnit::kCount},  {"throughput", MetricUnit::kRate},
  };
  return kMetrics;
}

Value thresholds_value() {
  static const Value kThresholds = [] {
    Value thresholds;
    thresholds.type = Value::Type::kMap;
    for (const UnitText& unit : kUnitTexts) {
      Value condition = text(fmt::format("^ *(<=|>=|<|>) *{} *$", unit.limit_pattern));
      Value either = one_of({condition, object(threshold_object(condition))}).about(unit.about);
      if (unit.unit == MetricUnit::kCount)
        thresholds.members.push_back(
            {status_class_pattern(), std::make_shared<const Value>(either)});
      thresholds.members.push_back(
          {metric_pattern(unit.unit), std::make_shared<const Value>(std::move(either))});
    }
    return named("thresholds", thresholds)
        .about(R"("metric", "metric{fleet:NAME}", "metric{op:NAME}" or )"
               R"("metric{fleet:NAME,op:NAME}" (http.status needs a class last: )"
               R"("http.status{class:5xx}", "http.status{op:NAME,class:4xx}": the )"
               R"(responses of that status class) to "<op> <value>", op one of <, <=, >, )"
               R"(>=; or to {"threshold": "<op> <value>", "abort_on_fail": true, )"
               R"("delay_abort_eval": "5s"} to stop the load as soon as the figures so far )"
               "fail it (judged every second, from delay_abort_eval on).");
  }();
  return kThresholds;
}

Value load_value() {
  return named("load", object(load_object()))
      .about(
          "When each iteration starts: closed (clients wait for their replies; optionally a "
          "client count ramping stage by stage), open (a fixed arrival rate per fleet), "
          "stages (an arrival rate ramping linearly stage by stage) or capacity (open-model "
          "steps of rising rate until the service-level objective fails).");
}

const Object& load() {
  return *load_object();
}

const Object& closed_stage() {
  return *closed_stage_object();
}

const Object& rate_stage() {
  return *rate_stage_object();
}

const Object& threshold() {
  static const ObjectPtr kThreshold = threshold_object(text());
  return *kThreshold;
}

}  // namespace drover::format
