// A scenario as plain, validated values. parse_scenario() (parse.hpp) is the
// only producer; the runner only ever sees a scenario that passed validation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/core/clock.hpp"

namespace drover {

enum class Protocol { kUdp, kTcp };

inline const char* protocol_name(Protocol p) {
  return p == Protocol::kUdp ? "udp" : "tcp";
}

// How drover knows a started target is ready for load.
struct ReadySpec {
  enum class Probe {
    kNone,       // ready as soon as the process runs (or the stdout line is seen)
    kUdpBound,   // the UDP port is bound by some socket on this machine
    kTcpConnect  // a TCP connection to the address succeeds
  };
  Probe probe = Probe::kNone;
  std::string address;       // for probes: "127.0.0.1:8080" ({port} already substituted)
  std::string stdout_regex;  // empty: not waited for
  Duration timeout = std::chrono::seconds(10);
};

struct TargetSpec {
  enum class Source {
    kReference,  // one of drover's reference targets ("kind")
    kCommand,    // the user's own server, started by drover
    kAddress,    // already running; drover only connects
  };
  std::string name;
  Source source = Source::kReference;
  std::string kind;  // reference kind; "command" / "address" otherwise
  Protocol protocol = Protocol::kUdp;

  // Reference: the flags made from "args" ("--threads", "2"); the executable
  // is found by the runner. Command: the full argv as given.
  std::vector<std::string> argv;
  std::vector<std::pair<std::string, std::string>> env;
  std::string cwd;  // absolute; defaults to the scenario file's folder

  // "host:port" the fleets use. For reference targets it is learnt from the
  // target's READY line. "{port}" in a command, address or ready address
  // stands for one free loopback port drover picks for this target.
  std::string address;
  bool wants_free_port = false;
  ReadySpec ready;
  Duration stop_grace = std::chrono::seconds(3);
};

// What counts as a correct reply.
struct Expectation {
  enum class Kind { kAny, kEcho, kUpper, kEquals, kRegex };
  Kind kind = Kind::kAny;
  std::string text;  // kEquals: a payload template; kRegex: an ECMAScript regex
};

enum class Framing {
  kLine,   // TCP: payload + '\n' out, one line back
  kFixed,  // TCP: payload out, exactly as many bytes back
};

struct OpSpec {
  std::string send;  // payload template: {client}, {seq}, {random:N}
  Expectation expect;
  Framing framing = Framing::kLine;
  Duration timeout = std::chrono::seconds(1);
};

struct FleetSpec {
  std::string name;
  std::string target;
  int clients = 1;
  OpSpec op;
};

struct LoadSpec {
  enum class Model { kClosed };
  Model model = Model::kClosed;
  Duration duration = std::chrono::seconds(10);
  Duration think_time{0};
  std::optional<std::uint64_t> iterations;  // per client; the run ends at whichever comes first
};

enum class Comparison { kLess, kLessEqual, kGreater, kGreaterEqual };

inline const char* comparison_text(Comparison c) {
  switch (c) {
    case Comparison::kLess:
      return "<";
    case Comparison::kLessEqual:
      return "<=";
    case Comparison::kGreater:
      return ">";
    case Comparison::kGreaterEqual:
      return ">=";
  }
  return "?";
}

struct ThresholdSpec {
  std::string metric;  // "latency.p99", "errors.rate", "errors.count", "throughput", "ops"
  std::string fleet;   // empty: the whole run ("latency.p99{fleet:clients}" otherwise)
  Comparison comparison = Comparison::kLess;
  double limit = 0;  // in the metric's unit: ms for latency, ratio, ops/s, count
  std::string text;  // as written: "< 20ms"
};

// An invariant the scenario asks for beyond the automatic ones.
struct CheckSpec {
  std::string invariant;  // "no_zombies"
  std::string target;
};

struct Scenario {
  std::string name;
  std::string description;
  bool expect_violation = false;  // "expect": "violation": catching one is the pass
  std::vector<TargetSpec> targets;
  std::vector<FleetSpec> fleets;
  LoadSpec load;
  std::vector<ThresholdSpec> thresholds;
  std::vector<CheckSpec> checks;
  std::string file;  // absolute path of the scenario file

  const TargetSpec* find_target(const std::string& name) const {
    for (const auto& t : targets)
      if (t.name == name) return &t;
    return nullptr;
  }
};

}  // namespace drover
