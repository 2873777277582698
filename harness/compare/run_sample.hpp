// What `drover compare` compares: a run as seconds of (fleet, op) figures.
// A run folder, each run of a folder of repeats, and a baseline file all
// load into RunSample; the statistics (bootstrap.hpp) see nothing else.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/measure/histogram.hpp"

namespace drover {

// One second of one (fleet, op): the latencies of the operations answered
// in it (latency-seconds.hlog), and its operations and errors.
struct SampleSecond {
  std::vector<LatencyHistogram::Bucket> buckets;  // answered operations' latency
  std::uint64_t answered = 0;                     // the buckets' total count
  double ops = 0;                                 // operations completed, any outcome
  double errors = 0;                              // of them, not ok
};

struct OpSeries {
  std::string fleet, op;
  std::vector<SampleSecond> seconds;  // second 0 is the first of the load
  std::string key() const { return fleet + "/" + op; }
};

struct RunSample {
  std::string source;      // the folder or file it came from, for messages
  std::string scenario;    // the scenario's name
  std::string load_model;  // the scenario's load section, as canonical JSON
  double duration_s = 0;
  std::vector<OpSeries> ops;  // in summary.json's order of fleets and ops
};

// A side of a comparison: one run, or the repeats of one scenario.
struct Sample {
  std::string source;
  std::vector<RunSample> runs;
};

}  // namespace drover
