#include "harness/drivers/line_exchange.hpp"

#include "harness/core/shown_bytes.hpp"
#include "harness/drivers/failure_rule.hpp"

namespace drover {

void record_exchange(ClientLog& log, std::size_t op_index, Outcome outcome, TimePoint started,
                     const LineExchange& x) {
  TimePoint ended = Clock::now();
  if (outcome == Outcome::kOk) {
    log.op(op_index, outcome, started, ended);
    return;
  }
  log.failed(op_index, outcome, started, ended, [&](FailureExample& e) {
    e.request = show_bytes(x.sent);
    if (outcome == Outcome::kWrongReply) {
      // No one right reply to show byte for byte: the rule says it in words.
      e.received = show_bytes(x.received);
      e.rule = "expected " + std::string(x.expected);
      return;
    }
    e.rule = unanswered_rule(outcome, x.timeout, x.error);
  });
}

}  // namespace drover
