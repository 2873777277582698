// Figures and text as people read them, shared by the console table and
// report.html so both show a run the same way. Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "harness/core/run_result.hpp"

namespace drover {

// 0.25 -> "250us", 3.456 -> "3.46ms", 1500 -> "1.50s".
std::string format_ms(double ms);
// A time relative to another: 1.25 -> "+1.25ms", -0.04 -> "-40us", 0 -> "0".
std::string format_offset_ms(double ms);
// 12345 -> "12.3k", 2.5e6 -> "2.50M".
std::string format_count(double v);
// A threshold's figure in its unit ("ms", "ratio", "ops/s", "count").
std::string format_value(double v, const std::string& unit);

// A windowed threshold's worst window, "worst 30s window from 40s: 35.0ms";
// empty for other thresholds and for one no window was judged in.
std::string format_worst_window(const ThresholdResult& t);

// The verdict as the console and report.html headline it: "PASS", "FAIL",
// "UNKNOWN", "ERROR" (verdict_name() in capitals).
std::string format_verdict(Verdict v);

// A capacity search's outcome in one line, as the console and report.html
// headline it: the knee's interval ("between 2000 and 2125 ops/s: ..."), a
// lower bound when no step above the capacity missed, or why there is none.
std::string format_capacity(const CapacityResult& c);

// A command's arguments joined by spaces, as report.html and junit.xml show
// a setup step.
std::string format_command(const std::vector<std::string>& argv);

// One failed operation's example on one line, as the console and junit.xml
// show it: 'client 3 at 1.25s sent "PING\r": expected equals ...'.
std::string format_example(const FailureExample& e);
// One offending operation of a violated invariant on one line: 'serial 2
// sold a second time: history.jsonl line 8 at 4.00ms, client 2 (buyers):
// ok buy 2'.
std::string format_violation(const ViolationExample& e);

// Appends text as XML or HTML character data (attribute: false) or an
// attribute value (true): & < > " ' as entities, and what XML 1.0 cannot
// carry (control bytes, bytes that are not UTF-8) as the visible text \xNN.
void append_markup(std::string& out, std::string_view text, bool attribute);
// Text for HTML, as append_markup(..., false) writes it.
std::string escape_html(std::string_view text);

}  // namespace drover
