#include "harness/drivers/udp_driver.hpp"

#include <array>
#include <optional>
#include <vector>

#include "harness/core/shown_bytes.hpp"
#include "harness/drivers/deadline.hpp"
#include "harness/drivers/expectation.hpp"
#include "harness/drivers/failure_rule.hpp"
#include "harness/drivers/op_mix.hpp"
#include "harness/drivers/udp_arrivals.hpp"
#include "harness/drivers/udp_plan.hpp"

namespace drover {
namespace {

using udp = asio::ip::udp;

// Timed-out requests whose replies may still arrive; a few suffice, since a
// reply later than several further timeouts is as good as lost.
constexpr std::size_t kLateMemory = 8;

// A fleet's ops, one plan each (one for a single op), and how each
// iteration draws among them.
struct UdpOps {
  std::vector<UdpPlan> plans;
  std::vector<std::string> names;
  OpMix mix;
  // The shortest op's timeout: how often an idle deadline watcher wakes,
  // so no op's deadline is noticed late.
  Duration shortest_timeout;
};

class UdpSession final : public ClientSession {
 public:
  UdpSession(asio::io_context& io, const UdpOps& ops, ClientLog log)
      : log_(std::move(log)),
        ops_(ops),
        socket_(io),
        deadline_(io, ops.shortest_timeout),
        draws_(ops.mix, log_.op_draw_seed()),
        client_(log_.index_in_fleet()),
        random_state_(log_.random_seed()) {
    std::size_t receive_size = 0;
    for (const UdpPlan& plan : ops.plans) {
      checks_.emplace_back(plan.expectation, &plan.data);
      receive_size = std::max(receive_size, plan.receive_size);
    }
    receive_buffer_.resize(receive_size);
    const udp::endpoint& target = ops.plans.front().target;
    boost::system::error_code ec;
    socket_.open(target.protocol(), ec);
    if (!ec) socket_.connect(target, ec);
    open_error_ = ec;
    deadline_.start(io, [this] {
      boost::system::error_code ignored;
      socket_.cancel(ignored);
    });
  }

  asio::awaitable<void> iterate(std::uint64_t seq, TimePoint intended_start) override {
    op_ = draws_.next();
    Outcome outcome = co_await perform(seq);
    TimePoint ended = Clock::now();
    if (outcome == Outcome::kOk)
      log_.op(op_, outcome, intended_start, ended);
    else
      log_.failed(op_, outcome, intended_start, ended,
                  [&](FailureExample& e) { describe(e, outcome, seq); });
    for (std::size_t late : late_ops_) log_.late_reply(late);
    late_ops_.clear();
  }

  asio::awaitable<Outcome> perform(std::uint64_t seq) {
    if (open_error_) co_return Outcome::kConnectError;
    const UdpPlan& plan = ops_.plans[op_];
    reply_size_ = 0;
    std::uint64_t random_before = random_state_;
    random_before_ = random_before;
    rows_.clear();
    if (!plan.payload.render(request_, client_, seq, random_state_, &rows_))
      co_return Outcome::kDataExhausted;
    deadline_.arm(Clock::now() + plan.timeout);

    boost::system::error_code ec;
    co_await socket_.async_send(asio::buffer(request_),
                                asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return finish_with_error(ec);

    for (;;) {
      std::size_t n = co_await socket_.async_receive(asio::buffer(receive_buffer_),
                                                     asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return finish_with_error(ec);
      std::string_view reply(receive_buffer_.data(), n);
      if (checks_[op_].matches(request_, reply, client_, seq, random_before, rows_)) {
        deadline_.disarm();
        co_return Outcome::kOk;
      }
      if (std::optional<std::size_t> late = late_op(reply)) {
        late_ops_.push_back(*late);
        continue;
      }
      deadline_.disarm();
      reply_size_ = n;
      co_return Outcome::kWrongReply;
    }
  }

  void close() override {
    deadline_.stop();
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

 private:
  // The example of this iteration's failed operation, from what perform()
  // left behind.
  void describe(FailureExample& e, Outcome outcome, std::uint64_t seq) const {
    const UdpPlan& plan = ops_.plans[op_];
    if (open_error_) {
      e.rule = unanswered_rule(outcome, plan.timeout, error_text(open_error_));
      return;
    }
    e.request = show_bytes(request_);
    if (outcome != Outcome::kWrongReply) {
      e.rule = unanswered_rule(outcome, plan.timeout, error_);
      return;
    }
    std::string_view reply(receive_buffer_.data(), reply_size_);
    e.received = show_bytes(reply);
    ReplyCheck::Mismatch m =
        checks_[op_].explain(request_, reply, client_, seq, random_before_, rows_);
    e.expected = show_bytes(m.expected);
    e.rule = std::move(m.rule);
  }

  Outcome finish_with_error(const boost::system::error_code& ec) {
    error_ = error_text(ec);
    if (deadline_.expired()) {
      remember_timed_out();
      return Outcome::kTimeout;
    }
    deadline_.disarm();
    // A connected UDP socket reports ICMP port unreachable as refused.
    return ec == asio::error::connection_refused ? Outcome::kConnectError : Outcome::kIoError;
  }

  void remember_timed_out() {
    if (!checks_[op_].identifies_request()) return;
    timed_out_[next_timed_out_ % kLateMemory] = {request_, op_};
    ++next_timed_out_;
  }

  // The op of the timed-out request `reply` answers, if it answers one.
  std::optional<std::size_t> late_op(std::string_view reply) const {
    std::size_t remembered = std::min<std::size_t>(next_timed_out_, kLateMemory);
    for (std::size_t i = 0; i < remembered; ++i) {
      const auto& [old, op] = timed_out_[i];
      bool same = checks_[op].kind() == Expectation::Kind::kUpper ? is_upper_of(old, reply)
                                                                  : std::string_view(old) == reply;
      if (same) return op;
    }
    return std::nullopt;
  }

  ClientLog log_;
  const UdpOps& ops_;
  udp::socket socket_;
  Deadline deadline_;
  std::vector<ReplyCheck> checks_;  // one per op
  OpDraws draws_;
  std::size_t op_ = 0;  // this iteration's
  std::uint64_t client_;
  std::uint64_t random_state_;
  std::uint64_t random_before_ = 0;  // random_state_ before the last request
  RowsTaken rows_;                   // the data rows the last request took
  std::size_t reply_size_ = 0;       // the last wrong reply's, in receive_buffer_
  std::string error_;                // what ended the last failed operation
  boost::system::error_code open_error_;
  std::string request_;
  std::vector<char> receive_buffer_;
  std::array<std::pair<std::string, std::size_t>, kLateMemory> timed_out_;  // request, op
  std::size_t next_timed_out_ = 0;
  std::vector<std::size_t> late_ops_;  // this iteration's late replies, by op
};

class UdpDriver final : public Driver {
 public:
  explicit UdpDriver(UdpOps ops) : ops_(std::move(ops)) {}
  const std::vector<std::string>& op_names() const override { return ops_.names; }
  ClientSessionPtr open(asio::io_context& io, ClientLog log) override {
    return std::make_unique<UdpSession>(io, ops_, std::move(log));
  }
  // Replies on a shared socket are told apart by their content, so only
  // expectations that identify their request allow it, every op's; for the
  // others each client keeps its own socket.
  ArrivalBatchPtr open_batch(asio::io_context& io, std::vector<ClientLog> clients,
                             ArrivalBatch::Done done) override {
    for (const UdpPlan& plan : ops_.plans) {
      if (!ReplyCheck(plan.expectation).identifies_request()) return nullptr;
    }
    return make_udp_arrivals(io, ops_.plans, ops_.mix, std::move(clients), std::move(done));
  }

 private:
  UdpOps ops_;
};

UdpPlan udp_plan_for(const OpSpec& op, const Endpoint& target, const DataCatalog& data) {
  auto payload = PayloadTemplate::compile(op.send, &data);
  if (!payload) throw std::invalid_argument("invalid payload template: " + payload.error());
  // Room for any reply the request could fairly get, and a little more, so
  // an oversized reply shows up as a wrong one rather than truncated.
  std::size_t receive_size = std::max<std::size_t>(2048, payload->max_size() * 2 + 64);
  receive_size = std::min<std::size_t>(receive_size, 65536);
  return {std::move(*payload), op.expect, op.timeout, udp::endpoint(target.address, target.port),
          receive_size,        data};
}

}  // namespace

DriverPtr make_udp_driver(const std::vector<OpSpec>& ops, const Endpoint& target,
                          const DataCatalog& data) {
  std::vector<UdpPlan> plans;
  std::vector<std::string> names;
  std::vector<std::int64_t> weights;
  for (const OpSpec& op : ops) {
    plans.push_back(udp_plan_for(op, target, data));
    names.push_back(op.name.empty() ? "datagram" : op.name);
    weights.push_back(op.weight);
  }
  Duration shortest = ops.front().timeout;
  for (const OpSpec& op : ops) shortest = std::min(shortest, op.timeout);
  return std::make_unique<UdpDriver>(
      UdpOps{std::move(plans), std::move(names), OpMix(weights), shortest});
}

}  // namespace drover
