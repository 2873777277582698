#include "harness/drivers/final_state.hpp"

#include "harness/drivers/endpoint.hpp"
#include "harness/drivers/line_channel.hpp"
#include "harness/drivers/workload_drivers.hpp"

namespace drover {
namespace {

// Reads "key":number from STATS' one-line JSON; the target's own format is
// fixed (targets/README.md), so a full JSON parser is not needed here.
std::int64_t json_field(std::string_view line, std::string_view key) {
  std::string needle = "\"" + std::string(key) + "\":";
  std::size_t at = line.find(needle);
  if (at == std::string_view::npos) return -1;
  std::string_view rest = line.substr(at + needle.size());
  std::size_t end = rest.find_first_of(",}");
  return parse_int(rest.substr(0, end)).value_or(-1);
}

asio::awaitable<void> ask(LineChannel& channel, ClientLog& log, Protocol protocol) {
  std::string reply;
  auto request = [&](const char* line) -> asio::awaitable<Outcome> {
    channel.begin();
    Outcome outcome = co_await channel.write(line);
    if (outcome == Outcome::kOk) outcome = co_await channel.read_line(reply);
    channel.finish();
    co_return outcome;
  };

  if (protocol == Protocol::kTickets) {
    log.event(EventType::kInvoke, "audit", {});
    Outcome outcome = co_await request("AUDIT\n");
    auto [word, rest] = split_word(reply);
    auto count = outcome == Outcome::kOk && word == "COUNT" ? parse_int(rest) : std::nullopt;
    if (count) {
      log.event(EventType::kOk, "audit", EventValue::of(*count));
    } else {
      log.event(reply_unread(outcome) ? EventType::kInfo : EventType::kFail, "audit",
                EventValue::of(reply));
    }
  } else if (protocol == Protocol::kQueue) {
    log.event(EventType::kInvoke, "join", {});
    Outcome outcome = co_await request("JOIN\n");
    bool joined = outcome == Outcome::kOk && reply == "OK";
    log.event(
        joined ? EventType::kOk : (reply_unread(outcome) ? EventType::kInfo : EventType::kFail),
        "join", joined ? EventValue{} : EventValue::of(reply));
    log.event(EventType::kInvoke, "stats", {});
    outcome = co_await request("STATS\n");
    if (outcome == Outcome::kOk && json_field(reply, "max_depth") >= 0) {
      log.event(
          EventType::kOk, "stats",
          EventValue::of(std::vector<std::int64_t>{
              json_field(reply, "depth"), json_field(reply, "max_depth"), json_field(reply, "put"),
              json_field(reply, "got"), json_field(reply, "done")}));
    } else {
      log.event(reply_unread(outcome) ? EventType::kInfo : EventType::kFail, "stats",
                EventValue::of(reply));
    }
  }
  channel.close();
}

}  // namespace

void record_final_state(Protocol protocol, const std::string& address, const std::string& target,
                        HistoryLog::Buffer& history, TimePoint load_start, Duration timeout) {
  if (protocol != Protocol::kTickets && protocol != Protocol::kQueue) return;
  auto endpoint = resolve_endpoint(address);
  if (!endpoint) return;
  asio::io_context io;
  // JOIN may wait for the consumers' last DONEs: give it twice the timeout.
  LineChannel channel(io, {endpoint->address, endpoint->port}, timeout * 2);
  ClientLog log(nullptr, &history, 0, 0, 0, "@" + target, load_start);
  asio::co_spawn(io, ask(channel, log, protocol), asio::detached);
  io.run();
}

}  // namespace drover
