// Open-model UDP arrivals of one load thread's share of a fleet, on one
// socket shared by the share's clients: due requests go out together with
// sendmmsg (same-sized ones as one UDP_SEGMENT message), replies are read in
// batches with recvmmsg when the socket is readable and matched to their
// requests by content (ReplyMatcher), and one timer per share ends the
// operations that passed their timeout. Nothing allocates per operation;
// the clock is read once per request (its deadline) and once per batch of
// replies.
//
// Outcomes are those of a client's own socket (UdpSession): ok, wrong_reply,
// timeout (then a reply that still comes is a late reply), connect_error
// (ICMP port unreachable, charged to the oldest outstanding request) and
// io_error. A duplicate reply counts as late, never as another's answer.
//
// Only for expectations that identify their request (echo, upper, equals).
// A fleet's mix of ops (op_mix.hpp) runs here too: each client draws each
// request's op from its own stream, and records to that op's slot; the one
// socket is shared by every op, and a late reply, whose op is not known,
// counts under the first.
// Not thread-safe: one io_context thread, which it must outlive.
#pragma once

#include <vector>

#include "harness/drivers/arrival_batch.hpp"
#include "harness/drivers/client_log.hpp"
#include "harness/drivers/op_mix.hpp"
#include "harness/drivers/udp_plan.hpp"

namespace drover {

// plans: one per op of the fleet, weighted by mix; plans and mix outlive
// the batch.
ArrivalBatchPtr make_udp_arrivals(asio::io_context& io, const std::vector<UdpPlan>& plans,
                                  const OpMix& mix, std::vector<ClientLog> clients,
                                  ArrivalBatch::Done done);

}  // namespace drover
