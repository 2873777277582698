// TCP arrivals of one load thread's share of a fleet: the open models' due
// arrivals, or the closed model's clients when they share connections
// (LoadRun::pace_shared). The share's
// connections are plain non-blocking sockets watched by one epoll set of
// their own, which the io_context waits on as one descriptor: no coroutine,
// handler or timer per client or per operation. A due request is rendered
// and appended to its connection's outgoing bytes, and flush() sends them
// (one send per connection with something to send); when the set is
// readable, each ready connection is read once (recv into one buffer the
// share holds) and the whole replies in it judged; one timer per share ends
// the operations that passed their timeout. Nothing allocates per operation
// once the buffers have grown; the clock is read once per request (its
// deadline) and once per batch of ready connections.
//
// A client has one request outstanding at a time (a fleet's clients are its
// concurrent users, and max_inflight counts them). By default each client
// has a connection of its own, as a TcpSession does. With the op's
// clients_per_connection N > 1, every N clients of the share share one
// connection (client i uses connection i mod ceil(clients / N)): their
// requests go out on it in the order they start, pipelined, and since TCP
// keeps order, replies are taken in the same order (a FIFO of the clients
// waiting on the connection), framed as a line or as many bytes as were sent.
//
// Outcomes are counted as a TcpSession counts them:
// - ok or wrong_reply by the fleet's expectation;
// - timeout when no whole reply came within the timeout: the connection is
//   dropped (its position in the stream is unknown) and the next operation
//   connects again;
// - connect_error when a connection cannot be made (refused, unreachable),
//   io_error when it breaks (reset, closed by the server) with operations
//   outstanding. After a failed connect the client stays busy for a short
//   pause (as a TcpSession does), so a dead target is not hammered. A
//   connection that breaks while nothing is outstanding on it fails the next
//   operation on it with io_error, as a TcpSession's next write or read
//   would.
// On a shared connection whatever ends the connection ends every operation
// still outstanding on it the same way: when the oldest times out, the others
// on it time out with it.
// Connections are opened when the batch is made, before the load starts.
//
// Only for expectations that identify their request (echo, upper, equals);
// TcpDriver keeps a session per client for the others.
// Not thread-safe: one io_context thread, which it must outlive.
#pragma once

#include <vector>

#include "harness/drivers/arrival_batch.hpp"
#include "harness/drivers/client_log.hpp"
#include "harness/drivers/tcp_plan.hpp"

namespace drover {

ArrivalBatchPtr make_tcp_arrivals(asio::io_context& io, const TcpPlan& plan,
                                  std::vector<ClientLog> clients, ArrivalBatch::Done done);

}  // namespace drover
