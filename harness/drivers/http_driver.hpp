// HTTP/1.1: each client keeps one connection (keep-alive), connecting on
// first use and again after the server closes it or an error; requests are
// never pipelined. A request that finds its kept-alive connection closed
// before any byte of the reply came is sent once more on a new one (the
// server may close an idle connection at any time). Connecting is bounded
// by the op's connect_timeout (connect_timeout), the request and its reply
// by its timeout (timeout); a reset or a close mid-reply is reset, bytes
// that are not a response malformed_reply, a body past max_body
// reply_too_large. Redirects are not followed. Open models run a session
// per client. Over TLS (streams from http_tls_stream.hpp) a connect is the
// TCP connect and the handshake, within connect_timeout; a handshake that
// fails is tls_error, and each that succeeds is recorded with its time
// (ClientLog::handshake), apart from the request's latency.
//
// With the op's "connections", the fleet's clients share that many
// connections instead, a pool per load thread (http_pool.hpp), each
// connection carrying up to "pipeline" requests at once.
#pragma once

#include "harness/drivers/driver.hpp"
#include "harness/drivers/endpoint.hpp"
#include "harness/drivers/http_stream.hpp"

namespace drover {

// host: the Host header's value (the target's "host:port"). data: the
// run's data files, which the ops' templates may name. streams: how
// connections are made; empty: plain TCP.
DriverPtr make_http_driver(const std::vector<OpSpec>& ops, const Endpoint& target,
                           const std::string& host, const DataCatalog& data,
                           HttpStreamMaker streams = {});

}  // namespace drover
