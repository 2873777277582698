// A fault-injecting network proxy, in the spirit of Toxiproxy: drover places
// it between a fleet and its target and, during a run, makes the network
// between them lose, delay, throttle, reset or swallow traffic. Debian 12's
// kernel has no netem qdisc, so faults come from user space.
//
// The proxy listens on listen_host:0 (the kernel picks the port; read it back
// with port() or address()) and forwards to one upstream host:port, serving
// every client on one thread of its own with one io_context. At most one
// fault is active at a time; apply() replaces it, clear() removes it. A fault
// is judged when traffic is read: bytes already queued (delayed) when the
// fault changes are delivered as planned.
//
// Directions: "request" is client -> target, "reply" is target -> client.
//
// UDP (one upstream socket per client source address, connected to the
// target, so replies find their client; closed after 60 s without traffic):
//  - kDrop: each request datagram is dropped with probability `rate`;
//    replies are never dropped, so the loss a client sees is `rate`.
//    stats().dropped counts the dropped requests.
//  - kLatency: each request datagram is delayed by latency + U(-jitter,
//    +jitter) (never below zero); replies are not delayed, so a round trip
//    grows by latency +- jitter. Datagrams are released from one timer
//    queue by their due time, so jitter can reorder them, as on a network.
//  - kBandwidth: each direction of each client is a link of bytes_per_s: a
//    datagram is released when it has "crossed" the link, i.e. at
//    max(now, link free) + size / bytes_per_s, so bursts queue up in order.
//  - kBlackhole and kReset: every datagram, both directions, is swallowed
//    and counted in stats().blackholed (a reset has no meaning for UDP).
//  Datagrams waiting in the delay queue are bounded (32 MiB in total);
//  beyond that they are dropped and counted in stats().dropped.
//
// TCP (each accepted connection gets its own upstream connection, or is
// reset if the target refuses or does not answer within 3 s; bytes are pumped
// both ways in chunks, as read; half-closes and resets are passed on):
//  - kDrop: each NEW connection is reset (RST, so the client sees
//    ECONNRESET on its first read or write) with probability `rate`; open
//    connections are untouched, since dropping bytes would corrupt the
//    stream. stats().dropped counts the refused connections.
//  - kLatency: each request chunk is delayed by latency + U(-jitter,
//    +jitter), but never delivered before the chunk read before it: a
//    stream keeps its order. Replies are not delayed.
//  - kBandwidth: each direction of each connection is a link of bytes_per_s
//    (as for UDP); the proxy reads at most about 1/50 s of bytes at a time.
//  - kReset: applying it resets every open connection (SO_LINGER 0 and
//    close, on both sides), and while it lasts new connections are reset as
//    soon as they are accepted. stats().resets counts reset connections.
//  - kBlackhole: connections stay open (new ones are accepted and connected
//    upstream) but bytes read either way are discarded and counted, chunk
//    by chunk, in stats().blackholed. After clear() the same connections
//    forward again from the next byte read; what was swallowed is lost.
//  Each direction of a connection buffers at most 1 MiB of delayed bytes;
//  beyond that the proxy stops reading, so the sender is slowed by TCP
//  flow control rather than the proxy growing without bound.
//
// Thread-safety: apply(), clear(), stats(), port() and address() may be
// called from any thread, concurrently. Construction and destruction must not
// race with any other call.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "harness/core/clock.hpp"

namespace drover {

enum class ProxyTransport { kTcp, kUdp };

struct NetworkFault {
  enum class Mode { kNone, kDrop, kLatency, kBandwidth, kReset, kBlackhole };
  Mode mode = Mode::kNone;
  double rate = 0;                // kDrop: probability in [0, 1]
  Duration latency{};             // kLatency: added to each request, one way
  Duration jitter{};              // kLatency: uniform in [-jitter, +jitter]
  std::uint64_t bytes_per_s = 0;  // kBandwidth: per direction, > 0
};

// Counts of datagrams (UDP) or chunks (TCP), both directions together, except
// where the header comment above says connections.
struct ProxyStats {
  std::uint64_t forwarded = 0;   // sent on to their destination
  std::uint64_t dropped = 0;     // UDP requests dropped; TCP connections refused
  std::uint64_t delayed = 0;     // held back by kLatency or kBandwidth
  std::uint64_t resets = 0;      // TCP connections reset by kReset
  std::uint64_t blackholed = 0;  // swallowed by kBlackhole (or kReset, UDP)
};

class FaultProxy {
 public:
  // Binds listen_host:0 and resolves upstream_host:upstream_port, then starts
  // forwarding on its own thread. Throws std::runtime_error naming the
  // address on failure. seed drives drops and jitter (std::mt19937_64).
  FaultProxy(ProxyTransport transport, std::string upstream_host, int upstream_port,
             std::uint64_t seed, std::string listen_host = "127.0.0.1");
  // Stops and joins the thread (within about half a second) and closes every
  // socket, connections still open included (their clients see the end of
  // the stream); datagrams and chunks still delayed are discarded.
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  int port() const;
  std::string address() const;  // "127.0.0.1:PORT", "[::1]:PORT"

  // Replaces the current fault. Takes effect for traffic read after it
  // returns; kReset's reset of open TCP connections follows within a moment
  // (it runs on the proxy's thread). Throws std::invalid_argument for a rate
  // outside [0, 1], a negative latency or jitter, or kBandwidth at 0 B/s.
  void apply(const NetworkFault& fault);
  void clear();  // back to a plain forwarder
  ProxyStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace drover
