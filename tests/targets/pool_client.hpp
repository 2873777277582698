// A loopback client of worker_pool for the end-to-end tests: SUBMIT lines out,
// RESULT and ERROR lines back, every wait bounded; and the most tasks that
// ran at once, from the workers' own start and end times.
// Not thread-safe: one PoolConnection per thread.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/loopback.hpp"

namespace drover::test {

// One answer line from the pool.
struct PoolAnswer {
  bool ok = false;         // RESULT, or else ERROR (or a line that is neither)
  std::int64_t task = -1;  // -1 for "ERROR - ..." and for lines that are neither
  std::int64_t value = 0;  // n*n
  pid_t worker = 0;
  std::int64_t start_us = 0, end_us = 0;
  std::string reason;  // of an ERROR
  std::string line;    // as received, for assertion messages
};

// "RESULT <task> <n*n> <pid> <start_us> <end_us>" or "ERROR <task|-> <reason>".
// A line that is neither comes back with ok false, task -1 and no reason.
inline PoolAnswer parse_pool_answer(const std::string& line) {
  PoolAnswer a;
  a.line = line;
  std::istringstream in(line);
  std::string kind, task, rest;
  if (!(in >> kind >> task)) return a;
  if (kind == "RESULT") {
    long long value = 0, worker = 0, start = 0, end = 0;
    if (!(in >> value >> worker >> start >> end) || (in >> rest)) return a;
    a.ok = true;
    a.value = value;
    a.worker = static_cast<pid_t>(worker);
    a.start_us = start;
    a.end_us = end;
  } else if (kind == "ERROR") {
    std::getline(in >> std::ws, a.reason);
  } else {
    return a;
  }
  if (task == "-") return a;
  char* end = nullptr;
  a.task = std::strtoll(task.c_str(), &end, 10);
  if (*end != '\0' || task[0] == '-') {
    a = PoolAnswer{};
    a.line = line;
  }
  return a;
}

class PoolConnection {
 public:
  explicit PoolConnection(const Endpoint& server)
      : socket_(Socket::connected(server, SOCK_STREAM, std::chrono::milliseconds(1000))) {}

  bool connected() const { return socket_.fd() >= 0; }

  // Raw text, for requests that are not well formed.
  bool send(const std::string& text) {
    return socket_.send_all(text, std::chrono::milliseconds(1000));
  }

  static std::string submit_line(std::int64_t task, std::int64_t n, std::int64_t work_ms) {
    return "SUBMIT " + std::to_string(task) + " " + std::to_string(n) + " " +
           std::to_string(work_ms) + "\n";
  }

  bool submit(std::int64_t task, std::int64_t n, std::int64_t work_ms) {
    return send(submit_line(task, n, work_ms));
  }

  // One line without its newline; nullopt on timeout, EOF or error.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      auto chunk = socket_.receive(left);
      if (!chunk) return std::nullopt;
      buffer_ += *chunk;
    }
  }

  std::optional<PoolAnswer> next(std::chrono::milliseconds timeout) {
    auto line = read_line(timeout);
    if (!line) return std::nullopt;
    return parse_pool_answer(*line);
  }

  // Answers until `count` have come or `timeout` has passed, whichever is first.
  std::vector<PoolAnswer> collect(std::size_t count, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::vector<PoolAnswer> answers;
    while (answers.size() < count) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      auto answer = next(std::max(left, std::chrono::milliseconds(0)));
      if (!answer) break;
      answers.push_back(std::move(*answer));
    }
    return answers;
  }

  // True once the server has closed the connection within timeout.
  bool closed_by_server(std::chrono::milliseconds timeout) {
    return buffer_.empty() && socket_.closed_by_peer(timeout);
  }

  // Half-closes the connection, as `nc -q1` does once its input ends.
  void finish_sending() { ::shutdown(socket_.fd(), SHUT_WR); }

  void close() { socket_.reset(); }

 private:
  Socket socket_;
  std::string buffer_;
};

// The most RESULTs whose [start_us, end_us] overlap at one instant. A task
// ending in the microsecond another starts does not overlap it: one worker
// runs its tasks back to back.
inline std::size_t max_overlap(const std::vector<PoolAnswer>& answers) {
  std::vector<std::pair<std::int64_t, int>> edges;
  for (const auto& a : answers) {
    if (!a.ok) continue;
    edges.emplace_back(a.start_us, +1);
    edges.emplace_back(a.end_us, -1);
  }
  std::sort(edges.begin(), edges.end());  // at equal times, -1 (an end) sorts first
  std::int64_t running = 0, peak = 0;
  for (const auto& [at, delta] : edges) {
    running += delta;
    peak = std::max(peak, running);
  }
  return static_cast<std::size_t>(peak);
}

}  // namespace drover::test
