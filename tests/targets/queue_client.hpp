// A client connection to queue_broker for the end-to-end tests: sends request
// lines and reads reply lines, every read bounded by a timeout. A reply that
// does not come in time is nullopt, never a hang. Not thread-safe: one
// connection per thread.
#pragma once

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "tests/support/loopback.hpp"

namespace drover::test {

class QueueClient {
 public:
  static constexpr std::chrono::milliseconds kReplyTimeout{3000};

  explicit QueueClient(const Endpoint& broker)
      : socket_(Socket::connected(broker, SOCK_STREAM, std::chrono::milliseconds(1000))) {}

  bool connected() const { return socket_.fd() >= 0; }

  // Sends one request line (the newline is added) without waiting for its
  // reply, for requests that are meant to block.
  bool send(std::string_view line) {
    return connected() && socket_.send_all(std::string(line) + "\n", kReplyTimeout);
  }

  // The next reply line without its newline; nullopt on timeout or EOF.
  std::optional<std::string> reply(std::chrono::milliseconds timeout = kReplyTimeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      if (!connected()) return std::nullopt;
      // Read even when the time is up: a reply already received counts.
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      auto chunk = socket_.receive(std::max(left, std::chrono::milliseconds(0)));
      if (!chunk) return std::nullopt;
      buffer_ += *chunk;
    }
  }

  // One request and its reply.
  std::optional<std::string> request(std::string_view line,
                                     std::chrono::milliseconds timeout = kReplyTimeout) {
    if (!send(line)) return std::nullopt;
    return reply(timeout);
  }

  // True once the broker has closed the connection within timeout.
  bool closed_by_peer(std::chrono::milliseconds timeout) {
    return buffer_.empty() && socket_.closed_by_peer(timeout);
  }

 private:
  Socket socket_;
  std::string buffer_;  // received bytes not yet returned as lines
};

}  // namespace drover::test
