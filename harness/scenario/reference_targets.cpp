#include "harness/scenario/reference_targets.hpp"

namespace drover {

const std::vector<ReferenceTarget>& reference_targets() {
  using T = TargetArg::Type;
  static const std::vector<ReferenceTarget> kTargets{
      {"udp_echo",
       Protocol::kUdp,
       "replies to each datagram with its upper-cased bytes (workers or thread-per-datagram)",
       {
           {"model",
            T::kChoice,
            0,
            0,
            {"workers", "thread-per-datagram"},
            "workers: N threads with recvmmsg/sendmmsg; thread-per-datagram: like "
            "Python's ThreadingUDPServer"},
           {"threads", T::kInt, 1, 256, {}, "worker threads (model workers)"},
           {"batch", T::kInt, 1, 1024, {}, "datagrams per recvmmsg/sendmmsg (model workers)"},
           {"corrupt_every",
            T::kInt,
            0,
            1'000'000'000,
            {},
            "broken twin: every Nth reply is wrong (0: never)"},
       },
       {},
       {}},
      {"tcp_fork_echo",
       Protocol::kTcp,
       "forks one process per TCP connection that upper-cases what it reads",
       {
           {"model",
            T::kChoice,
            0,
            0,
            {"fork", "async"},
            "fork: a process per connection; async: every connection in one process "
            "(one epoll set), for thousands of clients"},
           {"max_children",
            T::kInt,
            0,
            100'000,
            {},
            "stop accepting while this many children run (0: no limit)"},
           {"no_reap", T::kBool, 0, 0, {}, "broken twin: never reaps children, leaving zombies"},
           {"corrupt_every",
            T::kInt,
            0,
            1'000'000'000,
            {},
            "broken twin (model async): every Nth reply is wrong (0: never)"},
           {"close_every",
            T::kInt,
            0,
            1'000'000'000,
            {},
            "broken twin (model async): closes the connection after every Nth reply (0: never)"},
       },
       {{Invariant::kNoZombies, "", 0}},
       {}},
      {"ticket_db",
       Protocol::kTickets,
       "sells tickets from a JSON file, one forked process per BUY (--lock none oversells)",
       {
           {"stock", T::kInt, 1, 1'000'000'000, {}, "tickets in stock at start (default 100)"},
           {"lock",
            T::kChoice,
            0,
            0,
            {"file", "none"},
            "file: serialise each sale with flock; none: the broken twin that oversells"},
           {"read_delay", T::kInt, 0, 10'000, {}, "simulated read latency, ms (default 1)"},
           {"write_delay", T::kInt, 0, 10'000, {}, "simulated write latency, ms (default 1)"},
       },
       {{Invariant::kNoOversell, "stock", 100}},
       {"--keep"}},
      {"queue_broker",
       Protocol::kQueue,
       "a bounded producer/consumer queue with task_done and join (broken twins lose or redeliver)",
       {
           {"maxsize", T::kInt, 1, 1'000'000, {}, "most items queued at once (default 16)"},
           {"wait", T::kInt, 1, 60'000, {}, "ms a PUT waits while full, a GET while empty"},
           {"join_wait", T::kInt, 1, 600'000, {}, "ms a JOIN waits for every item to be done"},
           {"bug",
            T::kChoice,
            0,
            0,
            {"none", "lose", "redeliver"},
            "broken twins: lose acknowledged items, or hand items out twice"},
           {"bug_every", T::kInt, 1, 1'000'000, {}, "how often the bug strikes (every Nth)"},
       },
       {{Invariant::kExactlyOnce, "maxsize", 16}},
       {}},
      {"worker_pool",
       Protocol::kPool,
       "a pre-forked pool of worker processes answering SUBMIT with an asynchronous RESULT",
       {
           {"workers", T::kInt, 1, 256, {}, "worker processes (default 4)"},
           {"bug",
            T::kChoice,
            0,
            0,
            {"none", "overcommit", "drop"},
            "broken twins: run N+1 tasks at once, or lose results"},
           {"bug_every", T::kInt, 1, 1'000'000, {}, "how often drop strikes (every Nth result)"},
       },
       {{Invariant::kPoolComplete, "workers", 4}},
       {}},
  };
  return kTargets;
}

const ReferenceTarget* find_reference_target(std::string_view kind) {
  for (const auto& t : reference_targets())
    if (t.kind == kind) return &t;
  return nullptr;
}

std::string flag_for_arg(std::string_view arg_name) {
  std::string flag = "--";
  for (char c : arg_name) flag += (c == '_') ? '-' : c;
  return flag;
}

}  // namespace drover
