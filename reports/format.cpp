#include "reports/format.hpp"

#include <cctype>

#include <fmt/format.h>

namespace drover {

std::string format_ms(double ms) {
  if (ms >= 1000) return fmt::format("{:.2f}s", ms / 1000);
  if (ms >= 100) return fmt::format("{:.0f}ms", ms);
  if (ms >= 10) return fmt::format("{:.1f}ms", ms);
  if (ms >= 1) return fmt::format("{:.2f}ms", ms);
  return fmt::format("{:.0f}us", ms * 1000);
}

std::string format_offset_ms(double ms) {
  if (ms == 0) return "0";
  return (ms > 0 ? "+" : "-") + format_ms(ms > 0 ? ms : -ms);
}

std::string format_count(double v) {
  if (v >= 1e9) return fmt::format("{:.2f}G", v / 1e9);
  if (v >= 1e6) return fmt::format("{:.2f}M", v / 1e6);
  if (v >= 1e4) return fmt::format("{:.1f}k", v / 1e3);
  return fmt::format("{:.0f}", v);
}

std::string format_worst_window(const ThresholdResult& t) {
  if (t.window_s <= 0 || t.worst_window_value <= 0) return "";
  return fmt::format("worst {:.0f}s window from {:.0f}s: {}", t.window_s, t.worst_window_start_s,
                     format_value(t.worst_window_value, t.unit));
}

std::string format_capacity(const CapacityResult& c) {
  if (c.capacity_per_s > 0 && c.upper_bound_per_s > 0) {
    return fmt::format(
        "between {:.0f} and {:.0f} ops/s: {:.0f} met the objective, {:.0f} missed it (within "
        "{:.1f}%)",
        c.capacity_per_s, c.upper_bound_per_s, c.capacity_per_s, c.upper_bound_per_s,
        c.resolution * 100);
  }
  if (c.capacity_per_s > 0) {
    return fmt::format(
        "at least {:.0f} ops/s: the highest rate tried, and no step missed the objective",
        c.capacity_per_s);
  }
  if (!c.curve.empty() && !c.curve.front().ok) {
    return fmt::format("none: the first step ({:.0f} ops/s) already missed the objective",
                       c.curve.front().offered_per_s);
  }
  return "none: no step was measured";
}

std::string format_value(double v, const std::string& unit) {
  if (unit == "ms") return format_ms(v);
  if (unit == "ratio") return fmt::format("{:.4g}", v);
  if (unit == "ops/s") return fmt::format("{:.0f}/s", v);
  return fmt::format("{:.0f}", v);
}

// Appends `text` as XML 1.0 character data or attribute value. What XML 1.0
// cannot carry (control characters other than tab, newline and carriage
// return; bytes that are not UTF-8, which a wrong reply can contain) is
// written as the visible text \xNN, so the file stays well-formed and the
// reader still sees which byte it was.
void append_markup(std::string& out, std::string_view text, bool attribute) {
  for (std::size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      switch (c) {
        case '&':
          out += "&amp;";
          break;
        case '<':
          out += "&lt;";
          break;
        case '>':
          out += "&gt;";
          break;
        case '"':
          out += "&quot;";
          break;
        case '\'':
          out += "&apos;";
          break;
        // In attributes as references, which a parser keeps (it turns a
        // literal one into a space); \r always, or it would read \r\n as \n.
        case '\t':
          out += attribute ? "&#9;" : "\t";
          break;
        case '\n':
          out += attribute ? "&#10;" : "\n";
          break;
        case '\r':
          out += "&#13;";
          break;
        default:
          if (c < 0x20) {
            out += fmt::format("\\x{:02x}", c);
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    // A multi-byte UTF-8 sequence: copied when it is one XML allows.
    std::size_t length = c >= 0xc2 && c <= 0xdf   ? 2
                         : c >= 0xe0 && c <= 0xef ? 3
                         : c >= 0xf0 && c <= 0xf4 ? 4
                                                  : 0;
    char32_t code = length == 2 ? c & 0x1f : length == 3 ? c & 0x0f : c & 0x07;
    bool valid = length > 0 && i + length <= text.size();
    for (std::size_t k = 1; valid && k < length; ++k) {
      auto next = static_cast<unsigned char>(text[i + k]);
      valid = (next & 0xc0) == 0x80;
      code = (code << 6) | (next & 0x3f);
    }
    static constexpr char32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
    valid = valid && code >= kSmallest[length] && code <= 0x10ffff &&
            !(code >= 0xd800 && code <= 0xdfff) && code != 0xfffe && code != 0xffff;
    if (valid) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      out += fmt::format("\\x{:02x}", c);
      ++i;
    }
  }
}

std::string format_verdict(Verdict v) {
  std::string word = verdict_name(v);
  for (char& c : word) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return word;
}

std::string format_command(const std::vector<std::string>& argv) {
  std::string command;
  for (const std::string& arg : argv) command += (command.empty() ? "" : " ") + arg;
  return command;
}

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  append_markup(out, text, false);
  return out;
}

std::string format_example(const FailureExample& e) {
  std::string sent = e.request.text.empty() && e.request.cut_bytes == 0
                         ? std::string()
                         : " sent \"" + shown_text(e.request) + "\"";
  // A rule that judged the reply quotes it; one that could not, does not.
  std::string received = e.rule.find("received") == std::string::npos && !e.received.text.empty()
                             ? "; received \"" + shown_text(e.received) + "\""
                             : std::string();
  return fmt::format("client {} at {}{}: {}{}", e.client, format_ms(e.t_ms), sent, e.rule,
                     received);
}

std::string format_violation(const ViolationExample& e) {
  return fmt::format("{}: history.jsonl line {} at {}, client {} ({}): {}", e.about, e.line,
                     format_ms(e.t_ms), e.client, e.fleet, e.event);
}

}  // namespace drover
