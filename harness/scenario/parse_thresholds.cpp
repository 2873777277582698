// "thresholds": "metric{fleet:NAME,op:NAME}": "<comparison> <value>", the
// value in the metric's unit; the scope, or either part of it, optional.
#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "harness/core/duration.hpp"
#include "harness/core/expected.hpp"
#include "harness/scenario/parse_sections.hpp"

namespace drover::scenario_json {
namespace {

using Unit = format::MetricUnit;

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "12" or "0.5": no sign, no exponent, so a limit reads the same to every
// reader of the file.
std::optional<double> plain_number(std::string_view s) {
  std::size_t point = s.find('.');
  if (!all_digits(s.substr(0, point))) return std::nullopt;
  if (point != std::string_view::npos && !all_digits(s.substr(point + 1))) return std::nullopt;
  double value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

std::optional<double> limit_in_unit(Unit unit, std::string_view text) {
  switch (unit) {
    case Unit::kDuration:
      if (auto d = parse_duration(text)) return to_millis(*d);
      return std::nullopt;
    case Unit::kRatio: {
      bool percent = !text.empty() && text.back() == '%';
      std::optional<double> n =
          plain_number(percent ? trim(text.substr(0, text.size() - 1)) : text);
      if (n && percent) *n /= 100;
      if (n && *n > 1) return std::nullopt;
      return n;
    }
    case Unit::kCount:
      if (all_digits(text) && text.size() <= 15) return plain_number(text);
      return std::nullopt;
    case Unit::kRate:
      if (text.size() >= 2 && text.substr(text.size() - 2) == "/s") {
        text = trim(text.substr(0, text.size() - 2));
      }
      return plain_number(text);
  }
  return std::nullopt;
}

std::string unit_problem(Unit unit, std::string_view metric, std::string_view written) {
  switch (unit) {
    case Unit::kDuration:
      return fmt::format("\"{}\": latency limits are durations (e.g. \"< 20ms\")", written);
    case Unit::kRatio:
      return fmt::format(
          "\"{}\": errors.rate is a ratio from 0 to 1 or a percentage (e.g. \"< 0.001\" or "
          "\"< 0.1%\")",
          written);
    case Unit::kCount:
      return fmt::format("\"{}\": {} is a whole number (e.g. \"< 10\")", written, metric);
    case Unit::kRate:
      return fmt::format("\"{}\": throughput is operations per second (e.g. \"> 1000/s\")",
                         written);
  }
  return {};
}

struct Condition {
  Comparison comparison;
  double limit;  // in the metric's unit
};

// "<op> <limit>" of `metric`; fails with why it does not read.
Expected<Condition> read_condition(Unit unit, std::string_view metric, const std::string& written) {
  std::string_view text = trim(written);
  static constexpr std::pair<std::string_view, Comparison> kOps[] = {
      {"<=", Comparison::kLessEqual},
      {">=", Comparison::kGreaterEqual},
      {"<", Comparison::kLess},
      {">", Comparison::kGreater},
  };
  auto op = std::find_if(std::begin(kOps), std::end(kOps),
                         [&](const auto& o) { return text.substr(0, o.first.size()) == o.first; });
  if (op == std::end(kOps)) {
    return unexpected(fmt::format(
        "\"{}\" must start with a comparison: <, <=, > or >= (e.g. \"< 50ms\")", written));
  }
  std::optional<double> limit = limit_in_unit(unit, trim(text.substr(op->first.size())));
  if (!limit) return unexpected(unit_problem(unit, metric, written));
  return Condition{op->second, *limit};
}

// The fleets that have an op named `op`.
std::vector<std::string> fleets_with_op(const ParseContext& ctx, const std::string& op) {
  std::vector<std::string> out;
  for (const auto& [fleet, name] : ctx.fleet_ops)
    if (name == op) out.push_back(fleet);
  return out;
}

// "{fleet:NAME}", "{op:NAME}" or "{fleet:NAME,op:NAME}" into t.fleet and
// t.op; fails with why the scope does not read or names nothing.
Expected<void> read_scope(std::string_view scope, const ParseContext& ctx, ThresholdSpec& t) {
  auto not_a_scope = [&] {
    return unexpected(
        fmt::format("\"{}\" is not a scope (write \"{}{{fleet:NAME}}\", \"{}{{op:NAME}}\" or "
                    "\"{}{{fleet:NAME,op:NAME}}\")",
                    scope, t.metric, t.metric, t.metric));
  };
  if (scope.size() < 2 || scope.back() != '}' || scope.find('}') != scope.size() - 1)
    return not_a_scope();
  std::string_view inner = scope.substr(1, scope.size() - 2);
  std::size_t comma = inner.find(',');
  std::string_view first = inner.substr(0, comma);
  std::string_view second = comma == std::string_view::npos ? "" : inner.substr(comma + 1);
  constexpr std::string_view kFleet = "fleet:", kOp = "op:";
  bool has_fleet = first.substr(0, kFleet.size()) == kFleet;
  std::string_view op_part = has_fleet ? second : first;
  bool has_op = op_part.substr(0, kOp.size()) == kOp;
  // One part, or "fleet:" then "op:"; each names something.
  bool fits = comma == std::string_view::npos ? has_fleet != has_op : has_fleet && has_op;
  if (!fits) return not_a_scope();
  if (has_fleet) t.fleet = first.substr(kFleet.size());
  if (has_op) t.op = op_part.substr(kOp.size());
  if ((has_fleet && t.fleet.empty()) || (has_op && t.op.empty())) return not_a_scope();
  if (!ctx.fleets_known) return {};
  if (!t.fleet.empty() &&
      std::find(ctx.fleets.begin(), ctx.fleets.end(), t.fleet) == ctx.fleets.end())
    return unexpected(
        fmt::format("no fleet named \"{}\" (fleets: {})", t.fleet, joined(ctx.fleets)));
  if (t.op.empty()) return {};
  std::vector<std::string> fleets = fleets_with_op(ctx, t.op);
  if (!t.fleet.empty()) {
    std::vector<std::string> ops;
    for (const auto& [fleet, op] : ctx.fleet_ops)
      if (fleet == t.fleet) ops.push_back(op);
    if (std::find(ops.begin(), ops.end(), t.op) != ops.end()) return {};
    if (ops.empty())
      return unexpected(
          fmt::format("fleet \"{}\" is not an echo fleet: op scopes name the ops "
                      "of udp and tcp fleets",
                      t.fleet));
    return unexpected(fmt::format("fleet \"{}\" has no op named \"{}\" (its ops: {})", t.fleet,
                                  t.op, joined(ops)));
  }
  if (fleets.empty()) return unexpected(fmt::format("no fleet has an op named \"{}\"", t.op));
  if (fleets.size() > 1) {
    return unexpected(
        fmt::format("ops named \"{}\" are in fleets {}: name one, as in \"{}{{fleet:{},op:{}}}\"",
                    t.op, joined(fleets), t.metric, fleets.front(), t.op));
  }
  return {};
}

// "http.status{...,class:5xx}": takes the class out of the scope into
// t.metric ("http.status{class:5xx}") and returns the rest of the scope
// ("{fleet:NAME}", or "" when the class was all of it).
Expected<std::string> take_status_class(std::string_view scope, ThresholdSpec& t) {
  constexpr std::string_view kClass = "class:";
  std::size_t at = scope.rfind(kClass);
  bool fits = at != std::string_view::npos && scope.size() == at + kClass.size() + 4 &&
              scope.substr(at + kClass.size() + 1) == "xx}" && scope[at + kClass.size()] >= '1' &&
              scope[at + kClass.size()] <= '5' && (scope[at - 1] == '{' || scope[at - 1] == ',');
  if (!fits) {
    return unexpected(R"(needs a status class, last in its scope: "http.status{class:5xx}", )"
                      R"("http.status{fleet:NAME,op:NAME,class:4xx}")");
  }
  t.metric = fmt::format("{}{{class:{}}}", kHttpStatusMetric, scope.substr(at + kClass.size(), 3));
  if (scope[at - 1] == '{') return std::string();
  return std::string(scope.substr(0, at - 1)) + "}";
}

// "latency.p99[30s]": takes the window out of t.metric into t.window.
Expected<void> take_window(ThresholdSpec& t) {
  std::size_t open = t.metric.find('[');
  if (open == std::string::npos) return {};
  std::string written = t.metric.substr(open);
  t.metric.resize(open);
  auto bad = [&](std::string_view why) {
    return unexpected(fmt::format("window \"{}\" of {}: {}", written, t.metric, why));
  };
  if (written.size() < 3 || written.back() != ']') {
    return bad("write it as a duration in brackets, before any scope: \"latency.p99[30s]\"");
  }
  if (t.metric.rfind("latency.", 0) != 0) return bad("only latency metrics have windows");
  std::optional<Duration> window = parse_duration(written.substr(1, written.size() - 2));
  if (!window || *window < std::chrono::seconds(1) ||
      *window % std::chrono::seconds(1) != Duration::zero()) {
    return bad("windows are whole seconds, at least 1s (e.g. [30s], [5m])");
  }
  if (*window > std::chrono::hours(24)) return bad("at most 24h");
  t.window = *window;
  return {};
}

}  // namespace

std::vector<ThresholdSpec> parse_thresholds(const Json& value, ParseContext& ctx,
                                            const std::string& where) {
  std::vector<ThresholdSpec> out;
  Problems& problems = ctx.problems;
  if (!value.is_object()) {
    problems.at(where, "must be an object");
    return out;
  }
  const std::vector<format::ThresholdMetric>& metrics = format::threshold_metrics();
  std::vector<std::string> metric_names;
  for (const format::ThresholdMetric& m : metrics) metric_names.push_back(m.name);
  for (const auto& [key, condition] : value.items()) {
    std::string at = child(where, key);
    ThresholdSpec t;
    std::size_t brace = key.find('{');
    t.metric = key.substr(0, brace);
    if (Expected<void> w = take_window(t); !w) {
      problems.at(at, w.error());
      continue;
    }
    auto metric =
        std::find_if(metrics.begin(), metrics.end(),
                     [&](const format::ThresholdMetric& m) { return m.name == t.metric; });
    const bool status = t.metric == kHttpStatusMetric;
    if (metric == metrics.end() && !status) {
      problems.at(at, fmt::format("unknown metric \"{}\" (known: {}, {})", t.metric,
                                  joined(metric_names), kHttpStatusMetric));
      continue;
    }
    std::string scope = brace == std::string::npos ? "" : key.substr(brace);
    if (status) {
      Expected<std::string> rest = take_status_class(scope, t);
      if (!rest) {
        problems.at(at, rest.error());
        continue;
      }
      scope = *rest;
    }
    if (!scope.empty()) {
      if (Expected<void> read = read_scope(scope, ctx, t); !read) {
        problems.at(at, read.error());
        continue;
      }
    }
    // "< 20ms", or {"threshold": "< 20ms", "abort_on_fail": true, ...}.
    const Json* text = &condition;
    std::string text_at = at;
    if (condition.is_object()) {
      ObjectReader r(problems, condition, at, format::threshold().known_keys());
      text = r.get("threshold", Need::kRequired);
      text_at = r.at("threshold");
      t.abort_on_fail = r.boolean("abort_on_fail", Need::kOptional).value_or(false);
      t.delay_abort_eval =
          r.duration("delay_abort_eval", Need::kOptional, Zero::kAllowed).value_or(Duration(0));
      if (r.has("delay_abort_eval") && !t.abort_on_fail) {
        problems.at(r.at("delay_abort_eval"), "only with \"abort_on_fail\": true");
      }
      if (!text) continue;
    }
    if (!text->is_string()) {
      problems.at(text_at, condition.is_object()
                               ? "must be a string such as \"< 20ms\""
                               : R"(must be a string such as "< 20ms", or an object such as )"
                                 R"({"threshold": "< 20ms", "abort_on_fail": true})");
      continue;
    }
    t.text = text->get<std::string>();
    Expected<Condition> read =
        read_condition(status ? format::MetricUnit::kCount : metric->unit, t.metric, t.text);
    if (!read) {
      problems.at(text_at, read.error());
      continue;
    }
    t.comparison = read->comparison;
    t.limit = read->limit;
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace drover::scenario_json
