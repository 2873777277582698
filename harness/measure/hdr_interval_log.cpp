// HdrHistogram's interval log: writing and reading one line at a time
// (the format is in hdr_log.hpp).
#include <cmath>
#include <ctime>

#include <fmt/format.h>

#include "harness/measure/hdr_log.hpp"

namespace drover {

namespace {

// Values are nanoseconds; the logs give an interval's maximum in ms.
constexpr double kMaxValueDivisor = 1e6;
// A start below a year of seconds is relative to the log's start time, as
// HdrHistogram's reader decides when a log has no BaseTime.
constexpr double kRelativeBelow = kLongestLogS;

std::string utc_text(double unix_s) {
  auto t = static_cast<std::time_t>(unix_s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[64];
  std::strftime(text, sizeof text, "%a %b %d %H:%M:%S UTC %Y", &tm);
  return text;
}

// The number after `key` in a header comment such as "#[StartTime: 12.5 ...]";
// none when it is not a finite number.
std::optional<double> header_number(const std::string& line, std::string_view key) {
  if (line.rfind(key, 0) != 0) return std::nullopt;
  try {
    const double v = std::stod(line.substr(key.size()));
    if (!std::isfinite(v)) return std::nullopt;
    return v;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// Splits "a,b,c" at commas.
std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t from = 0;
  while (true) {
    std::size_t comma = line.find(',', from);
    out.push_back(line.substr(from, comma == std::string_view::npos ? comma : comma - from));
    if (comma == std::string_view::npos) return out;
    from = comma + 1;
  }
}

// The whole of text as a finite number ("nan" and "inf" are none).
std::optional<double> number(std::string_view text) {
  try {
    std::size_t used = 0;
    double v = std::stod(std::string(text), &used);
    if (used != text.size() || !std::isfinite(v)) return std::nullopt;
    return v;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

Expected<IntervalLogWriter> IntervalLogWriter::open(const std::string& path, double start_time_s) {
  IntervalLogWriter w;
  w.out_.open(path, std::ios::trunc);
  if (!w.out_) return unexpected(fmt::format("cannot write {}", path));
  w.out_ << "#[Logged with drover]\n"
         << "#[Histogram log format version 1.3]\n"
         << fmt::format("#[StartTime: {:.3f} (seconds since epoch), {}]\n", start_time_s,
                        utc_text(start_time_s))
         << fmt::format("#[BaseTime: {:.3f} (seconds since epoch)]\n", start_time_s)
         << "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\","
            "\"Interval_Compressed_Histogram\"\n";
  w.out_.flush();
  return w;
}

void IntervalLogWriter::write(const std::string& tag, double start_s, double length_s,
                              const LatencyHistogram& histogram) {
  if (!tag.empty()) out_ << "Tag=" << tag << ',';
  out_ << fmt::format("{:.3f},{:.3f},{:.3f},", start_s, length_s,
                      static_cast<double>(histogram.max()) / kMaxValueDivisor)
       << encode_compressed_histogram(histogram) << '\n';
  out_.flush();
}

Expected<IntervalLogReader> IntervalLogReader::open(const std::string& path) {
  IntervalLogReader r;
  r.in_.open(path);
  if (!r.in_) return unexpected(fmt::format("cannot read {}", path));
  r.path_ = path;
  std::string line;
  while (std::getline(r.in_, line)) {
    ++r.line_;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (auto start = header_number(line, "#[StartTime: ")) r.start_time_s_ = *start;
    if (auto base = header_number(line, "#[BaseTime: ")) {
      r.base_time_s_ = *base;
      r.has_base_time_ = true;
    }
    if (line.empty() || line[0] == '#' || line[0] == '"') continue;
    r.pending_ = std::move(line);
    break;
  }
  return r;
}

Expected<std::optional<LogInterval>> IntervalLogReader::next() {
  std::string line;
  if (!pending_.empty()) {
    line = std::move(pending_);
    pending_.clear();
  } else {
    do {
      if (!std::getline(in_, line)) return std::optional<LogInterval>{};
      ++line_;
      if (!line.empty() && line.back() == '\r') line.pop_back();
    } while (line.empty() || line[0] == '#' || line[0] == '"');
  }
  auto fail = [&](const std::string& what) {
    return unexpected(fmt::format("{}:{}: {}", path_, line_, what));
  };
  std::vector<std::string_view> parts = fields(line);
  LogInterval interval;
  if (!parts.empty() && parts[0].rfind("Tag=", 0) == 0) {
    interval.tag = std::string(parts[0].substr(4));
    parts.erase(parts.begin());
  }
  if (parts.size() != 4) return fail("an interval line has 4 fields after its tag");
  auto start = number(parts[0]);
  auto length = number(parts[1]);
  if (!start || !length || *length < 0) return fail("start and length must be numbers");
  // Without a BaseTime, a start that reads as absolute is made relative.
  if (!has_base_time_ && *start >= kRelativeBelow) *start -= start_time_s_;
  // Readers lay intervals out second by second: a start outside the log's
  // first year is no run's, and would make them walk or hold that many.
  if (*start < 0 || *start > kRelativeBelow) {
    return fail(fmt::format("an interval starts {} s from the log's base time; want 0 to {} s",
                            *start, kRelativeBelow));
  }
  interval.start_s = *start;
  interval.length_s = *length;
  auto histogram = decode_histogram(parts[3]);
  if (!histogram) return fail(histogram.error());
  interval.histogram = std::move(*histogram);
  return std::optional<LogInterval>(std::move(interval));
}

}  // namespace drover
