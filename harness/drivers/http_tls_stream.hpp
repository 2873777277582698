// HTTPS: an HttpStream over TLS (tls.hpp), which connects over TCP, then
// handshakes with the target's TlsClient, resuming its kept session when
// the server takes it.
#pragma once

#include <memory>
#include <string>

#include "harness/drivers/http_stream.hpp"
#include "harness/drivers/tls.hpp"

namespace drover {

// Streams that speak TLS through client, which they share; target names
// the server in handshake errors ("target \"web\" at 127.0.0.1:8443").
// The handshake has no deadline of its own: the connect's, which closes
// the stream, bounds it.
HttpStreamMaker tls_http_streams(std::shared_ptr<TlsClient> client, std::string target);

}  // namespace drover
