// Submitters: each iteration sends `inflight` SUBMITs on the client's
// connection and awaits their RESULTs, which may come in any order. A task
// whose answer never comes is recorded as unknown (info): the pool_complete
// checker counts it as unanswered.
#include <deque>
#include <unordered_map>

#include "harness/core/shown_bytes.hpp"
#include "harness/drivers/line_channel.hpp"
#include "harness/drivers/line_exchange.hpp"
#include "harness/drivers/workload_drivers.hpp"

namespace drover {
namespace {

struct PoolPlan {
  std::int64_t n_max;
  std::int64_t work_ms;
  int inflight;
  Duration timeout;
  asio::ip::tcp::endpoint target;
};

// Answers for tasks already settled are remembered this far back, so a
// second answer to one of them is recorded against the right n.
constexpr std::size_t kSettledMemory = 4096;

class SubmitterSession final : public ClientSession {
 public:
  SubmitterSession(asio::io_context& io, const PoolPlan& plan, ClientLog log)
      : log_(std::move(log)),
        plan_(plan),
        channel_(io, plan.target, plan.timeout),
        random_state_(log_.random_seed()) {}

  asio::awaitable<void> iterate(std::uint64_t, TimePoint intended_start) override {
    channel_.begin();
    std::string batch;
    for (int i = 0; i < plan_.inflight; ++i) {
      // Task ids are unique across the run: the client's id in the high bits,
      // its own count in the low ones. The count starts where the client's
      // random seed says (as repeatable as the rest of the run): a capacity
      // search opens fresh sessions every step, each from a seed of its own,
      // and a task a step left unanswered stays open in the history, so a
      // later step must not number from the same place.
      std::int64_t id =
          static_cast<std::int64_t>((std::uint64_t{log_.client()} << 32) | next_task_++);
      std::int64_t n =
          1 + static_cast<std::int64_t>(next_random() % static_cast<std::uint64_t>(plan_.n_max));
      outstanding_[id] = {n, i == 0 ? intended_start : Clock::now()};
      log_.event(EventType::kInvoke, "submit", EventValue::of(std::vector<std::int64_t>{id, n}));
      batch += submit_line(id, n) + "\n";
    }
    Outcome outcome = co_await channel_.write(batch);
    while (outcome == Outcome::kOk && !outstanding_.empty()) {
      outcome = co_await channel_.read_line(reply_);
      if (outcome == Outcome::kOk) settle(reply_);
    }
    channel_.finish();
    // What is still outstanding was sent but never answered: unknown.
    EventType type = outcome == Outcome::kConnectError ? EventType::kFail : EventType::kInfo;
    for (auto& [id, task] : outstanding_) {
      record_exchange(log_, 0, outcome, task.sent,
                      {submit_line(id, task.n), kRightAnswer, {}, channel_.error(), plan_.timeout});
      log_.event(type, "submit", EventValue::of(std::vector<std::int64_t>{id, task.n}));
      remember(id, task.n);
    }
    outstanding_.clear();
  }

  void close() override { channel_.close(); }

 private:
  struct Task {
    std::int64_t n;
    TimePoint sent;
  };

  void settle(std::string_view line) {
    auto [word, rest] = split_word(line);
    auto [id_text, tail] = split_word(rest);
    auto id = parse_int(id_text);
    if (!id || (word != "RESULT" && word != "ERROR")) return;
    std::int64_t n = 0;
    TimePoint sent = Clock::now();
    Outcome outcome = Outcome::kOk;
    bool asked = false;
    if (auto it = outstanding_.find(*id); it != outstanding_.end()) {
      asked = true;
      n = it->second.n;
      sent = it->second.sent;
      outstanding_.erase(it);
    } else if (auto old = settled_.find(*id); old != settled_.end()) {
      n = old->second;  // a second answer to a settled task
    }
    std::vector<std::int64_t> value{*id, n};
    if (word == "RESULT") {
      // RESULT <task> <n*n> <worker-pid> <start_us> <end_us>
      for (int i = 0; i < 4; ++i) {
        auto [field, more] = split_word(tail);
        auto number = parse_int(field);
        if (!number) outcome = Outcome::kWrongReply;
        value.push_back(number.value_or(0));
        tail = more;
      }
      if (outcome == Outcome::kOk && value[2] != n * n) outcome = Outcome::kWrongReply;
    }
    // An ERROR answer (its worker died) is a failed operation, though a
    // settled task. An answer nobody waited for (a repeat, or a task never
    // submitted) is no operation of this client: it goes to the history
    // alone, where pool_complete reports it, and never into the figures.
    if (asked) record_answer(word == "RESULT" ? outcome : Outcome::kIoError, sent, *id, n, line);
    log_.event(word == "RESULT" ? EventType::kOk : EventType::kFail, "submit",
               EventValue::of(std::move(value)));
    remember(*id, n);
  }

  // "SUBMIT <task> <n> <work_ms>", without its '\n'.
  std::string submit_line(std::int64_t id, std::int64_t n) const {
    return "SUBMIT " + std::to_string(id) + " " + std::to_string(n) + " " +
           std::to_string(plan_.work_ms);
  }

  static constexpr std::string_view kRightAnswer =
      "RESULT <task> <n*n> <worker-pid> <start_us> <end_us>";

  // An answer to an outstanding task. An ERROR (its worker died) fails as
  // an I/O error does, though the connection stands.
  void record_answer(Outcome outcome, TimePoint sent, std::int64_t id, std::int64_t n,
                     std::string_view answer) {
    if (outcome != Outcome::kIoError) {
      record_exchange(log_, 0, outcome, sent,
                      {submit_line(id, n), kRightAnswer, answer, {}, plan_.timeout});
      return;
    }
    log_.failed(0, outcome, sent, Clock::now(), [&](FailureExample& e) {
      e.request = show_bytes(submit_line(id, n));
      e.received = show_bytes(answer);
      e.rule = "the pool answered ERROR: the task's worker failed";
    });
  }

  void remember(std::int64_t id, std::int64_t n) {
    settled_[id] = n;
    settled_order_.push_back(id);
    if (settled_order_.size() > kSettledMemory) {
      settled_.erase(settled_order_.front());
      settled_order_.pop_front();
    }
  }

  std::uint64_t next_random() {
    random_state_ ^= random_state_ >> 12;
    random_state_ ^= random_state_ << 25;
    random_state_ ^= random_state_ >> 27;
    return random_state_ * 0x2545F4914F6CDD1DULL;
  }

  ClientLog log_;
  const PoolPlan& plan_;
  LineChannel channel_;
  std::uint64_t random_state_;
  std::uint32_t next_task_ = static_cast<std::uint32_t>(log_.random_seed() >> 32);
  std::unordered_map<std::int64_t, Task> outstanding_;
  std::unordered_map<std::int64_t, std::int64_t> settled_;
  std::deque<std::int64_t> settled_order_;
  std::string reply_;
};

class PoolDriver final : public Driver {
 public:
  explicit PoolDriver(PoolPlan plan) : plan_(plan) {}
  const std::vector<std::string>& op_names() const override { return op_names_; }
  bool records_history() const override { return true; }
  ClientSessionPtr open(asio::io_context& io, ClientLog log) override {
    return std::make_unique<SubmitterSession>(io, plan_, std::move(log));
  }

 private:
  PoolPlan plan_;
  std::vector<std::string> op_names_{"submit"};
};

}  // namespace

DriverPtr make_pool_driver(const OpSpec& op, const Endpoint& target) {
  auto work_ms = std::chrono::duration_cast<std::chrono::milliseconds>(op.work).count();
  return std::make_unique<PoolDriver>(
      PoolPlan{op.n_max, work_ms, op.inflight, op.timeout, {target.address, target.port}});
}

}  // namespace drover
