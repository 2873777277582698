#include "harness/drivers/tcp_driver.hpp"

#include "harness/drivers/deadline.hpp"
#include "harness/drivers/expectation.hpp"

namespace drover {
namespace {

using tcp = asio::ip::tcp;

// After a failed connect a client waits this long before its next attempt,
// so a dead target is not hammered by a busy loop of refused connects.
constexpr auto kReconnectPause = std::chrono::milliseconds(10);

struct TcpPlan {
  PayloadTemplate payload;
  Expectation expectation;
  Framing framing;
  Duration timeout;
  tcp::endpoint target;
};

class TcpSession final : public ClientSession {
 public:
  TcpSession(asio::io_context& io, const TcpPlan& plan, std::uint64_t client_id)
      : plan_(plan),
        socket_(io),
        pause_(io),
        deadline_(io, plan.timeout),
        check_(plan.expectation),
        client_(client_id),
        random_state_(0x9E3779B97F4A7C15ULL ^ (client_id + 1) * 0xBF58476D1CE4E5B9ULL) {
    deadline_.start(io, [this] { drop_connection(); });
  }

  asio::awaitable<Outcome> perform(std::uint64_t seq) override {
    boost::system::error_code ec;
    if (closed_) co_return Outcome::kIoError;
    deadline_.arm(Clock::now() + plan_.timeout);
    if (!socket_.is_open()) {
      co_await socket_.async_connect(plan_.target, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        Outcome outcome = deadline_.expired() ? Outcome::kTimeout : Outcome::kConnectError;
        drop_connection();
        deadline_.disarm();
        pause_.expires_after(kReconnectPause);
        co_await pause_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        co_return outcome;
      }
      socket_.set_option(tcp::no_delay(true), ec);
      pending_.clear();
    }

    std::uint64_t random_before = random_state_;
    plan_.payload.render(request_, client_, seq, random_state_);
    if (plan_.framing == Framing::kLine) request_ += '\n';
    co_await asio::async_write(socket_, asio::buffer(request_),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return fail(ec);
    std::string_view sent(request_);
    if (plan_.framing == Framing::kLine) sent.remove_suffix(1);

    // Read until a whole reply is buffered: a line, or as many bytes as sent.
    std::size_t reply_size = 0;
    for (;;) {
      if (plan_.framing == Framing::kLine) {
        std::size_t newline = pending_.find('\n');
        if (newline != std::string::npos) {
          reply_size = newline + 1;
          break;
        }
      } else if (pending_.size() >= sent.size()) {
        reply_size = sent.size();
        break;
      }
      std::size_t old_size = pending_.size();
      pending_.resize(old_size + 4096);
      std::size_t n =
          co_await socket_.async_read_some(asio::buffer(pending_.data() + old_size, 4096),
                                           asio::redirect_error(asio::use_awaitable, ec));
      pending_.resize(old_size + n);
      if (ec) co_return fail(ec);
    }
    deadline_.disarm();
    std::string_view reply(pending_.data(), reply_size);
    if (plan_.framing == Framing::kLine) reply.remove_suffix(1);
    bool ok = check_.matches(sent, reply, client_, seq, random_before);
    pending_.erase(0, reply_size);
    co_return ok ? Outcome::kOk : Outcome::kWrongReply;
  }

  std::uint64_t take_late_replies() override { return 0; }

  void close() override {
    closed_ = true;
    deadline_.stop();
    pause_.cancel();
    drop_connection();
  }

 private:
  Outcome fail(const boost::system::error_code& ec) {
    bool timed_out = deadline_.expired();
    deadline_.disarm();
    // The stream's position is unknown now: start over on a new connection.
    drop_connection();
    if (timed_out) return Outcome::kTimeout;
    return ec == asio::error::connection_refused ? Outcome::kConnectError : Outcome::kIoError;
  }

  void drop_connection() {
    boost::system::error_code ignored;
    socket_.close(ignored);
  }

  const TcpPlan& plan_;
  tcp::socket socket_;
  asio::steady_timer pause_;
  Deadline deadline_;
  ReplyCheck check_;
  std::uint64_t client_;
  std::uint64_t random_state_;
  std::string request_;
  std::string pending_;
  bool closed_ = false;
};

class TcpDriver final : public Driver {
 public:
  explicit TcpDriver(TcpPlan plan) : plan_(std::move(plan)) {}
  const std::vector<std::string>& op_names() const override { return op_names_; }
  ClientSessionPtr open(asio::io_context& io, std::uint64_t client_id) override {
    return std::make_unique<TcpSession>(io, plan_, client_id);
  }

 private:
  TcpPlan plan_;
  std::vector<std::string> op_names_{"message"};
};

}  // namespace

DriverPtr make_tcp_driver(const OpSpec& op, const Endpoint& target) {
  std::string error;
  auto payload = PayloadTemplate::compile(op.send, &error);
  if (!payload) throw std::invalid_argument("invalid payload template: " + error);
  TcpPlan plan{std::move(*payload), op.expect, op.framing, op.timeout,
               tcp::endpoint(target.address, target.port)};
  return std::make_unique<TcpDriver>(std::move(plan));
}

}  // namespace drover
