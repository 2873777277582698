#include <cmath>
#include <cstdlib>
#include <string_view>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "harness/compare/bootstrap.hpp"

namespace drover {

const char* metric_name(Metric m) {
  switch (m) {
    case Metric::kP50:
      return "p50";
    case Metric::kP90:
      return "p90";
    case Metric::kP99:
      return "p99";
    case Metric::kP999:
      return "p99.9";
    case Metric::kThroughput:
      return "throughput";
    case Metric::kErrorRate:
      return "error_rate";
  }
  return "?";
}

std::optional<Metric> metric_from_name(const std::string& name) {
  for (Metric m : kMetrics) {
    if (name == metric_name(m)) return m;
  }
  if (name == "p999") return Metric::kP999;
  return std::nullopt;
}

bool higher_is_worse(Metric m) {
  return m != Metric::kThroughput;
}
bool change_in_points(Metric m) {
  return m == Metric::kErrorRate;
}

std::optional<double> MaxRegression::limit(Metric m) const {
  for (const auto& [metric, value] : limits) {
    if (metric == m) return value;
  }
  return std::nullopt;
}

MaxRegression default_max_regression() {
  return MaxRegression{{{Metric::kP50, 0.10}, {Metric::kP99, 0.10}, {Metric::kThroughput, 0.05}}};
}

namespace {

// "10%" -> 0.10 (relative metrics, "%" required), "0.5" or "0.5pp" -> 0.5
// (error_rate, in percentage points).
Expected<double> parse_limit(Metric m, std::string text) {
  std::string_view unit = change_in_points(m) ? "pp" : "%";
  bool has_unit = text.size() > unit.size() && text.ends_with(unit);
  if (has_unit) text.resize(text.size() - unit.size());
  if (!has_unit && !change_in_points(m)) return unexpected("a percentage such as 10%");
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(value) || value < 0) {
    return unexpected(change_in_points(m) ? "percentage points such as 0.5 or 0.5pp"
                                          : "a percentage such as 10%");
  }
  return change_in_points(m) ? value : value / 100.0;
}

}  // namespace

Expected<MaxRegression> parse_max_regression(const std::string& text) {
  MaxRegression out;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t comma = text.find(',', pos);
    std::string item =
        text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    pos = comma == std::string::npos ? text.size() + 1 : comma + 1;
    std::size_t eq = item.find('=');
    if (eq == std::string::npos) {
      return unexpected(fmt::format("--max-regression: \"{}\" is not METRIC=LIMIT", item));
    }
    auto metric = metric_from_name(item.substr(0, eq));
    if (!metric) {
      return unexpected(fmt::format(
          "--max-regression: unknown metric \"{}\" (p50, p90, p99, p99.9, throughput, error_rate)",
          item.substr(0, eq)));
    }
    auto limit = parse_limit(*metric, item.substr(eq + 1));
    if (!limit) {
      return unexpected(fmt::format("--max-regression: {}: \"{}\" is not {}", item.substr(0, eq),
                                    item.substr(eq + 1), limit.error()));
    }
    std::erase_if(out.limits, [&](const auto& l) { return l.first == *metric; });
    out.limits.emplace_back(*metric, *limit);
  }
  return out;
}

bool CompareResult::regression() const {
  for (const auto& op : ops) {
    for (const auto& m : op.metrics) {
      if (m.regression) return true;
    }
  }
  return false;
}

Expected<void> check_comparable(const Sample& base, const Sample& now) {
  if (base.runs.empty()) return unexpected(fmt::format("{}: holds no run", base.source));
  if (now.runs.empty()) return unexpected(fmt::format("{}: holds no run", now.source));
  const RunSample& ref = base.runs.front();
  for (const Sample* side : {&base, &now}) {
    for (const RunSample& run : side->runs) {
      if (run.scenario != ref.scenario) {
        return unexpected(fmt::format("{} runs scenario \"{}\", {} runs \"{}\"", ref.source,
                                      ref.scenario, run.source, run.scenario));
      }
      if (run.load_model != ref.load_model) {
        return unexpected(fmt::format("{} and {} have different load models: {} and {}", ref.source,
                                      run.source, ref.load_model, run.load_model));
      }
      std::vector<std::string> a, b;
      for (const auto& s : ref.ops) a.push_back(s.key());
      for (const auto& s : run.ops) b.push_back(s.key());
      if (a != b) {
        return unexpected(fmt::format("{} and {} have different fleets and ops: {} and {}",
                                      ref.source, run.source, fmt::join(a, ", "),
                                      fmt::join(b, ", ")));
      }
    }
  }
  return {};
}

}  // namespace drover
