// Producers PUT unique items; consumers GET an item and mark it DONE, and
// once every producer of their target has finished they go on until the
// queue answers EMPTY, so the run ends drained, as a JoinableQueue does.
#include "harness/drivers/line_channel.hpp"
#include "harness/drivers/line_exchange.hpp"
#include "harness/drivers/workload_drivers.hpp"

namespace drover {
namespace {

struct QueuePlan {
  Duration timeout;
  asio::ip::tcp::endpoint target;
};

// A request that got no reply may have been carried out: its completion is
// unknown (info), never a failure.
EventType completion_of(Outcome outcome) {
  return reply_unread(outcome) ? EventType::kInfo : EventType::kFail;
}

class QueueSession : public ClientSession {
 public:
  QueueSession(asio::io_context& io, const QueuePlan& plan, ClientLog log)
      : log_(std::move(log)), channel_(io, plan.target, plan.timeout), timeout_(plan.timeout) {}
  void close() override { channel_.close(); }

 protected:
  asio::awaitable<Outcome> request(const std::string& line) {
    channel_.begin();
    Outcome outcome = co_await channel_.write(line);
    if (outcome == Outcome::kOk) outcome = co_await channel_.read_line(reply_);
    channel_.finish();
    co_return outcome;
  }

  void record(std::size_t op_index, Outcome outcome, TimePoint started, std::string_view sent,
              std::string_view expected) {
    record_exchange(log_, op_index, outcome, started,
                    {sent, expected, reply_, channel_.error(), timeout_});
  }

  ClientLog log_;
  LineChannel channel_;
  Duration timeout_;
  std::string reply_;
};

class ProducerSession final : public QueueSession {
 public:
  ProducerSession(asio::io_context& io, const QueuePlan& plan, ClientLog log,
                  QueueProducers& producers)
      : QueueSession(io, plan, std::move(log)), producers_(producers) {
    producers_.started();
  }

  asio::awaitable<void> iterate(std::uint64_t seq, TimePoint intended_start) override {
    std::string item =
        log_.fleet() + "-" + std::to_string(log_.index_in_fleet()) + "-" + std::to_string(seq);
    log_.event(EventType::kInvoke, "put", EventValue::of(item));
    const std::string line = "PUT " + item;
    Outcome outcome = co_await request(line + "\n");
    EventType type = completion_of(outcome);
    if (outcome == Outcome::kOk) {
      if (reply_ == "OK") {
        type = EventType::kOk;
      } else if (reply_ != "FULL") {
        outcome = Outcome::kWrongReply;
      }
    }
    record(0, outcome, intended_start, line, "OK or FULL");
    log_.event(type, "put", EventValue::of(std::move(item)));
  }

  void close() override {
    if (!closed_) producers_.ended();
    closed_ = true;
    QueueSession::close();
  }

 private:
  QueueProducers& producers_;
  bool closed_ = false;
};

class ConsumerSession final : public QueueSession {
 public:
  ConsumerSession(asio::io_context& io, const QueuePlan& plan, ClientLog log,
                  const QueueProducers& producers)
      : QueueSession(io, plan, std::move(log)), producers_(producers) {}

  asio::awaitable<void> iterate(std::uint64_t, TimePoint intended_start) override {
    // Read before asking: an EMPTY seen after every producer had finished
    // means the queue is drained for good.
    bool producers_done = producers_.all_done();
    log_.event(EventType::kInvoke, "get", {});
    Outcome outcome = co_await request("GET\n");
    std::string item;
    EventType type = completion_of(outcome);
    if (outcome == Outcome::kOk) {
      auto [word, rest] = split_word(reply_);
      if (word == "ITEM" && !rest.empty()) {
        type = EventType::kOk;
        item = rest;
      } else if (word == "EMPTY") {
        drained_ = producers_done;
      } else {
        outcome = Outcome::kWrongReply;
      }
    }
    record(0, outcome, intended_start, "GET", "ITEM <item> or EMPTY");
    log_.event(type, "get", type == EventType::kOk ? EventValue::of(item) : EventValue{});
    if (type != EventType::kOk) co_return;

    TimePoint done_start = Clock::now();
    log_.event(EventType::kInvoke, "done", EventValue::of(item));
    const std::string line = "DONE " + item;
    outcome = co_await request(line + "\n");
    type = completion_of(outcome);
    if (outcome == Outcome::kOk) {
      if (reply_ == "OK") {
        type = EventType::kOk;
      } else {
        outcome = Outcome::kWrongReply;
      }
    }
    record(1, outcome, done_start, line, "OK");
    log_.event(type, "done", EventValue::of(std::move(item)));
  }

  bool drains() const override { return true; }
  bool drained() const override { return drained_; }

 private:
  const QueueProducers& producers_;
  bool drained_ = false;
};

class QueueDriver final : public Driver {
 public:
  QueueDriver(QueuePlan plan, bool produce, QueueProducers& producers)
      : plan_(plan), produce_(produce), producers_(producers) {
    op_names_ = produce ? std::vector<std::string>{"put"} : std::vector<std::string>{"get", "done"};
  }
  const std::vector<std::string>& op_names() const override { return op_names_; }
  bool records_history() const override { return true; }
  ClientSessionPtr open(asio::io_context& io, ClientLog log) override {
    if (produce_) return std::make_unique<ProducerSession>(io, plan_, std::move(log), producers_);
    return std::make_unique<ConsumerSession>(io, plan_, std::move(log), producers_);
  }

 private:
  QueuePlan plan_;
  bool produce_;
  QueueProducers& producers_;
  std::vector<std::string> op_names_;
};

}  // namespace

DriverPtr make_queue_driver(const OpSpec& op, const Endpoint& target, QueueProducers& producers) {
  return std::make_unique<QueueDriver>(QueuePlan{op.timeout, {target.address, target.port}},
                                       op.workload == Workload::kProduce, producers);
}

}  // namespace drover
