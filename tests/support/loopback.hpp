// Loopback clients for tests that talk to real servers: UDP and TCP sockets
// whose every wait is bounded, a free port, and the parsing of a target's
// READY line. Not thread-safe: one socket per thread.
#pragma once

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <utility>

namespace drover::test {

struct Endpoint {
  std::string host;  // without brackets: "::1"
  int port = 0;
};

// "READY udp [::1]:40000" -> {"::1", 40000}; nullopt for anything else.
inline std::optional<Endpoint> parse_ready(const std::string& line, const std::string& protocol) {
  static const std::regex kReady(R"(^READY (udp|tcp) (\[([^\]]+)\]|[^:\s\[\]]+):(\d{1,5})$)");
  std::smatch m;
  if (!std::regex_match(line, m, kReady) || m[1] != protocol) return std::nullopt;
  Endpoint e;
  e.host = m[3].matched ? m[3].str() : m[2].str();
  e.port = std::stoi(m[4].str());
  if (e.port <= 0 || e.port > 65535) return std::nullopt;
  return e;
}

// The ASCII upper-case of text, as the targets promise it.
inline std::string upper(std::string text) {
  for (char& c : text)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - ('a' - 'A'));
  return text;
}

class Socket {
 public:
  Socket() = default;
  explicit Socket(int fd) : fd_(fd) {}
  Socket(Socket&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Socket& operator=(Socket&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  ~Socket() { reset(); }
  int fd() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  // Connected to host:port (numeric), non-blocking; fd() < 0 on failure.
  static Socket connected(const Endpoint& to, int type, std::chrono::milliseconds timeout) {
    addrinfo hints{};
    hints.ai_socktype = type;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    if (getaddrinfo(to.host.c_str(), std::to_string(to.port).c_str(), &hints, &found) != 0)
      return {};
    Socket s(socket(found->ai_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    int rc = s.fd_ < 0 ? -1 : connect(s.fd_, found->ai_addr, found->ai_addrlen);
    freeaddrinfo(found);
    if (s.fd_ < 0 || (rc < 0 && errno != EINPROGRESS)) return {};
    if (rc < 0) {
      pollfd p{s.fd_, POLLOUT, 0};
      int error = 0;
      socklen_t length = sizeof error;
      if (poll(&p, 1, static_cast<int>(timeout.count())) != 1 ||
          getsockopt(s.fd_, SOL_SOCKET, SO_ERROR, &error, &length) < 0 || error != 0)
        return {};
    }
    return s;
  }

  bool send_all(std::string_view data, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n > 0) {
        data.remove_prefix(static_cast<std::size_t>(n));
      } else if (n < 0 && errno == EAGAIN) {
        if (!wait(POLLOUT, deadline)) return false;
      } else if (!(n < 0 && errno == EINTR)) {
        return false;
      }
    }
    return true;
  }

  // One datagram, or up to max bytes of a stream; nullopt on timeout, error
  // or EOF.
  std::optional<std::string> receive(std::chrono::milliseconds timeout, std::size_t max = 65536) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string buffer(max, '\0');
    for (;;) {
      ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
      if (n > 0 || (n == 0 && type() == SOCK_DGRAM)) {
        buffer.resize(static_cast<std::size_t>(n));
        return buffer;
      }
      if (n == 0 || (errno != EAGAIN && errno != EINTR)) return std::nullopt;
      if (!wait(POLLIN, deadline)) return std::nullopt;
    }
  }

  // Exactly n bytes of a stream, or nullopt.
  std::optional<std::string> receive_exactly(std::size_t n, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string data;
    while (data.size() < n) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      auto chunk = receive(std::max(left, std::chrono::milliseconds(0)), n - data.size());
      if (!chunk) return std::nullopt;
      data += *chunk;
    }
    return data;
  }

  // True once the peer has closed the stream (EOF or reset) within timeout.
  bool closed_by_peer(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      char byte;
      ssize_t n = ::recv(fd_, &byte, 1, 0);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return true;
      if (n < 0 && !wait(POLLIN, deadline)) return false;
    }
  }

 private:
  int type() const {
    int t = 0;
    socklen_t length = sizeof t;
    getsockopt(fd_, SOL_SOCKET, SO_TYPE, &t, &length);
    return t;
  }

  bool wait(short events, std::chrono::steady_clock::time_point deadline) const {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) return false;
    pollfd p{fd_, events, 0};
    return poll(&p, 1, static_cast<int>(left)) > 0;
  }

  int fd_ = -1;
};

// A loopback port that was free a moment ago (bound to port 0, then closed),
// for servers that must be told their port.
inline int free_loopback_port(int type) {
  Socket s(socket(AF_INET, type | SOCK_CLOEXEC, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (bind(s.fd(), reinterpret_cast<sockaddr*>(&address), length) < 0 ||
      getsockname(s.fd(), reinterpret_cast<sockaddr*>(&address), &length) < 0)
    return 0;
  return ntohs(address.sin_port);
}

}  // namespace drover::test
