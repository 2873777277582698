#include "harness/drivers/udp_driver.hpp"

#include <array>
#include <vector>

#include "harness/core/shown_bytes.hpp"
#include "harness/drivers/deadline.hpp"
#include "harness/drivers/expectation.hpp"
#include "harness/drivers/failure_rule.hpp"
#include "harness/drivers/udp_arrivals.hpp"
#include "harness/drivers/udp_plan.hpp"

namespace drover {
namespace {

using udp = asio::ip::udp;

// Timed-out requests whose replies may still arrive; a few suffice, since a
// reply later than several further timeouts is as good as lost.
constexpr std::size_t kLateMemory = 8;

class UdpSession final : public ClientSession {
 public:
  UdpSession(asio::io_context& io, const UdpPlan& plan, ClientLog log)
      : log_(std::move(log)),
        plan_(plan),
        socket_(io),
        deadline_(io, plan.timeout),
        check_(plan.expectation, &plan.data),
        client_(log_.index_in_fleet()),
        random_state_(log_.random_seed()),
        receive_buffer_(plan.receive_size) {
    boost::system::error_code ec;
    socket_.open(plan.target.protocol(), ec);
    if (!ec) socket_.connect(plan.target, ec);
    open_error_ = ec;
    deadline_.start(io, [this] {
      boost::system::error_code ignored;
      socket_.cancel(ignored);
    });
  }

  asio::awaitable<void> iterate(std::uint64_t seq, TimePoint intended_start) override {
    Outcome outcome = co_await perform(seq);
    TimePoint ended = Clock::now();
    if (outcome == Outcome::kOk)
      log_.op(0, outcome, intended_start, ended);
    else
      log_.failed(0, outcome, intended_start, ended,
                  [&](FailureExample& e) { describe(e, outcome, seq); });
    for (; late_replies_ > 0; --late_replies_) log_.late_reply(0);
  }

  asio::awaitable<Outcome> perform(std::uint64_t seq) {
    if (open_error_) co_return Outcome::kConnectError;
    reply_size_ = 0;
    std::uint64_t random_before = random_state_;
    random_before_ = random_before;
    rows_.clear();
    if (!plan_.payload.render(request_, client_, seq, random_state_, &rows_))
      co_return Outcome::kDataExhausted;
    deadline_.arm(Clock::now() + plan_.timeout);

    boost::system::error_code ec;
    co_await socket_.async_send(asio::buffer(request_),
                                asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return finish_with_error(ec);

    for (;;) {
      std::size_t n = co_await socket_.async_receive(asio::buffer(receive_buffer_),
                                                     asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return finish_with_error(ec);
      std::string_view reply(receive_buffer_.data(), n);
      if (check_.matches(request_, reply, client_, seq, random_before, rows_)) {
        deadline_.disarm();
        co_return Outcome::kOk;
      }
      if (is_late(reply)) {
        ++late_replies_;
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
  // The example of a failed operation, from what perform() left behind.
  void describe(FailureExample& e, Outcome outcome, std::uint64_t seq) const {
    if (open_error_) {
      e.rule = unanswered_rule(outcome, plan_.timeout, error_text(open_error_));
      return;
    }
    e.request = show_bytes(request_);
    if (outcome != Outcome::kWrongReply) {
      e.rule = unanswered_rule(outcome, plan_.timeout, error_);
      return;
    }
    std::string_view reply(receive_buffer_.data(), reply_size_);
    e.received = show_bytes(reply);
    ReplyCheck::Mismatch m = check_.explain(request_, reply, client_, seq, random_before_, rows_);
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
    if (!check_.identifies_request()) return;
    timed_out_[next_timed_out_ % kLateMemory] = request_;
    ++next_timed_out_;
  }

  bool is_late(std::string_view reply) const {
    std::size_t remembered = std::min<std::size_t>(next_timed_out_, kLateMemory);
    for (std::size_t i = 0; i < remembered; ++i) {
      const std::string& old = timed_out_[i];
      bool same = check_.kind() == Expectation::Kind::kUpper ? is_upper_of(old, reply)
                                                             : std::string_view(old) == reply;
      if (same) return true;
    }
    return false;
  }

  ClientLog log_;
  const UdpPlan& plan_;
  udp::socket socket_;
  Deadline deadline_;
  ReplyCheck check_;
  std::uint64_t client_;
  std::uint64_t random_state_;
  std::uint64_t random_before_ = 0;  // random_state_ before the last request
  RowsTaken rows_;                   // the data rows the last request took
  std::size_t reply_size_ = 0;       // the last wrong reply's, in receive_buffer_
  std::string error_;                // what ended the last failed operation
  boost::system::error_code open_error_;
  std::string request_;
  std::vector<char> receive_buffer_;
  std::array<std::string, kLateMemory> timed_out_;
  std::size_t next_timed_out_ = 0;
  std::uint64_t late_replies_ = 0;
};

class UdpDriver final : public Driver {
 public:
  explicit UdpDriver(UdpPlan plan) : plan_(std::move(plan)) {}
  const std::vector<std::string>& op_names() const override { return op_names_; }
  ClientSessionPtr open(asio::io_context& io, ClientLog log) override {
    return std::make_unique<UdpSession>(io, plan_, std::move(log));
  }
  // Replies on a shared socket are told apart by their content, so only an
  // expectation that identifies its request allows it; for the others each
  // client keeps its own socket.
  ArrivalBatchPtr open_batch(asio::io_context& io, std::vector<ClientLog> clients,
                             ArrivalBatch::Done done) override {
    if (!ReplyCheck(plan_.expectation).identifies_request()) return nullptr;
    return make_udp_arrivals(io, plan_, std::move(clients), std::move(done));
  }

 private:
  UdpPlan plan_;
  std::vector<std::string> op_names_{"datagram"};
};

}  // namespace

DriverPtr make_udp_driver(const OpSpec& op, const Endpoint& target, const DataCatalog& data) {
  auto payload = PayloadTemplate::compile(op.send, &data);
  if (!payload) throw std::invalid_argument("invalid payload template: " + payload.error());
  // Room for any reply the request could fairly get, and a little more, so
  // an oversized reply shows up as a wrong one rather than truncated.
  std::size_t receive_size = std::max<std::size_t>(2048, payload->max_size() * 2 + 64);
  receive_size = std::min<std::size_t>(receive_size, 65536);
  UdpPlan plan{std::move(*payload), op.expect,
               op.timeout,          udp::endpoint(target.address, target.port),
               receive_size,        data};
  return std::make_unique<UdpDriver>(std::move(plan));
}

}  // namespace drover
