#include "harness/drivers/tcp_driver.hpp"

#include <algorithm>

#include "harness/core/shown_bytes.hpp"
#include "harness/drivers/expectation.hpp"
#include "harness/drivers/failure_rule.hpp"
#include "harness/drivers/framing.hpp"
#include "harness/drivers/line_channel.hpp"
#include "harness/drivers/op_mix.hpp"
#include "harness/drivers/tcp_arrivals.hpp"
#include "harness/drivers/tcp_plan.hpp"

namespace drover {
namespace {

using tcp = asio::ip::tcp;

// A fleet's ops, one plan each (one for a single op), and how each
// iteration draws among them.
struct TcpOps {
  std::vector<TcpPlan> plans;
  std::vector<std::string> names;
  OpMix mix;
  // The shortest op's timeout: how often an idle deadline watcher wakes,
  // so no op's deadline is noticed late.
  Duration shortest_timeout;
};

class TcpSession final : public ClientSession {
 public:
  TcpSession(asio::io_context& io, const TcpOps& ops, ClientLog log)
      : log_(std::move(log)),
        ops_(ops),
        channel_(io, ops.plans.front().target, ops.shortest_timeout),
        draws_(ops.mix, log_.op_draw_seed()),
        client_(log_.index_in_fleet()),
        random_state_(log_.random_seed()) {
    for (const TcpPlan& plan : ops.plans) {
      framers_.emplace_back(plan.framing);
      checks_.emplace_back(plan.expectation, &plan.data);
    }
  }

  asio::awaitable<void> iterate(std::uint64_t seq, TimePoint intended_start) override {
    std::size_t op = draws_.next();
    Outcome outcome = co_await perform(op, seq);
    TimePoint ended = Clock::now();
    if (outcome == Outcome::kOk) {
      log_.op(op, outcome, intended_start, ended);
      co_return;
    }
    log_.failed(op, outcome, intended_start, ended,
                [&](FailureExample& e) { describe(e, op, outcome, seq); });
  }

  void close() override { channel_.close(); }

 private:
  asio::awaitable<Outcome> perform(std::size_t op, std::uint64_t seq) {
    const TcpPlan& plan = ops_.plans[op];
    random_before_ = random_state_;
    error_.clear();
    reply_.clear();
    rows_.clear();
    if (!plan.payload.render(payload_, client_, seq, random_state_, &rows_))
      co_return Outcome::kDataExhausted;
    Expected<std::string> request = frame_request(plan.framing, payload_);
    // Only a payload too long for its length header: the server never saw it.
    if (!request) {
      error_ = request.error();
      co_return Outcome::kIoError;
    }
    channel_.begin(plan.timeout);
    Outcome outcome = co_await channel_.write(*request);
    if (outcome == Outcome::kOk)
      outcome = co_await channel_.read_framed(framers_[op], payload_.size(), reply_);
    channel_.finish();
    framing_broke_ = outcome == Outcome::kWrongReply;
    if (outcome != Outcome::kOk) co_return outcome;
    co_return checks_[op].matches(payload_, reply_, client_, seq, random_before_, rows_)
        ? Outcome::kOk
        : Outcome::kWrongReply;
  }

  // The example of a failed operation of op `op`, from what perform() left
  // behind.
  void describe(FailureExample& e, std::size_t op, Outcome outcome, std::uint64_t seq) const {
    const TcpPlan& plan = ops_.plans[op];
    e.request = show_bytes(payload_);
    if (outcome != Outcome::kWrongReply || framing_broke_) {
      if (outcome != Outcome::kTimeout && !reply_.empty()) e.received = show_bytes(reply_);
      e.rule = unanswered_rule(outcome, plan.timeout, error_.empty() ? channel_.error() : error_,
                               plan.framing.max_reply);
      return;
    }
    e.received = show_bytes(reply_);
    ReplyCheck::Mismatch m = checks_[op].explain(payload_, reply_, client_, seq, random_before_,
                                                 rows_, plan.framing.kind);
    e.expected = show_bytes(m.expected);
    e.rule = std::move(m.rule);
  }

  ClientLog log_;
  const TcpOps& ops_;
  LineChannel channel_;
  std::vector<Framer> framers_;     // one per op
  std::vector<ReplyCheck> checks_;  // one per op
  OpDraws draws_;
  std::uint64_t client_;
  std::uint64_t random_state_;
  std::uint64_t random_before_ = 0;  // random_state_ before the last request
  std::string payload_;              // the last request's payload, before framing
  std::string error_;                // why the last request could not be framed
  bool framing_broke_ = false;       // the last reply was not one the framing delivers
  RowsTaken rows_;                   // the data rows the last request took
  std::string reply_;
};

class TcpDriver final : public Driver {
 public:
  explicit TcpDriver(TcpOps ops) : ops_(std::move(ops)) {}
  const std::vector<std::string>& op_names() const override { return ops_.names; }
  ClientSessionPtr open(asio::io_context& io, ClientLog log) override {
    return std::make_unique<TcpSession>(io, ops_, std::move(log));
  }
  // Open models: a load thread's clients keep their own connections but are
  // served together (tcp_arrivals.hpp). Kept to the expectations the UDP
  // batch takes, so "any" and "regex" fleets run as before, and to single
  // ops: the clients of a mix each run their own session.
  ArrivalBatchPtr open_batch(asio::io_context& io, std::vector<ClientLog> clients,
                             ArrivalBatch::Done done) override {
    const TcpPlan& plan = ops_.plans.front();
    if (ops_.plans.size() != 1 || !ReplyCheck(plan.expectation).identifies_request())
      return nullptr;
    return make_tcp_arrivals(io, plan, std::move(clients), std::move(done));
  }

 private:
  TcpOps ops_;
};

TcpPlan tcp_plan_for(const OpSpec& op, const Endpoint& target, const DataCatalog& data) {
  auto payload = PayloadTemplate::compile(op.send, &data);
  if (!payload) throw std::invalid_argument("invalid payload template: " + payload.error());
  return {std::move(*payload),
          op.expect,
          op.framing,
          op.timeout,
          tcp::endpoint(target.address, target.port),
          static_cast<std::size_t>(std::max(1, op.clients_per_connection)),
          data};
}

}  // namespace

DriverPtr make_tcp_driver(const std::vector<OpSpec>& ops, const Endpoint& target,
                          const DataCatalog& data) {
  std::vector<TcpPlan> plans;
  std::vector<std::string> names;
  std::vector<std::int64_t> weights;
  for (const OpSpec& op : ops) {
    plans.push_back(tcp_plan_for(op, target, data));
    names.push_back(op.name.empty() ? "message" : op.name);
    weights.push_back(op.weight);
  }
  Duration shortest = ops.front().timeout;
  for (const OpSpec& op : ops) shortest = std::min(shortest, op.timeout);
  return std::make_unique<TcpDriver>(
      TcpOps{std::move(plans), std::move(names), OpMix(weights), shortest});
}

}  // namespace drover
