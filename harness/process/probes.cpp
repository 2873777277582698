// Readiness probes and free-port picking, with plain POSIX sockets: each
// probe is a short loop of cheap checks against loopback, bounded by its
// deadline.
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "harness/core/host_port.hpp"
#include "harness/process/output_capture.hpp"
#include "harness/process/supervisor.hpp"

namespace drover {
namespace {

using namespace std::chrono_literals;

constexpr auto kUdpPollInterval = 20ms;
constexpr auto kTcpRetryInterval = 50ms;
constexpr auto kTcpConnectTimeout = 200ms;
// Even a caller whose deadline has passed gets one real attempt.
constexpr auto kTcpMinAttempt = 20ms;

void sleep_until_or(TimePoint wake, TimePoint deadline) {
  std::this_thread::sleep_until(std::min(wake, deadline));
}

// Local addresses as /proc/net/udp{,6} print them: each 32-bit word of the
// address in network order, printed as a native integer ("0100007F" is
// 127.0.0.1 on a little-endian machine).
std::string proc_hex(const in_addr& a) {
  return fmt::format("{:08X}", a.s_addr);
}
std::string proc_hex(const in6_addr& a) {
  std::string hex;
  for (int i = 0; i < 4; ++i) hex += fmt::format("{:08X}", a.s6_addr32[i]);
  return hex;
}
std::string v4_mapped_hex(const in_addr& a) {
  in6_addr mapped{};
  mapped.s6_addr[10] = 0xff;
  mapped.s6_addr[11] = 0xff;
  std::memcpy(&mapped.s6_addr[12], &a.s_addr, 4);
  return proc_hex(mapped);
}

// Which local addresses in /proc/net/udp and udp6 count as "bound for host":
// the host's own address or a wildcard. An empty list accepts any address
// (a host name other than localhost: it is not resolved here).
struct UdpMatch {
  std::vector<std::string> v4, v6;
  bool any_address = false;
};

UdpMatch udp_match_for(const std::string& host) {
  UdpMatch m;
  const std::string any4(8, '0'), any6(32, '0');
  in_addr a4{};
  in6_addr a6{};
  if (host == "localhost") inet_pton(AF_INET, "127.0.0.1", &a4);
  if (host == "localhost" || inet_pton(AF_INET, host.c_str(), &a4) == 1) {
    // An IPv6 socket bound to :: also receives IPv4 datagrams (unless V6ONLY).
    m.v4 = {proc_hex(a4), any4};
    m.v6 = {any6, v4_mapped_hex(a4)};
    if (host == "localhost" && inet_pton(AF_INET6, "::1", &a6) == 1) m.v6.push_back(proc_hex(a6));
  } else if (inet_pton(AF_INET6, host.c_str(), &a6) == 1) {
    m.v6 = {proc_hex(a6), any6};
  } else {
    m.any_address = true;
  }
  return m;
}

// True if a line of the table lists a socket bound to port on an accepted address.
bool table_lists(const char* table, int port, const std::vector<std::string>& addresses,
                 bool any_address) {
  std::ifstream in(table);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string slot, local;
    if (!(fields >> slot >> local)) continue;
    auto colon = local.rfind(':');
    if (colon == std::string::npos) continue;
    int local_port = 0;
    auto port_text = std::string_view(local).substr(colon + 1);
    auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), local_port, 16);
    if (ec != std::errc() || local_port != port) continue;
    if (any_address) return true;
    auto address = local.substr(0, colon);
    if (std::find(addresses.begin(), addresses.end(), address) != addresses.end()) return true;
  }
  return false;
}

// A socket address as connect() takes it.
struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
};

// The address to connect to. Literals and localhost need no resolver; any
// other name is resolved once (from /etc/hosts or the system's resolver).
std::optional<SocketAddress> tcp_address(const HostPort& hp) {
  SocketAddress a;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&a.storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.storage);
  const std::string host = hp.host == "localhost" ? "127.0.0.1" : hp.host;
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(hp.port));
    a.length = sizeof(sockaddr_in);
    return a;
  }
  if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(hp.port));
    a.length = sizeof(sockaddr_in6);
    return a;
  }
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(hp.port).c_str(), &hints, &found) != 0) {
    return std::nullopt;
  }
  std::memcpy(&a.storage, found->ai_addr, found->ai_addrlen);
  a.length = found->ai_addrlen;
  freeaddrinfo(found);
  return a;
}

// One non-blocking connect, given up at `until`.
bool connect_once(const SocketAddress& address, TimePoint until) {
  UniqueFd fd(::socket(address.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return false;
  const auto* to = reinterpret_cast<const sockaddr*>(&address.storage);
  if (::connect(fd.get(), to, address.length) == 0) return true;
  if (errno != EINPROGRESS) return false;
  for (;;) {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(until - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd.get(), POLLOUT, 0};
    int n = ::poll(&p, 1, static_cast<int>(left));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    int error = 0;
    socklen_t size = sizeof error;
    if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &size) != 0) return false;
    return error == 0;
  }
}

}  // namespace

int pick_free_port(Protocol protocol) {
  const int type = protocol == Protocol::kUdp ? SOCK_DGRAM : SOCK_STREAM;
  UniqueFd fd(::socket(AF_INET, type | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) throw std::system_error(errno, std::system_category(), "socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    throw std::system_error(errno, std::system_category(), "bind 127.0.0.1:0");
  }
  socklen_t length = sizeof address;
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::system_error(errno, std::system_category(), "getsockname");
  }
  return ntohs(address.sin_port);
}

bool wait_udp_bound(const std::string& address, TimePoint deadline) {
  auto hp = parse_host_port(address);
  if (!hp) return false;
  const UdpMatch match = udp_match_for(hp->host);
  for (;;) {
    const TimePoint checked = Clock::now();
    if (table_lists("/proc/net/udp", hp->port, match.v4, match.any_address) ||
        table_lists("/proc/net/udp6", hp->port, match.v6, match.any_address)) {
      return true;
    }
    if (checked >= deadline) return false;
    sleep_until_or(checked + kUdpPollInterval, deadline);
  }
}

bool wait_tcp_accepts(const std::string& address, TimePoint deadline) {
  auto hp = parse_host_port(address);
  if (!hp) return false;
  std::optional<SocketAddress> target = tcp_address(*hp);
  if (!target) return false;
  for (;;) {
    const TimePoint attempt = Clock::now();
    const TimePoint give_up =
        std::max(std::min(deadline, attempt + kTcpConnectTimeout), attempt + kTcpMinAttempt);
    if (connect_once(*target, give_up)) return true;
    if (Clock::now() >= deadline) return false;
    sleep_until_or(attempt + kTcpRetryInterval, deadline);
  }
}

}  // namespace drover
