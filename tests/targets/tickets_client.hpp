// A client of the ticket_db protocol (targets/README.md) for the end-to-end
// tests: one text line out, one text line back, over a loopback TCP
// connection, every wait bounded. Lines may be written together (pipelined);
// replies are read back one at a time in order.
// Not thread-safe: one client per thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>

#include "tests/support/loopback.hpp"

namespace drover::test {

class TicketsClient {
 public:
  TicketsClient(const Endpoint& server, std::chrono::milliseconds timeout)
      : socket_(Socket::connected(server, SOCK_STREAM, timeout)) {}

  bool connected() const { return socket_.fd() >= 0; }

  // Sends `lines` as they are (each must end with '\n').
  bool send(const std::string& lines, std::chrono::milliseconds timeout) {
    return socket_.send_all(lines, timeout);
  }

  // The next reply line without its newline; nullopt on timeout, error or EOF.
  std::optional<std::string> reply(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (auto newline = buffer_.find('\n'); newline != std::string::npos) {
        std::string line = buffer_.substr(0, newline);
        buffer_.erase(0, newline + 1);
        return line;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      auto chunk = socket_.receive(left, 4096);
      if (!chunk) return std::nullopt;
      buffer_ += *chunk;
    }
  }

  // One request (without newline) and its reply.
  std::optional<std::string> request(const std::string& line, std::chrono::milliseconds timeout) {
    if (!send(line + "\n", timeout)) return std::nullopt;
    return reply(timeout);
  }

  // True once the server has closed the connection within timeout.
  bool closed_by_server(std::chrono::milliseconds timeout) {
    return buffer_.empty() && socket_.closed_by_peer(timeout);
  }

 private:
  Socket socket_;
  std::string buffer_;  // received bytes not yet returned as a line
};

}  // namespace drover::test
