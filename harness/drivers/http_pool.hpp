// One load thread's keep-alive connections to an http target, shared by
// that thread's clients of one fleet (the op's "connections"), each
// carrying up to "pipeline" requests at once (HTTP/1.1 pipelining, RFC 9112
// section 9.3.2).
//
// A client asks for a connection with a free place; when there is none it
// waits, in FIFO order, for at most the op's timeout (then its request is a
// timeout that says it waited for a free connection). The request's own
// timeout starts once it has its place. An open connection with room is
// preferred (the least busy); a closed one is connected by the request that
// takes it, so the pool never holds more connections than its size. On a
// connection, requests go out in the order they took their places and
// replies are read in that order, each by its own request when it comes to
// the front.
//
// Failures: whatever ends a connection (a reset, the server's close, a
// write or read error, a timeout) fails every request on it: the one being
// answered with its own class, the ones behind it with the same class
// (reset when the front one's reply was malformed or too large), each
// recorded with its own example. The connection is connected again by the
// next request that takes it. As with a connection of its own, a request
// sent on a reused connection that the server had closed before any byte
// of a reply came is sent once more. A reply that closes the connection
// (Connection: close) ends it after that reply: the requests behind it,
// whose replies never began, are sent again on a connection, as a new
// request would be.
//
// Unread bytes are bounded as on a connection of its own: a connection
// reads a chunk at a time, and only while a reply is wanted.
//
// Not thread-safe: a pool and its clients live on one io_context thread.
// The pool must outlive its clients' coroutines; its clients share it.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include "harness/drivers/deadline.hpp"
#include "harness/drivers/http_exchange.hpp"
#include "harness/drivers/http_stream.hpp"

namespace drover {

class HttpConnectionPool {
 public:
  HttpConnectionPool(asio::io_context& io, asio::ip::tcp::endpoint target, std::size_t pipeline,
                     HttpStreamMaker make_stream);
  HttpConnectionPool(const HttpConnectionPool&) = delete;
  HttpConnectionPool& operator=(const HttpConnectionPool&) = delete;
  ~HttpConnectionPool();

  // How many connections the pool holds; set before any request.
  void resize(std::size_t connections);
  std::size_t size() const { return connections_.size(); }

  // A request's place, and a connection (http_pool.cpp).
  struct Request;
  struct Connection;

 private:
  friend class HttpPoolClient;

  // Places req on a connection at once, if none waits before it.
  bool try_assign(Request& req);
  void enqueue(Request& req) { waiting_.push_back(&req); }
  void withdraw(Request& req);
  // Hands free places to the waiting requests, oldest first.
  void grant();
  Connection* assignable();
  void assign(Connection& c, Request& req);
  // Ends c: every request on it fails with outcome (see above).
  void fail(Connection& c, Outcome outcome, const std::string& error);
  // The front request of c has its whole reply.
  void replied(Connection& c);
  // Lets go of a connection that never connected (its one request is done).
  void release(Connection& c);
  void close_stream(Connection& c);
  void leave();

  asio::io_context& io_;
  asio::ip::tcp::endpoint target_;
  std::size_t pipeline_;
  HttpStreamMaker make_stream_;
  std::vector<std::unique_ptr<Connection>> connections_;
  std::deque<Request*> waiting_;
  std::size_t clients_ = 0;
};

// One client's side of a pool: one request at a time, bounded by its own
// deadline (a watcher per client, as a client with its own connection has).
// A connection this client opens is told to connected (for its TLS
// handshake's figures). close() ends its timers; the last client to close
// closes the pool's connections.
class HttpPoolClient {
 public:
  using Connected = std::function<void(const HttpStream::Connected&)>;

  HttpPoolClient(asio::io_context& io, std::shared_ptr<HttpConnectionPool> pool,
                 Duration deadline_period, Connected connected = {});
  ~HttpPoolClient();
  HttpPoolClient(const HttpPoolClient&) = delete;
  HttpPoolClient& operator=(const HttpPoolClient&) = delete;

  // Sends x.wire on a connection of the pool and reads its reply into x.
  asio::awaitable<Outcome> exchange(HttpExchange& x, const HttpLimits& limits);
  void close();

 private:
  asio::awaitable<Outcome> once(HttpExchange& x, const HttpLimits& limits);
  asio::awaitable<Outcome> connect(HttpExchange& x, const HttpLimits& limits);
  asio::awaitable<void> flush();
  asio::awaitable<Outcome> read_reply(HttpExchange& x, const HttpLimits& limits);
  // Sleeps until woken while still(): the pool wakes a client when its
  // request's state changes.
  asio::awaitable<void> wait_while(const std::function<bool()>& still);
  void expired();

  std::shared_ptr<HttpConnectionPool> pool_;
  Connected connected_;
  std::unique_ptr<HttpConnectionPool::Request> request_;
  asio::steady_timer wake_;
  asio::steady_timer pause_;
  Deadline deadline_;
  // What the armed deadline bounds.
  enum class Phase { kIdle, kWaiting, kConnecting, kSending } phase_ = Phase::kIdle;
  bool closed_ = false;
};

}  // namespace drover
