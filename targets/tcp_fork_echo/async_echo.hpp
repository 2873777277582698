// tcp_fork_echo's async model: every connection served in this one process,
// by one thread running Boost.Asio coroutines, with the same protocol as the
// fork model (bytes in, the same bytes upper-cased out, until EOF). It is
// the model for measuring a load generator with thousands of connections,
// where thousands of forked processes would be what gets measured.
//
// A connection holds no buffer while it waits: it waits for readability,
// reads into the one buffer all connections share, upper-cases it and sends
// it at once (non-blocking). Only bytes the socket does not take at once are
// copied into the connection's own buffer, until they are sent.
#pragma once

namespace drover::target {

// Serves the connections accepted on `listener` (a listening TCP socket)
// until SIGTERM or SIGINT is read from `signal_fd` (a signalfd); then stops
// accepting, closes every connection, prints one stats line on stderr and
// returns. Takes ownership of both descriptors. Call it from the main
// thread, once.
void serve_async(int listener, int signal_fd);

}  // namespace drover::target
