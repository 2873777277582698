// tcp_fork_echo's async model: every connection served in this one process,
// by one thread watching one level-triggered epoll set, with the same
// protocol as the fork model (bytes in, the same bytes upper-cased out,
// until EOF). It is the model for measuring a load generator with thousands
// of connections, where thousands of forked processes would be what gets
// measured; so it spends as little as it can per message: per ready
// connection one read and one send, no handler, coroutine or allocation.
//
// A connection holds no buffer while it waits: on readability the server
// reads into the one buffer all connections share, upper-cases it and sends
// it at once (non-blocking). Only bytes the socket does not take at once are
// copied into the connection's own buffer, and the connection is not read
// again until they are sent.
#pragma once

#include <cstdint>

namespace drover::target {

// The broken twins: counted over all connections, 0 = never.
struct AsyncFaults {
  std::uint64_t corrupt_every = 0;  // every Nth reply's first byte is changed
  std::uint64_t close_every = 0;    // the connection is closed after every Nth reply
};

// Serves the connections accepted on `listener` (a listening TCP socket)
// until SIGTERM or SIGINT is read from `signal_fd` (a signalfd); then stops
// accepting, closes every connection, prints one stats line on stderr and
// returns. Takes ownership of both descriptors. Call it from the main
// thread, once.
void serve_async(int listener, int signal_fd, AsyncFaults faults = {});

}  // namespace drover::target
