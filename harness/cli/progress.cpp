#include "harness/cli/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "reports/summary_schema.hpp"

namespace drover {
namespace {

std::string rate_text(double per_s) {
  return per_s >= 10'000 ? fmt::format("{:.1f}k", per_s / 1000) : fmt::format("{:.0f}", per_s);
}

std::string latency_text(double ms) {
  return ms < 1 ? fmt::format("{:.0f}us", ms * 1000) : fmt::format("{:.2f}ms", ms);
}

std::string json_line(const std::string& scenario, const LiveStatus& s) {
  nlohmann::ordered_json j;
  j["scenario"] = scenario;
  j["elapsed_s"] = std::round(to_seconds(s.elapsed) * 1000) / 1000;
  j["planned_s"] = std::round(to_seconds(s.planned) * 1000) / 1000;
  j["ops"] = s.ops;
  j["errors"] = s.errors;
  j["rate_per_s"] = std::round(s.rate_per_s);
  j["fleets"] = nlohmann::ordered_json::array();
  for (const LiveFleet& f : s.fleets) {
    j["fleets"].push_back({{"name", f.name},
                           {"ops", f.ops},
                           {"errors", f.errors},
                           {"rate_per_s", std::round(f.rate_per_s)},
                           {"p99_ms", std::round(f.p99_ms * 1000) / 1000},
                           {"inflight", f.inflight}});
  }
  return j.dump();
}

}  // namespace

ProgressPrinter::ProgressPrinter(std::FILE* out, std::string scenario, Style style)
    : out_(out),
      scenario_(std::move(scenario)),
      style_(style),
      tty_(style == Style::kAuto && isatty(fileno(out)) != 0) {}

Duration ProgressPrinter::interval() const {
  if (style_ == Style::kJson) return std::chrono::seconds(1);
  return tty_ ? Duration(std::chrono::milliseconds(500)) : Duration(std::chrono::seconds(5));
}

void ProgressPrinter::update(const LiveStatus& s) {
  std::lock_guard lock(mutex_);
  if (style_ == Style::kJson) {
    fmt::print(out_, "{}\n", json_line(scenario_, s));
    std::fflush(out_);
    return;
  }
  double elapsed = to_seconds(s.elapsed);
  double planned = to_seconds(s.planned);
  double fraction = planned > 0 ? std::clamp(elapsed / planned, 0.0, 1.0) : 0.0;
  constexpr int kBar = 20;
  int filled = static_cast<int>(fraction * kBar);
  std::string bar = std::string(filled, '#') + std::string(kBar - filled, '.');
  std::vector<std::string> lines;
  lines.push_back(fmt::format("{} [{}] {:5.1f}/{:.0f}s  {} ops  {} ops/s  {} errors", scenario_,
                              bar, elapsed, planned, s.ops, rate_text(s.rate_per_s), s.errors));
  std::size_t width = 0;
  for (const LiveFleet& f : s.fleets) width = std::max(width, f.name.size());
  for (const LiveFleet& f : s.fleets) {
    lines.push_back(fmt::format("  {:<{}}  {:>7} ops/s  p99 {:>8}  {} errors", f.name, width,
                                rate_text(f.rate_per_s), latency_text(f.p99_ms), f.errors));
  }
  if (tty_) {
    // Back to the first line of the previous update, then each line over.
    if (lines_on_screen_ > 1) fmt::print(out_, "\033[{}A", lines_on_screen_ - 1);
    for (std::size_t i = 0; i < lines.size(); ++i) {
      fmt::print(out_, "\r\033[K{}{}", lines[i], i + 1 < lines.size() ? "\n" : "");
    }
    lines_on_screen_ = lines.size();
  } else {
    for (const std::string& line : lines) fmt::print(out_, "{}\n", line);
  }
  std::fflush(out_);
}

void ProgressPrinter::warning(const Warning& w) {
  std::lock_guard lock(mutex_);
  if (style_ == Style::kJson) {
    fmt::print(out_, "{}\n", nlohmann::ordered_json{{"warning", w}}.dump());
  } else {
    erase_lines();
    fmt::print(out_, "warning: {}: {}\n", w.source, w.message);
  }
  std::fflush(out_);
}

// tty: the in-place lines give way to what is printed next, and the next
// update draws them afresh below it.
void ProgressPrinter::erase_lines() {
  if (lines_on_screen_ == 0) return;
  if (lines_on_screen_ > 1) fmt::print(out_, "\033[{}A", lines_on_screen_ - 1);
  fmt::print(out_, "\r\033[J");
  lines_on_screen_ = 0;
}

void ProgressPrinter::finish() {
  std::lock_guard lock(mutex_);
  if (lines_on_screen_ > 0) fmt::print(out_, "\n");
  lines_on_screen_ = 0;
  std::fflush(out_);
}

}  // namespace drover
