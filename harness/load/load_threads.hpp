// How many load threads a machine's clients get when no --threads was
// given: one per core, less one for each target running on that machine,
// so the targets keep cores of their own. A load thread per core beside a
// local server takes the server's core whenever both are busy, and the
// wait shows as tail latency that is the harness's, not the target's.
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string_view>

#include "harness/scenario/scenario.hpp"

namespace drover {

// The load threads of one machine: how many, and how they wait for what
// comes next (a reply, a due arrival, a timer).
struct LoadThreads {
  std::size_t count = 1;
  // false: a thread with nothing to do sleeps in the kernel until a reply
  // or a timer wakes it, and the wake-up (tens to hundreds of microseconds
  // on a virtual machine) shows in the latency of the operation it was for;
  // an open model sends what fell due within a short quantum together.
  // true: each thread polls without pause, never sleeping, as sockperf
  // does: it takes a whole core each however light the load, and every
  // arrival goes out at its due time. For measuring a server's latency
  // floor, on cores the server does not need.
  bool busy_poll = false;
};

// max(1, cores - local_targets); cores 0 (unknown) counts as one core.
std::size_t default_load_threads(std::size_t cores, std::size_t local_targets);

// Whether a host as an address writes it is the machine's own loopback:
// 127.0.0.0/8, ::1 or "localhost".
bool is_loopback_host(std::string_view host);

// The scenario's targets on the machine `host` names (a declared SSH host;
// empty: the machine drover runs on): the targets drover starts there
// (reference and command targets) and, on drover's own machine, address or
// url targets whose host is a loopback address. (A fleet on a host never
// drives a loopback address: that is drover's machine, which it cannot
// reach.)
std::size_t local_targets(const Scenario& scenario, std::string_view host = {});

}  // namespace drover
