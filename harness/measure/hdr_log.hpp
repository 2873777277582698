// Latency histograms in HdrHistogram's own formats, so that drover's run
// folders can be read by HdrHistogram's tools (HistogramLogProcessor,
// HistogramLogAnalyzer) and drover can read theirs.
//
// - A histogram is encoded as HdrHistogram's V2 compressed form: a zlib
//   stream of the V2 encoding (a header, then the counts as ZigZag LEB128,
//   runs of empty buckets as one negative number), base64 as in the logs.
//   LatencyHistogram's buckets are exactly HdrHistogram's with a lowest
//   discernible value of 1, two significant digits and a highest trackable
//   value of 2^37 - 1 (values in nanoseconds), so drover's histograms round
//   trip bucket for bucket. A histogram of other parameters is read value by
//   value into drover's buckets (each count at its bucket's lowest value
//   scaled to nanoseconds).
// - An interval log (format version 1.3) is a few header comments, a legend
//   line, then one line per interval:
//     Tag=fleet/op,START,LENGTH,MAX,HISTFAAA...
//   START and LENGTH in seconds (START from the log's base time), MAX in
//   milliseconds (the interval's maximum over the max value divisor 1e6).
//   IntervalLogWriter writes and flushes one line at a time, so a run
//   streams its seconds to disk; IntervalLogReader reads one line at a time.
#pragma once

#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>

#include "harness/core/expected.hpp"
#include "harness/measure/histogram.hpp"

namespace drover {

// The base64 text of histogram's V2 compressed encoding ("HISTF...").
std::string encode_compressed_histogram(const LatencyHistogram& histogram);

// A histogram from its base64 V2 compressed (or uncompressed V2) encoding,
// as any HdrHistogram implementation writes it. An error names what is wrong
// (bad base64, unknown cookie, a payload that does not inflate or overruns).
// Values are scaled by to_nanos (1 when the writer's unit was nanoseconds).
Expected<LatencyHistogram> decode_histogram(std::string_view base64, double to_nanos = 1.0);

// The longest stretch a log covers, in seconds: a year. An interval starts
// within it, and a start below it is relative (IntervalLogReader).
inline constexpr double kLongestLogS = 365.0 * 24 * 3600;

struct LogInterval {
  std::string tag;     // empty when the line has none
  double start_s = 0;  // from the log's base time (or its start time)
  double length_s = 0;
  LatencyHistogram histogram;
};

class IntervalLogWriter {
 public:
  // Opens path for writing (truncating it) and writes the header:
  // start_time_s is the Unix time, in seconds, that START counts from.
  static Expected<IntervalLogWriter> open(const std::string& path, double start_time_s);

  // One interval; an empty histogram is written too (HdrHistogram's tools
  // read it as an interval without operations). Flushed at once.
  void write(const std::string& tag, double start_s, double length_s,
             const LatencyHistogram& histogram);
  bool ok() const { return static_cast<bool>(out_); }

 private:
  IntervalLogWriter() = default;
  std::ofstream out_;
};

class IntervalLogReader {
 public:
  // Opens path and reads its header comments (StartTime, BaseTime).
  static Expected<IntervalLogReader> open(const std::string& path);

  // The next interval, nullopt at the end of the file, or an error that
  // names the file and line. START is made relative to BaseTime (or to
  // StartTime when there is no BaseTime, as HdrHistogram's reader does).
  Expected<std::optional<LogInterval>> next();

  // Unix seconds of the log's StartTime comment (0 when it has none).
  double start_time_s() const { return start_time_s_; }

 private:
  IntervalLogReader() = default;
  std::ifstream in_;
  std::string path_;
  std::size_t line_ = 0;
  double start_time_s_ = 0;
  double base_time_s_ = 0;
  bool has_base_time_ = false;
  std::string pending_;  // the first interval line, read with the header
};

}  // namespace drover
