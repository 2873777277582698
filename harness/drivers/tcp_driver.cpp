#include "harness/drivers/tcp_driver.hpp"

#include <algorithm>

#include "harness/core/shown_bytes.hpp"
#include "harness/drivers/expectation.hpp"
#include "harness/drivers/failure_rule.hpp"
#include "harness/drivers/framing.hpp"
#include "harness/drivers/line_channel.hpp"
#include "harness/drivers/tcp_arrivals.hpp"
#include "harness/drivers/tcp_plan.hpp"

namespace drover {
namespace {

using tcp = asio::ip::tcp;

class TcpSession final : public ClientSession {
 public:
  TcpSession(asio::io_context& io, const TcpPlan& plan, ClientLog log)
      : log_(std::move(log)),
        plan_(plan),
        channel_(io, plan.target, plan.timeout),
        framer_(plan.framing),
        check_(plan.expectation, &plan.data),
        client_(log_.index_in_fleet()),
        random_state_(log_.random_seed()) {}

  asio::awaitable<void> iterate(std::uint64_t seq, TimePoint intended_start) override {
    Outcome outcome = co_await perform(seq);
    TimePoint ended = Clock::now();
    if (outcome == Outcome::kOk) {
      log_.op(0, outcome, intended_start, ended);
      co_return;
    }
    log_.failed(0, outcome, intended_start, ended,
                [&](FailureExample& e) { describe(e, outcome, seq); });
  }

  void close() override { channel_.close(); }

 private:
  asio::awaitable<Outcome> perform(std::uint64_t seq) {
    random_before_ = random_state_;
    error_.clear();
    reply_.clear();
    rows_.clear();
    if (!plan_.payload.render(payload_, client_, seq, random_state_, &rows_))
      co_return Outcome::kDataExhausted;
    Expected<std::string> request = frame_request(plan_.framing, payload_);
    // Only a payload too long for its length header: the server never saw it.
    if (!request) {
      error_ = request.error();
      co_return Outcome::kIoError;
    }
    channel_.begin();
    Outcome outcome = co_await channel_.write(*request);
    if (outcome == Outcome::kOk)
      outcome = co_await channel_.read_framed(framer_, payload_.size(), reply_);
    channel_.finish();
    framing_broke_ = outcome == Outcome::kWrongReply;
    if (outcome != Outcome::kOk) co_return outcome;
    co_return check_.matches(payload_, reply_, client_, seq, random_before_, rows_)
        ? Outcome::kOk
        : Outcome::kWrongReply;
  }

  // The example of a failed operation, from what perform() left behind.
  void describe(FailureExample& e, Outcome outcome, std::uint64_t seq) const {
    e.request = show_bytes(payload_);
    if (outcome != Outcome::kWrongReply || framing_broke_) {
      if (outcome != Outcome::kTimeout && !reply_.empty()) e.received = show_bytes(reply_);
      e.rule = unanswered_rule(outcome, plan_.timeout, error_.empty() ? channel_.error() : error_,
                               plan_.framing.max_reply);
      return;
    }
    e.received = show_bytes(reply_);
    ReplyCheck::Mismatch m =
        check_.explain(payload_, reply_, client_, seq, random_before_, rows_, plan_.framing.kind);
    e.expected = show_bytes(m.expected);
    e.rule = std::move(m.rule);
  }

  ClientLog log_;
  const TcpPlan& plan_;
  LineChannel channel_;
  Framer framer_;
  ReplyCheck check_;
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
  explicit TcpDriver(TcpPlan plan) : plan_(std::move(plan)) {}
  const std::vector<std::string>& op_names() const override { return op_names_; }
  ClientSessionPtr open(asio::io_context& io, ClientLog log) override {
    return std::make_unique<TcpSession>(io, plan_, std::move(log));
  }
  // Open models: a load thread's clients keep their own connections but are
  // served together (tcp_arrivals.hpp). Kept to the expectations the UDP
  // batch takes, so "any" and "regex" fleets run as before.
  ArrivalBatchPtr open_batch(asio::io_context& io, std::vector<ClientLog> clients,
                             ArrivalBatch::Done done) override {
    if (!ReplyCheck(plan_.expectation).identifies_request()) return nullptr;
    return make_tcp_arrivals(io, plan_, std::move(clients), std::move(done));
  }

 private:
  TcpPlan plan_;
  std::vector<std::string> op_names_{"message"};
};

}  // namespace

DriverPtr make_tcp_driver(const OpSpec& op, const Endpoint& target, const DataCatalog& data) {
  auto payload = PayloadTemplate::compile(op.send, &data);
  if (!payload) throw std::invalid_argument("invalid payload template: " + payload.error());
  TcpPlan plan{std::move(*payload),
               op.expect,
               op.framing,
               op.timeout,
               tcp::endpoint(target.address, target.port),
               static_cast<std::size_t>(std::max(1, op.clients_per_connection)),
               data};
  return std::make_unique<TcpDriver>(std::move(plan));
}

}  // namespace drover
