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
       {}},
      {"tcp_fork_echo",
       Protocol::kTcp,
       "forks one process per TCP connection that upper-cases what it reads",
       {
           {"max_children",
            T::kInt,
            0,
            100'000,
            {},
            "stop accepting while this many children run (0: no limit)"},
           {"no_reap", T::kBool, 0, 0, {}, "broken twin: never reaps children, leaving zombies"},
       },
       {"no_zombies"}},
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
