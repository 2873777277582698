#include <chrono>

#include <fmt/format.h>

#include "reports/format.hpp"
#include "reports/sink.hpp"

namespace drover {
namespace {

class ConsoleSink final : public Sink {
 public:
  ConsoleSink(std::FILE* out, bool color) : out_(out), color_(color) {}

  void write(const RunResult& run) override {
    print_header(run);
    if (!run.fleets.empty()) print_table(run);
    if (run.capacity.searched) print_capacity(run.capacity);
    if (!run.thresholds.empty()) {
      fmt::print(out_, "\n{}\n", bold("thresholds"));
      for (const ThresholdResult& t : run.thresholds) {
        std::string name = threshold_key(t.metric, t.fleet, t.op);
        std::string window = format_worst_window(t);
        fmt::print(out_, "  {} {:<32} {:<12} value {}{}{}\n", mark(t.ok), name, t.limit,
                   format_value(t.value, t.unit), window.empty() ? "" : "  " + window,
                   t.aborted ? fmt::format("  aborted the run at {:.1f}s (value then {})",
                                           t.aborted_at_s, format_value(t.aborted_value, t.unit))
                             : "");
      }
    }
    if (!run.invariants.empty()) {
      fmt::print(out_, "\n{}{}\n", bold("invariants"),
                 run.expect == Expect::kViolation ? " (a violation is expected)" : "");
      for (const InvariantResult& i : run.invariants) {
        fmt::print(out_, "  {} {:<16} {:<14} {}\n", invariant_mark(i), invariant_name(i.invariant),
                   i.subject, i.detail);
        if (!i.ok && !i.examples.empty())
          fmt::print(out_, "      e.g. {}\n", format_violation(i.examples.front()));
      }
    }
    for (const std::string& e : run.errors) fmt::print(out_, "\n{} {}\n", paint("error:", 31), e);
    fmt::print(out_, "\n{}  exit code {}  {}\n", verdict_word(run.verdict), to_int(run.exit_code),
               run.run_dir);
    if (!run.warnings.empty()) print_warnings(run.warnings);
    std::fflush(out_);
  }

 private:
  // A run known only from the history it left (`drover check` on the folder
  // of a run that never finished) has no start, so no duration or seed to
  // show: zeros there would read as figures.
  void print_header(const RunResult& run) {
    std::string facts = run.started_at == std::chrono::system_clock::time_point{}
                            ? std::string("(did not finish: no figures, no seed)")
                            : fmt::format("{:.1f}s  seed {}  {}", run.duration_s, run.seed,
                                          run.interrupted ? "(interrupted)"
                                          : run.aborted   ? "(aborted by a threshold)"
                                                          : "");
    fmt::print(out_, "\n{} {}  {}\n", bold("drover"), run.scenario, facts);
  }

  void print_table(const RunResult& run) {
    fmt::print(out_, "\n{:<16} {:>7} {:>9} {:>9} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8}\n", "fleet",
               "clients", "ops", "ops/s", "errors", "p50", "p90", "p99", "p99.9", "max");
    auto row = [&](const std::string& name, const std::string& clients, const OpTotals& t,
                   double rate, const LatencySummary& l) {
      fmt::print(out_, "{:<16} {:>7} {:>9} {:>9} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8}\n", name,
                 clients, format_count(static_cast<double>(t.ops())), format_count(rate),
                 format_count(static_cast<double>(t.errors())), format_ms(l.p50_ms),
                 format_ms(l.p90_ms), format_ms(l.p99_ms), format_ms(l.p999_ms),
                 format_ms(l.max_ms));
    };
    int clients = 0;
    for (const FleetResult& f : run.fleets) {
      row(f.name, std::to_string(f.clients), f.totals, f.rate_per_s, f.latency);
      // A fleet of several ops (a mix, or a workload's steps): each op's own
      // figures, under its name; its clients are the fleet's.
      if (f.ops.size() > 1) {
        for (const OpResult& op : f.ops)
          row("  " + op.name, "", op.totals, op.rate_per_s, op.latency);
      }
      for (const FleetHostResult& host : f.hosts) {
        row("  @" + host.host, std::to_string(host.clients), host.totals, host.rate_per_s,
            host.latency);
      }
      clients += f.clients;
    }
    if (run.fleets.size() > 1)
      row("total", std::to_string(clients), run.totals, run.rate_per_s, run.latency);
    if (run.totals.errors() > 0) {
      std::string classes;
      for (std::size_t i = 1; i < kOutcomeCount; ++i) {
        if (run.totals.by_outcome[i] == 0) continue;
        classes += fmt::format("{}{} {}", classes.empty() ? "" : ", ", run.totals.by_outcome[i],
                               kOutcomeNames[i]);
      }
      fmt::print(out_, "errors: {}\n", classes);
      print_first_examples(run);
    }
    if (run.totals.missed_starts > 0) {
      fmt::print(out_, "missed starts (no idle client at the intended time): {}\n",
                 run.totals.missed_starts);
    }
    if (run.totals.late_replies > 0) {
      fmt::print(out_, "late replies (after their timeout): {}\n", run.totals.late_replies);
    }
    if (run.totals.tls_handshakes > 0) print_handshakes(run);
  }

  // HTTPS: each op's TLS handshakes, timed apart from its requests.
  void print_handshakes(const RunResult& run) {
    fmt::print(out_, "TLS handshakes (not in the latencies above):\n");
    for (const FleetResult& f : run.fleets) {
      for (const OpResult& op : f.ops) {
        if (op.totals.tls_handshakes == 0) continue;
        const LatencySummary& l = op.handshake;
        fmt::print(out_, "  {:<24} {} ({} resumed)  p50 {}  p99 {}  max {}\n",
                   f.ops.size() > 1 ? f.name + "/" + op.name : f.name, op.totals.tls_handshakes,
                   op.totals.tls_resumed, format_ms(l.p50_ms), format_ms(l.p99_ms),
                   format_ms(l.max_ms));
      }
    }
  }

  // The first example of each error class of each op, so the reason for
  // the errors is on the screen without opening a report.
  void print_first_examples(const RunResult& run) {
    for (const FleetResult& f : run.fleets) {
      for (const OpResult& op : f.ops) {
        for (const FailureSamples& s : op.failures) {
          if (s.first.empty()) continue;
          fmt::print(out_, "  {} {} {} ({}): {}\n", f.name, op.name, outcome_name(s.outcome),
                     s.count, format_example(s.first.front()));
        }
      }
    }
  }

  void print_capacity(const CapacityResult& c) {
    fmt::print(out_, "\n{} {}\n", bold("capacity"), format_capacity(c));
    fmt::print(out_, "  {:>10} {:>10} {:>9} {:>10}  {}\n", "offered/s", "answered/s", "p99",
               "errors", "");
    for (const CapacityStep& s : c.curve) {
      fmt::print(out_, "  {:>10.0f} {:>10.0f} {:>9} {:>10.4g}  {} {}\n", s.offered_per_s,
                 s.answered_per_s, format_ms(s.p99_ms), s.error_rate, mark(s.ok), s.why);
    }
  }

  // After the verdict, so that a run's warnings are the last thing said
  // about it rather than scrolled away with the tables.
  void print_warnings(const std::vector<Warning>& warnings) {
    fmt::print(out_, "\n{}\n", paint("warnings", 33));
    for (const Warning& w : warnings) {
      fmt::print(out_, "  {:>7}  {}: {}\n", fmt::format("{:.1f}s", w.at_s), w.source, w.message);
    }
  }

  std::string paint(const std::string& text, int code) const {
    return color_ ? fmt::format("\033[1;{}m{}\033[0m", code, text) : text;
  }
  std::string bold(const std::string& text) const {
    return color_ ? fmt::format("\033[1m{}\033[0m", text) : text;
  }
  std::string mark(bool ok) const { return ok ? paint("ok  ", 32) : paint("FAIL", 31); }
  // An invariant is held, broken, or undecided (its evidence is missing),
  // which is neither: UNKNOWN, in the colour of warnings.
  std::string invariant_mark(const InvariantResult& i) const {
    if (i.ok) return paint("ok     ", 32);
    return i.unknown ? paint("UNKNOWN", 33) : paint("FAIL   ", 31);
  }
  // Green for a pass, yellow (as an undecided invariant) for unknown, red
  // otherwise.
  std::string verdict_word(Verdict v) const {
    const int colour = v == Verdict::kPass ? 32 : v == Verdict::kUnknown ? 33 : 31;
    return paint(format_verdict(v), colour);
  }

  std::FILE* out_;
  bool color_;
};

}  // namespace

SinkPtr make_console_sink(std::FILE* out, bool color) {
  return std::make_unique<ConsoleSink>(out, color);
}

}  // namespace drover
