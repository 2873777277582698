#include "harness/scenario/reference_targets.hpp"

namespace drover {
namespace {

TargetArg int_arg(std::string name, std::int64_t min, std::int64_t max, std::int64_t fallback,
                  std::string help) {
  return {std::move(name),          TargetArg::Type::kInt, min, max, {},
          std::to_string(fallback), std::move(help)};
}

TargetArg choice_arg(std::string name, std::vector<std::string> choices, std::string help) {
  std::string fallback = choices.front();  // each target's first choice is its default
  return {std::move(name),     TargetArg::Type::kChoice, 0, 0, std::move(choices),
          std::move(fallback), std::move(help)};
}

TargetArg flag_arg(std::string name, std::string help) {
  return {std::move(name), TargetArg::Type::kBool, 0, 0, {}, "", std::move(help)};
}

constexpr std::int64_t kEveryMax = 1'000'000'000;

ReferenceTarget udp_echo() {
  return {"udp_echo",
          Protocol::kUdp,
          "replies to each datagram with its upper-cased bytes (workers or thread-per-datagram)",
          {
              choice_arg("model", {"workers", "thread-per-datagram"},
                         "workers: N threads, each with its own socket, recvmmsg/sendmmsg; "
                         "thread-per-datagram: a new thread per datagram, like Python's "
                         "ThreadingUDPServer"),
              int_arg("threads", 1, 256, 2, "worker threads (model workers)"),
              int_arg("batch", 1, 1024, 32, "datagrams per recvmmsg/sendmmsg call (model workers)"),
              int_arg("corrupt_every", 0, kEveryMax, 0,
                      "broken twin: about every Nth reply is wrong (0: never)"),
          },
          {},
          {},
          {}};
}

ReferenceTarget tcp_fork_echo() {
  return {"tcp_fork_echo",
          Protocol::kTcp,
          "forks one process per TCP connection that upper-cases what it reads",
          {
              choice_arg("model", {"fork", "async"},
                         "fork: a process per connection, as the classic lesson; async: every "
                         "connection in this one process (one epoll set), for thousands of "
                         "clients"),
              int_arg("max_children", 0, 100'000, 0,
                      "model fork: while this many children are alive, stop accepting (0: no "
                      "limit)"),
              flag_arg("no_reap",
                       "model fork, broken twin: finished children are never reaped (they "
                       "stay zombies)"),
              int_arg("corrupt_every", 0, kEveryMax, 0,
                      "model async, broken twin: every Nth reply's first byte is changed (0: "
                      "never)"),
              int_arg("close_every", 0, kEveryMax, 0,
                      "model async, broken twin: the connection is closed after every Nth "
                      "reply (0: never)"),
          },
          {},
          {{Invariant::kNoZombies, ""}},
          {}};
}

ReferenceTarget ticket_db() {
  return {"ticket_db",
          Protocol::kTickets,
          "sells tickets from a JSON file, one forked process per BUY (--lock none oversells)",
          {
              int_arg("stock", 1, 1'000'000'000, 100, "tickets written to the file at start"),
              choice_arg("lock", {"file", "none"},
                         "file: each purchase holds flock(LOCK_EX) on FILE.lock; none: broken "
                         "twin, no lock (oversells)"),
              int_arg("read_delay", 0, 10'000, 1,
                      "ms of simulated database latency after reading the file"),
              int_arg("write_delay", 0, 10'000, 1,
                      "ms of simulated database latency before writing it"),
          },
          {
              {"--file", "a path", "tickets.json",
               "the JSON file of the count (drover runs each target in a work folder of its own)"},
              {"--keep", "", "",
               "keep an existing file's count instead of writing the stock (drover adds it when "
               "the nemesis starts the target again)"},
          },
          {{Invariant::kNoOversell, "stock"}},
          {"--keep"}};
}

ReferenceTarget queue_broker() {
  return {"queue_broker",
          Protocol::kQueue,
          "a bounded producer/consumer queue with task_done and join (broken twins lose or "
          "redeliver)",
          {
              int_arg("maxsize", 1, 1'000'000, 16, "most items queued at once"),
              int_arg("wait", 1, 60'000, 1000,
                      "ms a PUT waits while the queue is full and a GET while it is empty"),
              int_arg("join_wait", 1, 600'000, 10'000, "ms a JOIN waits for every task to be done"),
              choice_arg("bug", {"none", "lose", "redeliver"},
                         "broken twins: lose acknowledges some PUTs and drops the item; "
                         "redeliver hands some items out twice"),
              int_arg("bug_every", 1, 1'000'000, 20,
                      "the bug hits every Nth accepted PUT or handed-out GET"),
          },
          {},
          {{Invariant::kExactlyOnce, "maxsize"}},
          {}};
}

ReferenceTarget worker_pool() {
  return {"worker_pool",
          Protocol::kPool,
          "a pre-forked pool of worker processes answering SUBMIT with an asynchronous RESULT",
          {
              int_arg("workers", 1, 256, 4, "worker processes"),
              choice_arg("bug", {"none", "overcommit", "drop"},
                         "broken twins: overcommit runs one task more than workers at once; drop "
                         "loses results"),
              int_arg("bug_every", 1, 1'000'000, 20,
                      "with bug drop: every Nth result is dropped (overcommit ignores it)"),
          },
          {},
          {{Invariant::kPoolComplete, "workers"}},
          {}};
}

}  // namespace

const TargetArg* ReferenceTarget::arg(std::string_view name) const {
  for (const TargetArg& a : args)
    if (a.name == name) return &a;
  return nullptr;
}

const std::vector<ReferenceTarget>& reference_targets() {
  static const std::vector<ReferenceTarget> kTargets{udp_echo(), tcp_fork_echo(), ticket_db(),
                                                     queue_broker(), worker_pool()};
  return kTargets;
}

const ReferenceTarget* find_reference_target(std::string_view kind) {
  for (const auto& t : reference_targets())
    if (t.kind == kind) return &t;
  return nullptr;
}

std::int64_t default_parameter(const ReferenceTarget& target, const DefaultCheck& check) {
  const TargetArg* arg = target.arg(check.parameter_arg);
  return arg == nullptr ? 0 : std::stoll(arg->default_value);
}

std::string flag_for_arg(std::string_view arg_name) {
  std::string flag = "--";
  for (char c : arg_name) flag += (c == '_') ? '-' : c;
  return flag;
}

}  // namespace drover
