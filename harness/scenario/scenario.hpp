// A scenario as plain, validated values. parse_scenario() (parse.hpp) is the
// only producer; the runner only ever sees a scenario that passed validation.
// Values compare equal when every member does (two spellings of one
// scenario, a default written out or left out, parse to equal values).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/core/clock.hpp"
#include "harness/core/data_source.hpp"
#include "harness/core/data_table.hpp"
#include "harness/core/invariant.hpp"

namespace drover {

// What a target speaks: plain echo over UDP or TCP, or one of the line
// protocols of the correctness targets (targets/README.md), all over TCP,
// or HTTP/1.1.
enum class Protocol { kUdp, kTcp, kTickets, kQueue, kPool, kHttp };

inline const char* protocol_name(Protocol p) {
  switch (p) {
    case Protocol::kUdp:
      return "udp";
    case Protocol::kTcp:
      return "tcp";
    case Protocol::kTickets:
      return "tickets";
    case Protocol::kQueue:
      return "queue";
    case Protocol::kPool:
      return "pool";
    case Protocol::kHttp:
      return "http";
  }
  return "?";
}

inline bool is_udp(Protocol p) {
  return p == Protocol::kUdp;
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

  bool operator==(const ReadySpec&) const = default;
};

// A host reached over SSH ("hosts"), where targets can run. Plain data:
// the runner maps it to an SshHostSpec. Secrets are never held here, only
// where to find them (a variable's name or a file's path).
struct RemoteHostSpec {
  std::string name;
  std::string address;  // literal IPv4 or IPv6 address, or "localhost"
  int port = 22;
  std::string user;
  std::string key_file;  // absolute; "~" expanded
  std::string passphrase_env, passphrase_file;
  std::string password_env, password_file;
  bool agent = false;
  std::string known_hosts;           // absolute; empty: ~/.ssh/known_hosts
  bool accept_new_host_key = false;  // host_key_policy "accept-new"
  Duration connect_timeout = std::chrono::seconds(10);

  bool operator==(const RemoteHostSpec&) const = default;
};

// One command of "setup", run before any target starts: on a declared host
// over SSH, or on this machine when host is empty.
struct SetupStepSpec {
  std::string host;               // RemoteHostSpec::name; empty: this machine
  std::vector<std::string> argv;  // the program, then its arguments; never empty
  bool allow_failure = false;     // a failure is logged and the run goes on
  Duration timeout = std::chrono::seconds(60);
  std::string cwd;         // this machine: the scenario's folder; hosts: the login folder
  std::string at_pointer;  // "/setup/1", for messages

  bool operator==(const SetupStepSpec&) const = default;
};

// A file of "data": values for {data:FILE:COLUMN} and {data:FILE}
// placeholders, read when the scenario was parsed (so that a missing file or
// column is an input error) and kept, so that a run reads it once.
struct DataFileSpec {
  std::string name;  // as the scenario names it, relative to its folder
  std::string path;  // absolute
  DataTable::Format format = DataTable::Format::kCsv;
  DataSource::Order order = DataSource::Order::kRoundRobin;
  std::shared_ptr<const DataTable> table;  // never null in a valid scenario

  // The table is what `path` held when it was read: two parses of one
  // scenario are equal though each read the file.
  bool operator==(const DataFileSpec& o) const {
    return name == o.name && path == o.path && format == o.format && order == o.order;
  }
};

// In a command target's command, env, files and tls paths: its folder of
// the run folder (work/NAME).
inline constexpr std::string_view kDirPlaceholder = "{dir}";

// HTTPS: how drover's clients speak TLS to a target ("tls", or an https://
// url). Paths are absolute, or hold "{dir}" (a command target's folder of
// the run folder, known once it runs). server_name: the name the
// certificate must carry, sent as SNI when it is a host name.
struct TlsSpec {
  std::string ca_file;    // empty: the system's store
  std::string cert_file;  // a client certificate, with key_file
  std::string key_file;
  bool insecure = false;  // verify nothing (drover warns)
  std::string server_name;

  bool operator==(const TlsSpec&) const = default;
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
  // Command targets: files (name, text) written into the target's work
  // folder of the run folder before it starts, "{port}" and "{dir}" (that
  // folder) in them substituted, as "{dir}" is in the command.
  std::vector<std::pair<std::string, std::string>> files;

  // "host:port" the fleets use. For reference targets it is learnt from the
  // target's READY line. "{port}" in a command, address or ready address
  // stands for one free loopback port drover picks for this target.
  std::string address;
  bool wants_free_port = false;
  ReadySpec ready;
  Duration stop_grace = std::chrono::seconds(3);
  // The declared host (RemoteHostSpec::name) it runs on; empty: this
  // machine. Never set for kAddress.
  std::string host;
  // "url" (address targets): its scheme ("http"), host and path; the path
  // goes before every op's path. Empty scheme: no url was given.
  std::string url_scheme;
  std::string url_host;
  std::string base_path;
  // HTTP targets spoken to over TLS (HTTPS); absent: plain HTTP.
  std::optional<TlsSpec> tls;

  bool operator==(const TargetSpec&) const = default;
};

// What counts as a correct reply.
// The value a RESP reply must hold ({"resp": TYPE, "value": VALUE}): text
// for the string types (simple, error, bulk, verbatim, double, big_number),
// a number for integer, true or false for boolean, null, or the elements of
// an array, set, push or map (a map's keys and values alternate).
struct RespValueSpec {
  enum class Kind { kText, kInteger, kBoolean, kNull, kArray };
  Kind kind = Kind::kNull;
  std::string text;
  std::int64_t integer = 0;
  bool boolean = false;
  std::vector<RespValueSpec> items;

  bool operator==(const RespValueSpec&) const = default;
};

struct Expectation {
  enum class Kind { kAny, kEcho, kUpper, kEquals, kRegex, kResp };
  Kind kind = Kind::kAny;
  std::string text;  // kEquals: a payload template; kRegex: an ECMAScript regex
  // kResp (framing "resp" only): the reply's type, as RESP names it
  // ("simple", "bulk", resp_type_name() in harness/drivers/resp.hpp), and
  // what its value must be; none: any value of that type.
  std::string resp_type;
  std::optional<RespValueSpec> resp_value;

  bool operator==(const Expectation&) const = default;
};

// The longest reply drover reads unless a fleet's framing says otherwise
// ("max_reply"): a connection holding more bytes than this unjudged (a line
// with no end, a length prefix too large, bytes no request asked for) is
// dropped with Outcome::kReplyTooLarge, so a broken server costs each
// connection at most this much memory.
inline constexpr std::size_t kMaxReplyBytes = std::size_t{1} << 20;

// How a reply's end is found in the bytes of a connection, and what of them
// the reply's text is (harness/drivers/framing.hpp).
enum class Framing {
  kLine,            // payload + '\n' out, one line back, its "\n" or "\r\n" cut
  kFixed,           // payload out, exactly as many bytes back
  kDelimiter,       // payload + delimiter out, the bytes up to the delimiter back
  kLengthPrefixed,  // a length header, then the payload, both ways
  kResp,            // the payload as written out, one RESP value back
  kMemcached,       // payload + "\r\n" out, one memcached text-protocol reply back
};

enum class Endian { kBig, kLittle };

struct FramingSpec {
  Framing kind = Framing::kLine;
  std::string delimiter;        // kDelimiter: the bytes that end a reply, never empty
  bool keep_delimiter = false;  // kDelimiter: the reply's text ends with them
  int length_bytes = 4;         // kLengthPrefixed: the header's width, 1, 2, 4 or 8
  Endian endian = Endian::kBig;
  bool length_includes_header = false;  // the length counts the header's own bytes
  std::size_t max_reply = kMaxReplyBytes;
  // kDelimiter: what ends a request, when not the delimiter (memcached's
  // get: "\r\n" out, "END\r\n" back); empty: the request as written.
  std::optional<std::string> request_end;

  bool operator==(const FramingSpec&) const = default;
};

// What an HTTP reply must be (an http op's "expect"). Absent: status 2xx.
struct HttpExpectation {
  // The status is one of `statuses`, or of a class in `classes` (2 for
  // "2xx"); both empty: any status.
  std::vector<int> statuses;
  std::vector<int> classes = {2};
  struct Header {
    enum class Kind { kEquals, kRegex, kPresent, kAbsent };
    std::string name;
    Kind kind = Kind::kPresent;
    std::string text;  // kEquals: the value; kRegex: an ECMAScript regex (searched)

    bool operator==(const Header&) const = default;
  };
  std::vector<Header> headers;
  struct Body {
    enum class Kind { kAny, kEquals, kRegex, kContains, kJson };
    Kind kind = Kind::kAny;
    std::string text;     // kEquals, kContains: the text; kRegex: a regex (searched)
    std::string pointer;  // kJson: a JSON pointer into the body
    std::string value;    // kJson: the JSON value expected there, as JSON text

    bool operator==(const Body&) const = default;
  };
  Body body;

  bool operator==(const HttpExpectation&) const = default;
};

// An http op: the request each operation sends (templates as in "send").
struct HttpRequestSpec {
  std::string method = "GET";
  std::string path = "/";  // a template; the target's base path goes before it
  std::vector<std::pair<std::string, std::string>> headers;  // values are templates
  std::string body;                                          // a template, unless body_from_file
  bool body_from_file = false;              // body holds "body_file"'s bytes, sent as they are
  std::optional<Duration> connect_timeout;  // none: the op's timeout
  bool keep_alive = true;
  // Keep-alive connections the fleet's clients share, split over the load
  // threads; 0: a connection per client.
  int connections = 0;
  // Requests in flight on one shared connection, replies read in order
  // (HTTP/1.1 pipelining); 1: one at a time.
  int pipeline = 1;
  std::size_t max_body = kMaxReplyBytes;
  HttpExpectation expect;

  bool operator==(const HttpRequestSpec&) const = default;
};

// What each client of a fleet does, one iteration at a time.
enum class Workload {
  kEcho,     // udp/tcp: send a payload, judge the reply
  kBuy,      // tickets: SEARCH (optional) then BUY
  kProduce,  // queue: PUT a unique item
  kConsume,  // queue: GET an item, then DONE it; drains the queue at the end
  kSubmit,   // pool: SUBMIT tasks and await their RESULTs
};

inline const char* workload_name(Workload w) {
  switch (w) {
    case Workload::kEcho:
      return "echo";
    case Workload::kBuy:
      return "buy";
    case Workload::kProduce:
      return "produce";
    case Workload::kConsume:
      return "consume";
    case Workload::kSubmit:
      return "submit";
  }
  return "?";
}

struct OpSpec {
  // Names the op's figures (summary.json, thresholds' {op:NAME}, the
  // Prometheus op label). A single echo "op" is named as its figures always
  // were: "datagram" (udp), "message" (tcp). Other workloads' single op is
  // named after the workload; their drivers name their own steps (search
  // and buy, put, get and done, submit).
  std::string name;
  // In a mix ("ops"): each iteration draws this op with a chance of
  // weight / the sum of the fleet's weights.
  std::int64_t weight = 1;
  Workload workload = Workload::kEcho;
  // kEcho
  std::string send;  // a payload template (harness/core/payload_template.hpp)
  Expectation expect;
  FramingSpec framing;
  // TCP, any load model, with an expectation that identifies its request:
  // how many clients share one connection, each with one request
  // outstanding, sent on it in order (pipelined). 1: a connection per client.
  int clients_per_connection = 1;
  // kEcho against an http target: the request and its expectation.
  HttpRequestSpec http;
  // kBuy
  bool search_first = true;
  // kSubmit
  std::int64_t n_max = 1000;  // n is drawn from 1..n_max
  Duration work = std::chrono::milliseconds(1);
  int inflight = 1;  // SUBMITs a client keeps outstanding
  // every workload: bound on each request's wait for its reply
  Duration timeout = std::chrono::seconds(1);

  bool operator==(const OpSpec&) const = default;
};

struct FleetSpec {
  std::string name;
  std::string target;
  int clients = 1;
  // What each iteration does: one op ("op"), or a mix drawn by weight
  // ("ops", echo workloads only); never empty, every op of one workload.
  std::vector<OpSpec> ops = std::vector<OpSpec>(1);
  // Declared hosts (RemoteHostSpec::name) whose drover agents run the
  // clients, split as evenly as they go, the first hosts taking one more;
  // empty: this machine.
  std::vector<std::string> hosts;
  // "require_answer": false turns off this fleet's fleet_answered invariant
  // (at least one correct answer during the load), for a fleet that probes
  // something expected to refuse it.
  bool require_answer = true;

  bool operator==(const FleetSpec&) const = default;

  bool is_mix() const { return ops.size() > 1; }
  // The first op: what the fleet does unless it is a mix, and for a mix
  // what every op shares (the workload).
  const OpSpec& first_op() const { return ops.front(); }
  OpSpec& first_op() { return ops.front(); }
  // Whether some op judges its replies (replies_correct applies).
  bool checks_replies() const {
    return std::any_of(ops.begin(), ops.end(),
                       [](const OpSpec& op) { return op.expect.kind != Expectation::Kind::kAny; });
  }
  // The longest any op waits for its reply.
  Duration longest_timeout() const {
    Duration longest{0};
    for (const OpSpec& op : ops) longest = std::max(longest, op.timeout);
    return longest;
  }
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

// HTTP responses of one status class: a threshold's metric is written
// "http.status{class:5xx}" (its class is part of the metric's name).
inline constexpr std::string_view kHttpStatusMetric = "http.status";

struct ThresholdSpec {
  // "latency.p99", "errors.rate", "errors.count", "throughput", "ops",
  // "http.status{class:5xx}"
  std::string metric;
  std::string fleet;  // empty: the whole run ("latency.p99{fleet:clients}" otherwise)
  Comparison comparison = Comparison::kLess;
  double limit = 0;  // in the metric's unit: ms for latency, ratio, ops/s, count
  std::string text;  // as written: "< 20ms"
  // Like k6's abortOnFail: judged on the figures so far every second of
  // the load (from delay_abort_eval on), and failing stops the load.
  bool abort_on_fail = false;
  Duration delay_abort_eval{0};
  // Non-empty: one op's figures ("latency.p99{op:get}"): of `fleet`, or of
  // the one fleet that has an op of that name when fleet is empty.
  std::string op;
  // Non-zero: a windowed latency threshold ("latency.p99[30s]"), which
  // must hold in every window of this many whole seconds as well as over
  // the whole run.
  Duration window{0};

  bool operator==(const ThresholdSpec&) const = default;
};

// One stage: the arrival rate (stages model) or the number of active
// clients per fleet (closed model) the load ramps to, linearly, by the
// stage's end.
struct Stage {
  Duration duration{};
  double target = 0;

  bool operator==(const Stage&) const = default;
};

struct LoadSpec {
  enum class Model {
    kClosed,    // N clients, each starting its next iteration when the last ended
    kOpen,      // arrivals on a fixed schedule per fleet, regardless of replies
    kStages,    // the open model with a rate ramping linearly stage by stage
    kCapacity,  // open-model steps of rising rate until the SLO fails
  };
  Model model = Model::kClosed;
  Duration duration = std::chrono::seconds(10);  // for stages: the sum of the stages
  Duration think_time{0};                        // closed
  std::optional<std::uint64_t> iterations;       // closed: per client
  // closed with stages: client k of a fleet runs while the stages' client
  // count is above k, ramping from start_clients; duration is their sum.
  double start_clients = 0;
  double rate = 0;        // open: iterations per second, per fleet
  int max_inflight = 0;   // open, stages: 0 = no limit beyond the fleet's clients
  double start_rate = 0;  // stages: the rate at the start of the first stage
  std::vector<Stage> stages;
  // capacity: rates from, from*factor, ... up to `to`, each held for
  // step_duration, then halving the interval between the highest rate met
  // and the lowest missed until (missed - met) / met <= resolution
  // (harness/scenario/capacity_steps.hpp); the capacity is the highest rate
  // whose step met the slo.
  double from = 0, to = 0, factor = 2;
  double resolution = 0.05;
  Duration step_duration = std::chrono::seconds(5);
  std::vector<ThresholdSpec> slo;

  bool operator==(const LoadSpec&) const = default;
};

// An invariant checked on a target: the reference target's defaults (e.g.
// no_oversell for ticket_db) plus those the scenario asks for.
struct CheckSpec {
  Invariant invariant = Invariant::kNoZombies;
  std::string target;
  // no_oversell: the stock; exactly_once: the maxsize; pool_complete: the
  // workers. From the reference target's args, or given in the scenario.
  std::int64_t parameter = 0;

  bool operator==(const CheckSpec&) const = default;
};

// A network fault, carried out by the fault proxy drover places between the
// target and its fleets (harness/faults/fault_proxy.hpp).
struct NetworkFaultSpec {
  enum class Mode { kDrop, kLatency, kBandwidth, kReset, kBlackhole };
  Mode mode = Mode::kDrop;
  double rate = 0;                // kDrop: the share of datagrams (UDP) or connections (TCP)
  Duration latency{};             // kLatency: added to each datagram or chunk
  Duration jitter{};              // kLatency: +- uniformly
  std::uint64_t bytes_per_s = 0;  // kBandwidth

  bool operator==(const NetworkFaultSpec&) const = default;
};

// A fault the nemesis causes during the load ("faults" in a scenario).
struct FaultSpec {
  enum class Action { kKill, kTerminate, kPause, kResume, kKillWorker, kNetwork, kPartition };
  Action action = Action::kKill;
  std::string target;
  Duration at{};     // since the load started: the first time
  Duration every{};  // zero: once; else again every so long until the load ends
  // pause, network, partition: how long it lasts (zero for pause: until a
  // resume or the end of the load; for a partition: until the load ends).
  Duration length{};
  std::optional<Duration> restart_after;  // kill, terminate: start it again after
  NetworkFaultSpec network;               // kNetwork
  // kPartition: the declared hosts the target's host is cut off from (a
  // target named in "from" stands for its host); empty: from everything
  // but drover's SSH control connection to it.
  std::vector<std::string> partition_from;
  std::string at_pointer;  // "/faults/0", for messages

  bool operator==(const FaultSpec&) const = default;
};

const char* fault_action_name(FaultSpec::Action action);

struct Scenario {
  std::string name;
  std::string description;
  Expect expect = Expect::kPass;  // "violation": catching one is the pass
  std::vector<TargetSpec> targets;
  std::vector<FleetSpec> fleets;
  LoadSpec load;
  std::vector<ThresholdSpec> thresholds;
  std::vector<CheckSpec> checks;
  std::vector<FaultSpec> faults;
  std::vector<RemoteHostSpec> hosts;
  std::vector<SetupStepSpec> setup;  // in order, before any target starts
  std::vector<DataFileSpec> data;
  std::string file;  // absolute path of the scenario file

  const TargetSpec* find_target(const std::string& name) const {
    for (const auto& t : targets)
      if (t.name == name) return &t;
    return nullptr;
  }
  const RemoteHostSpec* find_host(const std::string& name) const {
    for (const auto& h : hosts)
      if (h.name == name) return &h;
    return nullptr;
  }

  bool operator==(const Scenario&) const = default;
};

}  // namespace drover
