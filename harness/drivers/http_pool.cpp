#include "harness/drivers/http_pool.hpp"

#include <algorithm>

#include "harness/drivers/failure_rule.hpp"

namespace drover {

struct HttpConnectionPool::Request {
  enum class State {
    kWaiting,   // for a place on a connection
    kAssigned,  // on conn, in its queue
    kFailed,    // its connection ended (outcome), or it waited too long
    kResend,    // its connection closed before its reply began
  };
  HttpExchange* x = nullptr;
  asio::steady_timer* wake = nullptr;
  State state = State::kWaiting;
  Connection* conn = nullptr;
  Outcome outcome = Outcome::kOk;
  bool reused = false;               // its connection had answered before it took its place
  std::uint64_t bytes_at_start = 0;  // its connection's reply bytes then
  bool unanswered = false;           // no reply byte came on its connection since
};

struct HttpConnectionPool::Connection {
  HttpStreamPtr stream;
  bool open = false;
  std::deque<Request*> queue;  // in the order sent; the front one reads
  std::string out;             // requests not yet written
  bool writing = false;
  boost::beast::flat_buffer buffer;  // unread bytes
  HttpReplyReader reader;
  std::uint64_t reply_bytes = 0;  // read since it was connected
  // Counts the connection's ends, so a coroutine resumed after one knows
  // the connection it was using is gone.
  std::uint64_t generation = 0;
};

namespace {

using State = HttpConnectionPool::Request::State;

void wake(HttpConnectionPool::Request& req) {
  req.wake->cancel();
}

}  // namespace

HttpConnectionPool::HttpConnectionPool(asio::io_context& io, asio::ip::tcp::endpoint target,
                                       std::size_t pipeline, HttpStreamMaker make_stream)
    : io_(io), target_(target), pipeline_(pipeline), make_stream_(std::move(make_stream)) {}

HttpConnectionPool::~HttpConnectionPool() = default;

void HttpConnectionPool::resize(std::size_t connections) {
  while (connections_.size() > connections) connections_.pop_back();
  while (connections_.size() < connections) {
    connections_.push_back(std::make_unique<Connection>());
    connections_.back()->stream = make_stream_(io_);
  }
}

bool HttpConnectionPool::try_assign(Request& req) {
  if (!waiting_.empty()) return false;
  Connection* c = assignable();
  if (c == nullptr) return false;
  assign(*c, req);
  return true;
}

void HttpConnectionPool::withdraw(Request& req) {
  auto it = std::find(waiting_.begin(), waiting_.end(), &req);
  if (it != waiting_.end()) waiting_.erase(it);
}

void HttpConnectionPool::grant() {
  while (!waiting_.empty()) {
    Connection* c = assignable();
    if (c == nullptr) return;
    Request& req = *waiting_.front();
    waiting_.pop_front();
    assign(*c, req);
    wake(req);
  }
}

HttpConnectionPool::Connection* HttpConnectionPool::assignable() {
  Connection* best = nullptr;
  for (auto& c : connections_) {
    if (c->open && c->queue.size() < pipeline_ && (!best || c->queue.size() < best->queue.size()))
      best = c.get();
  }
  if (best != nullptr) return best;
  // A closed one, connected by the request that takes it, alone on it
  // until it is open.
  for (auto& c : connections_) {
    if (!c->open && c->queue.empty()) return c.get();
  }
  return nullptr;
}

void HttpConnectionPool::assign(Connection& c, Request& req) {
  req.state = State::kAssigned;
  req.conn = &c;
  // As with a connection of its own: one that has answered before, which
  // the server may since have closed as idle.
  req.reused = c.open && c.reply_bytes > 0;
  req.bytes_at_start = c.reply_bytes;
  c.queue.push_back(&req);
  // Appended now, so requests go out in the order of the queue whichever
  // of their clients resumes first.
  c.out += req.x->wire;
}

void HttpConnectionPool::fail(Connection& c, Outcome outcome, const std::string& error) {
  bool front = true;
  for (Request* req : c.queue) {
    req->state = State::kFailed;
    req->unanswered = c.reply_bytes == req->bytes_at_start;
    // A connection a reply broke is closed, which is all the requests
    // behind it meet.
    bool broken = outcome == Outcome::kMalformedReply || outcome == Outcome::kReplyTooLarge;
    req->outcome = front || !broken ? outcome : Outcome::kReset;
    req->x->error = front || !broken ? error : "";
    if (!front) {
      req->x->behind = "a request sent before it on the same connection ended it (" +
                       std::string(outcome_name(outcome)) + ")";
    }
    front = false;
    wake(*req);
  }
  c.queue.clear();
  close_stream(c);
  grant();
}

void HttpConnectionPool::replied(Connection& c) {
  Request& done = *c.queue.front();
  c.queue.pop_front();
  if (!done.x->reply.keep_alive) {
    // The server reads no request after this one: the ones behind it are
    // sent again, on whichever connection has room.
    for (Request* req : c.queue) {
      req->state = State::kResend;
      wake(*req);
    }
    c.queue.clear();
    close_stream(c);
  } else if (!c.queue.empty()) {
    wake(*c.queue.front());
  }
  grant();
}

void HttpConnectionPool::release(Connection& c) {
  c.queue.clear();
  close_stream(c);
  grant();
}

void HttpConnectionPool::close_stream(Connection& c) {
  ++c.generation;
  c.open = false;
  c.writing = false;
  c.out.clear();
  c.buffer.clear();
  c.stream->close();
}

void HttpConnectionPool::leave() {
  if (--clients_ > 0) return;
  for (auto& c : connections_) c->stream->close();
}

HttpPoolClient::HttpPoolClient(asio::io_context& io, std::shared_ptr<HttpConnectionPool> pool,
                               Duration deadline_period, Connected connected)
    : pool_(std::move(pool)),
      connected_(std::move(connected)),
      request_(std::make_unique<HttpConnectionPool::Request>()),
      wake_(io),
      pause_(io),
      deadline_(io, deadline_period) {
  ++pool_->clients_;
  request_->wake = &wake_;
  deadline_.start(io, [this] { expired(); });
}

HttpPoolClient::~HttpPoolClient() = default;

void HttpPoolClient::close() {
  if (closed_) return;
  closed_ = true;
  deadline_.stop();
  pause_.cancel();
  wake_.cancel();
  pool_->withdraw(*request_);
  pool_->leave();
}

asio::awaitable<Outcome> HttpPoolClient::exchange(HttpExchange& x, const HttpLimits& limits) {
  bool retried = false;
  for (;;) {
    Outcome outcome = co_await once(x, limits);
    if (closed_) co_return outcome;
    // Behind a reply that closed the connection: never began, sent again.
    if (request_->state == State::kResend) continue;
    // A kept-alive connection the server had closed: no reply began, so
    // the request is sent again, once.
    bool lost = outcome == Outcome::kReset || outcome == Outcome::kIoError;
    if (lost && !retried && request_->reused && request_->unanswered) {
      retried = true;
      continue;
    }
    co_return outcome;
  }
}

asio::awaitable<Outcome> HttpPoolClient::once(HttpExchange& x, const HttpLimits& limits) {
  HttpConnectionPool::Request& req = *request_;
  x.reset();
  req = HttpConnectionPool::Request{&x, &wake_};
  if (!pool_->try_assign(req)) {
    pool_->enqueue(req);
    phase_ = Phase::kWaiting;
    deadline_.arm(Clock::now() + limits.timeout);
    co_await wait_while([&req] { return req.state == State::kWaiting; });
    deadline_.disarm();
    phase_ = Phase::kIdle;
    if (req.state == State::kWaiting) co_return Outcome::kIoError;  // closed meanwhile
  }
  if (req.state != State::kAssigned) co_return req.outcome;
  if (!req.conn->open) {
    Outcome connected = co_await connect(x, limits);
    if (connected != Outcome::kOk) co_return connected;
  }
  phase_ = Phase::kSending;
  deadline_.arm(Clock::now() + limits.timeout);
  co_await flush();
  co_await wait_while(
      [&req] { return req.state == State::kAssigned && req.conn->queue.front() != &req; });
  Outcome outcome = req.state == State::kAssigned ? co_await read_reply(x, limits) : req.outcome;
  deadline_.disarm();
  phase_ = Phase::kIdle;
  co_return outcome;
}

asio::awaitable<Outcome> HttpPoolClient::connect(HttpExchange& x, const HttpLimits& limits) {
  HttpConnectionPool::Connection& c = *request_->conn;
  if (closed_) {
    pool_->release(c);
    co_return Outcome::kIoError;
  }
  phase_ = Phase::kConnecting;
  deadline_.arm(Clock::now() + limits.connect_timeout);
  HttpStream::Connected r = co_await c.stream->connect(pool_->target_);
  bool expired = deadline_.expired();
  deadline_.disarm();
  phase_ = Phase::kIdle;
  if (!r.ec && r.tls_error.empty()) {
    if (connected_) connected_(r);
    c.open = true;
    c.buffer.clear();
    c.reply_bytes = 0;
    pool_->grant();  // pipelined requests may follow this one now
    co_return Outcome::kOk;
  }
  x.error = http_connect_error(r, expired);
  c.stream->close();
  // The connection stays taken for the pause, so no other client tries it
  // again at once.
  pause_.expires_after(kHttpReconnectPause);
  boost::system::error_code ignored;
  co_await pause_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  pool_->release(c);
  co_return http_connect_failure(r, expired);
}

asio::awaitable<void> HttpPoolClient::flush() {
  HttpConnectionPool::Connection& c = *request_->conn;
  if (c.writing) co_return;  // the client writing now writes this one too
  c.writing = true;
  const std::uint64_t generation = c.generation;
  std::string sending;
  while (!c.out.empty()) {
    sending.swap(c.out);
    HttpStream::Result w = co_await c.stream->write(sending);
    if (generation != c.generation) co_return;  // ended meanwhile
    sending.clear();
    if (w.ec) {
      pool_->fail(c, http_stream_failure(w.ec, false), error_text(w.ec));
      co_return;
    }
  }
  c.writing = false;
}

asio::awaitable<Outcome> HttpPoolClient::read_reply(HttpExchange& x, const HttpLimits& limits) {
  using Status = HttpReplyReader::Status;
  HttpConnectionPool::Connection& c = *request_->conn;
  const std::uint64_t generation = c.generation;
  c.reader.start(limits.max_body, limits.head);
  keep_raw_reply(x.raw, c.buffer, c.buffer.size());
  for (;;) {
    Status status = c.reader.feed(c.buffer, x.reply);
    if (status == Status::kNeedMore) {
      HttpStream::Result r = co_await c.stream->read_some(c.buffer.prepare(kHttpReadChunk));
      if (generation != c.generation) co_return request_->outcome;  // a deadline ended it
      c.buffer.commit(r.bytes);
      c.reply_bytes += r.bytes;
      keep_raw_reply(x.raw, c.buffer, r.bytes);
      if (!r.ec) continue;
      if (r.ec == asio::error::eof) status = c.reader.end_of_stream(x.reply);
      if (status == Status::kNeedMore) {
        pool_->fail(c, http_stream_failure(r.ec, false), error_text(r.ec));
        co_return request_->outcome;
      }
    }
    if (status == Status::kDone) {
      x.replied = true;
      pool_->replied(c);
      co_return Outcome::kOk;
    }
    x.error = c.reader.error();
    pool_->fail(c, status == Status::kTooLarge ? Outcome::kReplyTooLarge : Outcome::kMalformedReply,
                x.error);
    co_return request_->outcome;
  }
}

asio::awaitable<void> HttpPoolClient::wait_while(const std::function<bool()>& still) {
  boost::system::error_code ignored;
  while (still() && !closed_) {
    wake_.expires_at(TimePoint::max());
    co_await wake_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
}

// The armed deadline passed: a waiting request gives up its place in the
// queue; a connecting one its connection; one sent ends its connection (its
// place in the stream of replies is lost), and every request on it times
// out with it. A request given its place just before its wait ran out has
// not been sent: it goes on.
void HttpPoolClient::expired() {
  HttpConnectionPool::Request& req = *request_;
  switch (phase_) {
    case Phase::kWaiting:
      if (req.state != State::kWaiting) return;
      pool_->withdraw(req);
      req.state = State::kFailed;
      req.outcome = Outcome::kTimeout;
      req.x->waited = true;
      wake_.cancel();
      return;
    case Phase::kConnecting:
      req.conn->stream->close();  // connect() sees the deadline
      return;
    case Phase::kSending:
      if (req.state == State::kAssigned) pool_->fail(*req.conn, Outcome::kTimeout, "");
      return;
    case Phase::kIdle:
      return;
  }
}

}  // namespace drover
