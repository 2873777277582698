#include "harness/drivers/http_driver.hpp"

#include <algorithm>

#include "harness/core/shown_bytes.hpp"
#include "harness/drivers/deadline.hpp"
#include "harness/drivers/failure_rule.hpp"
#include "harness/drivers/http_expectation.hpp"
#include "harness/drivers/http_reply.hpp"
#include "harness/drivers/http_request.hpp"
#include "harness/drivers/http_stream.hpp"
#include "harness/drivers/op_mix.hpp"

namespace drover {
namespace {

using tcp = asio::ip::tcp;

// After a failed connect a client waits this long before its next attempt,
// so a dead target is not hammered by a busy loop of refused connects.
constexpr auto kReconnectPause = std::chrono::milliseconds(10);
constexpr std::size_t kReadChunk = 16 * 1024;
// What of a reply's raw bytes a failure example may show.
constexpr std::size_t kRawKept = 4 * kShownBytesLimit;
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
};

struct HttpOps {
  std::vector<HttpPlan> plans;
  std::vector<std::string> names;
  OpMix mix;
  tcp::endpoint target;
  HttpStreamMaker make_stream;  // plain TCP, or TLS
  Duration shortest_timeout;    // how often an idle deadline watcher wakes
};

// How one exchange ended, beyond its outcome: for the failure example.
struct Exchange {
  std::string wire;      // the request as sent
  std::string raw;       // the reply's first bytes as received
  HttpReply reply;       // when a whole reply came
  std::string error;     // what error_text() or the parser said
  std::string rule;      // the expectation's, for a wrong reply
  bool replied = false;  // a whole reply came

  // For the next exchange, keeping the strings' capacity: the request is
  // rendered into wire and the reply read into reply (its fields reused).
  void reset() {
    raw.clear();
    error.clear();
    rule.clear();
    replied = false;
  }
};

class HttpSession final : public ClientSession {
 public:
  HttpSession(asio::io_context& io, const HttpOps& ops, ClientLog log)
      : log_(std::move(log)),
        ops_(ops),
        stream_(ops.make_stream(io)),
        pause_(io),
        deadline_(io, ops.shortest_timeout),
        draws_(ops.mix, log_.op_draw_seed()),
        client_(log_.index_in_fleet()),
        random_state_(log_.random_seed()) {
    deadline_.start(io, [this] { stream_->close(); });
  }

  asio::awaitable<void> iterate(std::uint64_t seq, TimePoint intended_start) override {
    std::size_t op = draws_.next();
    op_ = op;
    Outcome outcome = co_await perform(ops_.plans[op], seq);
    if (last_.replied) log_.status_class(op, status_class(last_.reply.status));
    TimePoint ended = Clock::now();
    if (outcome == Outcome::kOk) {
      log_.op(op, outcome, intended_start, ended);
      co_return;
    }
    log_.failed(op, outcome, intended_start, ended,
                [&](FailureExample& e) { describe(e, ops_.plans[op], outcome); });
  }

  void close() override {
    closed_ = true;
    deadline_.stop();
    pause_.cancel();
    stream_->close();
  }

 private:
  asio::awaitable<Outcome> perform(const HttpPlan& plan, std::uint64_t seq) {
    last_.reset();
    rows_.clear();
    if (!plan.request.render(last_.wire, scratch_, client_, seq, random_state_, &rows_))
      co_return Outcome::kDataExhausted;
    bool reused = stream_->is_open();
    Outcome outcome = co_await exchange(plan);
    // A kept-alive connection the server had closed: no reply began, so
    // the request is sent again, once, on a new connection.
    if (reused && (outcome == Outcome::kReset || outcome == Outcome::kIoError) &&
        !reader_.started()) {
      last_.error.clear();
      outcome = co_await exchange(plan);
    }
    if (outcome != Outcome::kOk) co_return outcome;
    if (!plan.keep_alive || !last_.reply.keep_alive) stream_->close();
    last_.rule = plan.check.judge(last_.reply);
    co_return last_.rule.empty() ? Outcome::kOk : Outcome::kWrongReply;
  }

  asio::awaitable<Outcome> exchange(const HttpPlan& plan) {
    if (!stream_->is_open()) {
      Outcome connected = co_await connect(plan);
      if (connected != Outcome::kOk) co_return connected;
    }
    deadline_.arm(Clock::now() + plan.timeout);
    Outcome outcome = co_await send_and_read(plan);
    deadline_.disarm();
    co_return outcome;
  }

  asio::awaitable<Outcome> connect(const HttpPlan& plan) {
    if (closed_) co_return Outcome::kIoError;
    buffer_.clear();
    deadline_.arm(Clock::now() + plan.connect_timeout);
    HttpStream::Connected r = co_await stream_->connect(ops_.target);
    bool expired = deadline_.expired();
    deadline_.disarm();
    if (!r.ec && r.tls_error.empty()) {
      if (r.handshook) log_.handshake(op_, r.handshake_time, r.resumed);
      co_return Outcome::kOk;
    }
    Outcome outcome = expired ? Outcome::kConnectTimeout
                      : r.ec  ? Outcome::kConnectError
                              : Outcome::kTlsError;
    last_.error = expired ? std::string() : r.ec ? error_text(r.ec) : r.tls_error;
    stream_->close();
    pause_.expires_after(kReconnectPause);
    boost::system::error_code ignored;
    co_await pause_.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    co_return outcome;
  }

  asio::awaitable<Outcome> send_and_read(const HttpPlan& plan) {
    reader_.start(plan.max_body, plan.head);
    HttpStream::Result w = co_await stream_->write(last_.wire);
    if (w.ec) co_return failed(w.ec);
    for (;;) {
      HttpReplyReader::Status status = reader_.feed(buffer_, last_.reply);
      if (status == HttpReplyReader::Status::kNeedMore) {
        HttpStream::Result r = co_await stream_->read_some(buffer_.prepare(kReadChunk));
        buffer_.commit(r.bytes);
        keep_raw(r.bytes);
        if (!r.ec) continue;
        if (r.ec == asio::error::eof && !deadline_.expired())
          status = reader_.end_of_stream(last_.reply);
        if (status == HttpReplyReader::Status::kNeedMore) co_return failed(r.ec);
      }
      if (status == HttpReplyReader::Status::kDone) {
        last_.replied = true;
        co_return Outcome::kOk;
      }
      last_.error = reader_.error();
      stream_->close();
      co_return status == HttpReplyReader::Status::kTooLarge ? Outcome::kReplyTooLarge
                                                             : Outcome::kMalformedReply;
    }
  }

  // The bytes just committed to buffer_, while the example has room.
  void keep_raw(std::size_t n) {
    if (n == 0 || last_.raw.size() >= kRawKept) return;
    auto data = buffer_.data();
    std::string_view all(static_cast<const char*>(data.data()), data.size());
    std::string_view fresh = all.substr(all.size() - n);
    last_.raw.append(fresh.substr(0, kRawKept - last_.raw.size()));
  }

  Outcome failed(const boost::system::error_code& ec) {
    bool timed_out = deadline_.expired();
    last_.error = timed_out ? std::string() : error_text(ec);
    stream_->close();
    if (timed_out) return Outcome::kTimeout;
    if (ec == asio::error::eof || ec == asio::error::connection_reset ||
        ec == asio::error::broken_pipe)
      return Outcome::kReset;
    return Outcome::kIoError;
  }

  void describe(FailureExample& e, const HttpPlan& plan, Outcome outcome) const {
    e.request = show_bytes(last_.wire);
    if (outcome == Outcome::kWrongReply) {
      e.received = show_bytes(last_.reply.text(), kReplyShown);
      e.rule = last_.rule;
      return;
    }
    if (!last_.raw.empty()) e.received = show_bytes(last_.raw, kReplyShown);
    if (outcome == Outcome::kReplyTooLarge) {
      e.rule = "the reply was too large: " + last_.error + " (" + std::to_string(plan.max_body) +
               " bytes)";
      return;
    }
    Duration timeout = outcome == Outcome::kConnectTimeout ? plan.connect_timeout : plan.timeout;
    e.rule = unanswered_rule(outcome, timeout, last_.error, plan.max_body);
  }

  ClientLog log_;
  const HttpOps& ops_;
  HttpStreamPtr stream_;
  asio::steady_timer pause_;
  Deadline deadline_;
  OpDraws draws_;
  std::uint64_t client_;
  std::size_t op_ = 0;  // the op under way, whose connect a handshake counts for
  std::uint64_t random_state_;
  RowsTaken rows_;
  std::string scratch_;               // rendering buffer of the request's templates
  boost::beast::flat_buffer buffer_;  // the connection's unread bytes
  HttpReplyReader reader_;
  Exchange last_;
  bool closed_ = false;
};

class HttpDriver final : public Driver {
 public:
  explicit HttpDriver(HttpOps ops) : ops_(std::move(ops)) {}
  const std::vector<std::string>& op_names() const override { return ops_.names; }
  ClientSessionPtr open(asio::io_context& io, ClientLog log) override {
    return std::make_unique<HttpSession>(io, ops_, std::move(log));
  }

 private:
  HttpOps ops_;
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
  return std::make_unique<HttpDriver>(std::move(out));
}

}  // namespace drover
