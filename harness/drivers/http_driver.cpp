#include "harness/drivers/http_driver.hpp"

#include <algorithm>
#include <mutex>
#include <optional>

#include "harness/core/duration.hpp"
#include "harness/core/shown_bytes.hpp"
#include "harness/drivers/deadline.hpp"
#include "harness/drivers/failure_rule.hpp"
#include "harness/drivers/http_expectation.hpp"
#include "harness/drivers/http_pool.hpp"
#include "harness/drivers/http_reply.hpp"
#include "harness/drivers/http_request.hpp"
#include "harness/drivers/http_stream.hpp"
#include "harness/drivers/op_mix.hpp"

namespace drover {
namespace {

using tcp = asio::ip::tcp;

// An HTTP reply's headers alone often pass kShownBytesLimit: its example
// shows this much, so the body's start is there too.
constexpr std::size_t kReplyShown = 4 * kShownBytesLimit;

// What every client does for one op; immutable, shared by the fleet's threads.
struct HttpPlan {
  HttpRequestBuilder request;
  HttpReplyCheck check;
  Duration timeout;
  Duration connect_timeout;
  std::size_t max_body;
  bool keep_alive;
  bool head;  // a HEAD's response has no body

  HttpLimits limits() const { return {timeout, connect_timeout, max_body, head}; }
};

struct HttpOps {
  std::vector<HttpPlan> plans;
  std::vector<std::string> names;
  OpMix mix;
  tcp::endpoint target;
  HttpStreamMaker make_stream;  // plain TCP, or TLS: every connection's stream
  Duration shortest_timeout;    // how often an idle deadline watcher wakes
  std::size_t connections = 0;  // shared by the fleet's clients; 0: one each
  std::size_t pipeline = 1;
};

// The failure example of an exchange that ended in outcome.
void describe_failure(FailureExample& e, const HttpPlan& plan, const HttpExchange& x,
                      Outcome outcome) {
  e.request = show_bytes(x.wire);
  if (outcome == Outcome::kWrongReply) {
    e.received = show_bytes(x.reply.text(), kReplyShown);
    e.rule = x.rule;
    return;
  }
  if (!x.raw.empty()) e.received = show_bytes(x.raw, kReplyShown);
  if (outcome == Outcome::kReplyTooLarge) {
    e.rule =
        "the reply was too large: " + x.error + " (" + std::to_string(plan.max_body) + " bytes)";
  } else if (x.waited) {
    e.rule = "waited more than " + format_duration(plan.timeout) +
             " for a free connection (all of the pool's connections were busy)";
  } else {
    Duration timeout = outcome == Outcome::kConnectTimeout ? plan.connect_timeout : plan.timeout;
    e.rule = unanswered_rule(outcome, timeout, x.error, plan.max_body);
  }
  if (!x.behind.empty()) e.rule += "; " + x.behind;
}

// What every http client does with an op, whichever connection carries
// it: draws the op, renders its request, judges the reply and records the
// outcome, with a failure example when it failed. send() carries the
// request.
class HttpClient : public ClientSession {
 public:
  asio::awaitable<void> iterate(std::uint64_t seq, TimePoint intended_start) final {
    std::size_t op = draws_.next();
    op_ = op;
    const HttpPlan& plan = ops_.plans[op];
    Outcome outcome = render(plan, seq) ? co_await send(plan) : Outcome::kDataExhausted;
    if (outcome == Outcome::kOk) {
      last_.rule = plan.check.judge(last_.reply);
      if (!last_.rule.empty()) outcome = Outcome::kWrongReply;
    }
    if (last_.replied) log_.status_class(op, status_class(last_.reply.status));
    TimePoint ended = Clock::now();
    if (outcome == Outcome::kOk) {
      log_.op(op, outcome, intended_start, ended);
      co_return;
    }
    log_.failed(op, outcome, intended_start, ended,
                [&](FailureExample& e) { describe_failure(e, plan, last_, outcome); });
  }

 protected:
  HttpClient(const HttpOps& ops, ClientLog log)
      : log_(std::move(log)),
        ops_(ops),
        draws_(ops.mix, log_.op_draw_seed()),
        client_(log_.index_in_fleet()),
        random_state_(log_.random_seed()) {}

  // Sends last_.wire and reads its reply into last_: ok when a whole
  // reply came (which iterate() then judges).
  virtual asio::awaitable<Outcome> send(const HttpPlan& plan) = 0;

  // A connection opened for the op under way: its TLS handshake, if any,
  // is recorded for that op, apart from the request's latency.
  void connected(const HttpStream::Connected& r) {
    if (r.handshook) log_.handshake(op_, r.handshake_time, r.resumed);
  }

 private:
  bool render(const HttpPlan& plan, std::uint64_t seq) {
    last_.reset();
    rows_.clear();
    return plan.request.render(last_.wire, scratch_, client_, seq, random_state_, &rows_);
  }

  ClientLog log_;

 protected:
  const HttpOps& ops_;
  HttpExchange last_;

 private:
  OpDraws draws_;
  std::uint64_t client_;
  std::size_t op_ = 0;  // the op under way, whose connect a handshake counts for
  std::uint64_t random_state_;
  RowsTaken rows_;
  std::string scratch_;  // rendering buffer of the request's templates
};

// A client with a connection of its own.
class HttpSession final : public HttpClient {
 public:
  HttpSession(asio::io_context& io, const HttpOps& ops, ClientLog log)
      : HttpClient(ops, std::move(log)),
        stream_(ops.make_stream(io)),
        pause_(io),
        deadline_(io, ops.shortest_timeout) {
    deadline_.start(io, [this] { stream_->close(); });
  }

  void close() override {
    closed_ = true;
    deadline_.stop();
    pause_.cancel();
    stream_->close();
  }

 private:
  // Sends the request and reads its reply in one coroutine beside
  // iterate()'s: each nested one costs a frame allocation and a resumption.
  asio::awaitable<Outcome> send(const HttpPlan& plan) override {
    bool reused = stream_->is_open();
    for (;;) {
      if (!stream_->is_open()) {
        Outcome connected = co_await connect(plan);
        if (connected != Outcome::kOk) co_return connected;
      }
      deadline_.arm(Clock::now() + plan.timeout);
      reader_.start(plan.max_body, plan.head);
      HttpStream::Result r = co_await stream_->write(last_.wire);
      std::optional<Outcome> outcome = r.ec ? failed(r.ec) : take_reply({});
      while (!outcome) {
        r = co_await stream_->read_some(buffer_.prepare(kHttpReadChunk));
        buffer_.commit(r.bytes);
        keep_raw_reply(last_.raw, buffer_, r.bytes);
        outcome = take_reply(r.ec);
      }
      deadline_.disarm();
      // A kept-alive connection the server had closed: no reply began, so
      // the request is sent again, once, on a new connection.
      if (reused && (outcome == Outcome::kReset || outcome == Outcome::kIoError) &&
          !reader_.started()) {
        reused = false;
        last_.error.clear();
        continue;
      }
      if (outcome == Outcome::kOk && (!plan.keep_alive || !last_.reply.keep_alive))
        stream_->close();
      co_return *outcome;
    }
  }

  asio::awaitable<Outcome> connect(const HttpPlan& plan) {
    if (closed_) co_return Outcome::kIoError;
    buffer_.clear();
    deadline_.arm(Clock::now() + plan.connect_timeout);
    HttpStream::Connected r = co_await stream_->connect(ops_.target);
    bool expired = deadline_.expired();
    deadline_.disarm();
    if (!r.ec && r.tls_error.empty()) {
      connected(r);
      co_return Outcome::kOk;
    }
    Outcome outcome = http_connect_failure(r, expired);
    last_.error = http_connect_error(r, expired);
    stream_->close();
    pause_.expires_after(kHttpReconnectPause);
    boost::system::error_code ignored;
    co_await pause_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    co_return outcome;
  }

  // What the reply read so far comes to after a read that ended with ec:
  // nothing while it needs more bytes.
  std::optional<Outcome> take_reply(const boost::system::error_code& ec) {
    using Status = HttpReplyReader::Status;
    Status status = Status::kNeedMore;
    if (!ec) {
      status = reader_.feed(buffer_, last_.reply);
      if (status == Status::kNeedMore) return std::nullopt;
    } else {
      if (ec == asio::error::eof && !deadline_.expired())
        status = reader_.end_of_stream(last_.reply);
      if (status == Status::kNeedMore) return failed(ec);
    }
    if (status == Status::kDone) {
      last_.replied = true;
      return Outcome::kOk;
    }
    last_.error = reader_.error();
    stream_->close();
    return status == Status::kTooLarge ? Outcome::kReplyTooLarge : Outcome::kMalformedReply;
  }

  Outcome failed(const boost::system::error_code& ec) {
    bool timed_out = deadline_.expired();
    last_.error = timed_out ? std::string() : error_text(ec);
    stream_->close();
    return http_stream_failure(ec, timed_out);
  }

  HttpStreamPtr stream_;
  asio::steady_timer pause_;
  Deadline deadline_;
  boost::beast::flat_buffer buffer_;  // the connection's unread bytes
  HttpReplyReader reader_;
  bool closed_ = false;
};

// A client of a fleet whose clients share a thread's pool of connections
// ("connections"): it sends on whichever connection of the pool has room.
class PooledHttpSession final : public HttpClient {
 public:
  PooledHttpSession(asio::io_context& io, const HttpOps& ops,
                    std::shared_ptr<HttpConnectionPool> pool, ClientLog log)
      : HttpClient(ops, std::move(log)),
        pool_(io, std::move(pool), ops.shortest_timeout,
              [this](const HttpStream::Connected& r) { connected(r); }) {}

  void close() override { pool_.close(); }

 private:
  asio::awaitable<Outcome> send(const HttpPlan& plan) override {
    co_return co_await pool_.exchange(last_, plan.limits());
  }

  HttpPoolClient pool_;
};

class HttpDriver final : public Driver {
 public:
  explicit HttpDriver(HttpOps ops) : ops_(std::move(ops)) {}
  const std::vector<std::string>& op_names() const override { return ops_.names; }
  ClientSessionPtr open(asio::io_context& io, ClientLog log) override {
    if (ops_.connections == 0) return std::make_unique<HttpSession>(io, ops_, std::move(log));
    return std::make_unique<PooledHttpSession>(io, ops_, pool_for(io), std::move(log));
  }

 private:
  // The pool of io's load thread. The fleet's connections are split as
  // evenly as they go over the threads holding its clients (the first
  // ones one more), at least one each: every client is opened (by
  // LoadRun::start) before the load threads run, so each pool has its
  // size before its first request.
  std::shared_ptr<HttpConnectionPool> pool_for(asio::io_context& io) {
    std::lock_guard lock(mutex_);
    std::erase_if(pools_, [](const auto& p) { return p.second.expired(); });
    for (const auto& [owner, pool] : pools_)
      if (owner == &io) return pool.lock();
    auto pool =
        std::make_shared<HttpConnectionPool>(io, ops_.target, ops_.pipeline, ops_.make_stream);
    pools_.emplace_back(&io, pool);
    const std::size_t n = ops_.connections;
    const std::size_t threads = pools_.size();
    for (std::size_t k = 0; k < threads; ++k)
      pools_[k].second.lock()->resize(std::max<std::size_t>(1, n / threads + (k < n % threads)));
    return pool;
  }

  HttpOps ops_;
  std::mutex mutex_;  // pools_, in open()
  // Each load thread's pool, owned by its clients (so it goes before its
  // io_context does).
  std::vector<std::pair<asio::io_context*, std::weak_ptr<HttpConnectionPool>>> pools_;
};

HttpPlan http_plan_for(const OpSpec& op, const std::string& host, const DataCatalog& data) {
  auto request = HttpRequestBuilder::make(op.http, host, "", &data);
  if (!request) throw std::invalid_argument("invalid http request: " + request.error());
  return {std::move(*request),
          HttpReplyCheck(op.http.expect),
          op.timeout,
          op.http.connect_timeout.value_or(op.timeout),
          op.http.max_body,
          op.http.keep_alive,
          op.http.method == "HEAD"};
}

}  // namespace

DriverPtr make_http_driver(const std::vector<OpSpec>& ops, const Endpoint& target,
                           const std::string& host, const DataCatalog& data,
                           HttpStreamMaker streams) {
  if (!streams) streams = make_tcp_http_stream;
  HttpOps out{{},
              {},
              OpMix({}),
              tcp::endpoint(target.address, target.port),
              std::move(streams),
              ops.front().timeout};
  std::vector<std::int64_t> weights;
  for (const OpSpec& op : ops) {
    out.plans.push_back(http_plan_for(op, host, data));
    out.names.push_back(op.name.empty() ? "request" : op.name);
    weights.push_back(op.weight);
    out.shortest_timeout =
        std::min({out.shortest_timeout, op.timeout, op.http.connect_timeout.value_or(op.timeout)});
  }
  out.mix = OpMix(weights);
  // A mix refuses them: the fleet's one op says.
  out.connections = static_cast<std::size_t>(ops.front().http.connections);
  out.pipeline = static_cast<std::size_t>(std::max(1, ops.front().http.pipeline));
  return std::make_unique<HttpDriver>(std::move(out));
}

}  // namespace drover
