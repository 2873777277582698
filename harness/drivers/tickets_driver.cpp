// Buyers: each iteration asks SEARCH (unless told not to) and, while
// tickets remain, BUYs one. A SOLDOUT is a definite "no" (fail); a BUY whose
// reply never came may or may not have sold a ticket (info).
#include <charconv>

#include "harness/drivers/line_channel.hpp"
#include "harness/drivers/line_exchange.hpp"
#include "harness/drivers/workload_drivers.hpp"

namespace drover {

std::pair<std::string_view, std::string_view> split_word(std::string_view line) {
  std::size_t space = line.find(' ');
  if (space == std::string_view::npos) return {line, {}};
  return {line.substr(0, space), line.substr(space + 1)};
}

std::optional<std::int64_t> parse_int(std::string_view text) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

namespace {

enum TicketOp : std::size_t { kSearch = 0, kBuy = 1 };

struct TicketsPlan {
  bool search_first;
  Duration timeout;
  asio::ip::tcp::endpoint target;
};

class BuyerSession final : public ClientSession {
 public:
  BuyerSession(asio::io_context& io, const TicketsPlan& plan, ClientLog log)
      : log_(std::move(log)),
        plan_(plan),
        channel_(io, plan.target, plan.timeout),
        buyer_("b" + std::to_string(log_.client())) {}

  asio::awaitable<void> iterate(std::uint64_t, TimePoint intended_start) override {
    TimePoint start = intended_start;
    if (plan_.search_first) {
      std::optional<std::int64_t> count = co_await search(start);
      if (count && *count <= 0) co_return;  // nothing left to buy: just look again
      start = Clock::now();
    }
    co_await buy(start);
  }

  void close() override { channel_.close(); }

 private:
  asio::awaitable<std::optional<std::int64_t>> search(TimePoint start) {
    log_.event(EventType::kInvoke, "search", {});
    Outcome outcome = co_await request("SEARCH\n");
    std::optional<std::int64_t> count;
    if (outcome == Outcome::kOk) {
      auto [word, rest] = split_word(reply_);
      count = word == "COUNT" ? parse_int(rest) : std::nullopt;
      if (!count) outcome = Outcome::kWrongReply;
    }
    record_exchange(log_, kSearch, outcome, start,
                    {"SEARCH", "COUNT <tickets left>", reply_, channel_.error(), plan_.timeout});
    if (count) {
      log_.event(EventType::kOk, "search", EventValue::of(*count));
    } else {
      log_.event(EventType::kFail, "search", EventValue::of(reply_));
    }
    co_return count;
  }

  asio::awaitable<void> buy(TimePoint start) {
    log_.event(EventType::kInvoke, "buy", EventValue::of(buyer_));
    const std::string line = "BUY " + buyer_;
    Outcome outcome = co_await request(line + "\n");
    EventType type = EventType::kFail;  // definitely not sold
    EventValue value = EventValue::of(buyer_);
    if (reply_unread(outcome)) {
      type = EventType::kInfo;  // the sale may have happened: unknown
    } else if (outcome == Outcome::kOk) {
      auto [word, rest] = split_word(reply_);
      auto serial = word == "OK" ? parse_int(rest) : std::nullopt;
      if (serial) {
        type = EventType::kOk;
        value = EventValue::of(*serial);
      } else if (word == "SOLDOUT") {
        value = EventValue::of(std::string("soldout"));
      } else {
        outcome = Outcome::kWrongReply;
        value = EventValue::of(reply_);
      }
    }
    record_exchange(log_, kBuy, outcome, start,
                    {line, "OK <serial> or SOLDOUT", reply_, channel_.error(), plan_.timeout});
    log_.event(type, "buy", std::move(value));
  }

  asio::awaitable<Outcome> request(std::string line) {
    channel_.begin();
    Outcome outcome = co_await channel_.write(line);
    if (outcome == Outcome::kOk) outcome = co_await channel_.read_line(reply_);
    channel_.finish();
    co_return outcome;
  }

  ClientLog log_;
  const TicketsPlan& plan_;
  LineChannel channel_;
  std::string buyer_;
  std::string reply_;
};

class TicketsDriver final : public Driver {
 public:
  explicit TicketsDriver(TicketsPlan plan) : plan_(plan) {}
  const std::vector<std::string>& op_names() const override { return op_names_; }
  bool records_history() const override { return true; }
  ClientSessionPtr open(asio::io_context& io, ClientLog log) override {
    return std::make_unique<BuyerSession>(io, plan_, std::move(log));
  }

 private:
  TicketsPlan plan_;
  std::vector<std::string> op_names_{"search", "buy"};
};

}  // namespace

DriverPtr make_tickets_driver(const OpSpec& op, const Endpoint& target) {
  return std::make_unique<TicketsDriver>(
      TicketsPlan{op.search_first, op.timeout, {target.address, target.port}});
}

}  // namespace drover
