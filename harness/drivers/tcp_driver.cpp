#include "harness/drivers/tcp_driver.hpp"

#include <algorithm>

#include "harness/drivers/expectation.hpp"
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
        check_(plan.expectation, &plan.data),
        client_(log_.index_in_fleet()),
        random_state_(log_.random_seed()) {}

  asio::awaitable<void> iterate(std::uint64_t seq, TimePoint intended_start) override {
    Outcome outcome = co_await perform(seq);
    log_.op(0, outcome, intended_start, Clock::now());
  }

  void close() override { channel_.close(); }

 private:
  asio::awaitable<Outcome> perform(std::uint64_t seq) {
    std::uint64_t random_before = random_state_;
    RowsTaken rows;
    if (!plan_.payload.render(request_, client_, seq, random_state_, &rows)) {
      co_return Outcome::kDataExhausted;
    }
    std::size_t sent_size = request_.size();
    if (plan_.framing == Framing::kLine) request_ += '\n';
    channel_.begin();
    Outcome outcome = co_await channel_.write(request_);
    if (outcome == Outcome::kOk) {
      outcome = plan_.framing == Framing::kLine ? co_await channel_.read_line(reply_)
                                                : co_await channel_.read_exact(sent_size, reply_);
    }
    channel_.finish();
    if (outcome != Outcome::kOk) co_return outcome;
    std::string_view sent(request_.data(), sent_size);
    co_return check_.matches(sent, reply_, client_, seq, random_before, rows)
        ? Outcome::kOk
        : Outcome::kWrongReply;
  }

  ClientLog log_;
  const TcpPlan& plan_;
  LineChannel channel_;
  ReplyCheck check_;
  std::uint64_t client_;
  std::uint64_t random_state_;
  std::string request_;
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
