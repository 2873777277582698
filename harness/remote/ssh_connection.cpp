// SshConnection: the socket, the handshake, keepalives, the disconnect and
// the non-blocking machinery. The host key check is in ssh_host_key.cpp,
// authentication in ssh_auth.cpp.
#include "harness/remote/ssh_connection.hpp"

#include <libssh2.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <utility>

#include <fmt/format.h>

#include "harness/remote/known_hosts.hpp"

namespace drover {
namespace {

void init_libssh2_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (libssh2_init(0) != 0) throw SshError("ssh: libssh2_init failed");
  });
}

// Milliseconds until deadline; zero or less once it has passed.
long milliseconds_left(TimePoint deadline) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
}

// True once fd is ready either way, false if deadline comes first.
bool wait_ready(int fd, TimePoint deadline) {
  const long left = milliseconds_left(deadline);
  pollfd p{fd, POLLIN | POLLOUT, 0};
  return left > 0 && ::poll(&p, 1, static_cast<int>(left)) > 0;
}

// Waits for a connect() in progress: 0, or the errno it failed with.
int finish_connect(int fd, TimePoint deadline) {
  for (;;) {
    const long left = milliseconds_left(deadline);
    if (left <= 0) return ETIMEDOUT;
    pollfd p{fd, POLLOUT, 0};
    const int n = ::poll(&p, 1, static_cast<int>(left));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) return ETIMEDOUT;
    int so_error = 0;
    socklen_t len = sizeof so_error;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len);
    return so_error;
  }
}

// A non-blocking TCP connection to one address by deadline: its socket, or
// why not (a timeout says how long it waited since start).
Expected<int> connect_to(const addrinfo& address, TimePoint deadline, TimePoint start) {
  const int fd = ::socket(address.ai_family, address.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                          address.ai_protocol);
  if (fd < 0) return unexpected(std::strerror(errno));
  int error = ::connect(fd, address.ai_addr, address.ai_addrlen) == 0 ? 0 : errno;
  if (error == EINPROGRESS) error = finish_connect(fd, deadline);
  if (error == 0) {
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
  }
  ::close(fd);
  if (error == ETIMEDOUT) {
    return unexpected(fmt::format("timed out after {:.1f} s", to_seconds(Clock::now() - start)));
  }
  return unexpected(std::strerror(error));
}

}  // namespace

std::string SshHostSpec::label() const {
  return fmt::format("{} ({}@{}:{})", name.empty() ? address : name, user, address, port);
}

std::string SshHostSpec::notice_source() const {
  return name.empty() ? "host " + address : fmt::format("host {} ({})", name, address);
}

SshConnection::SshConnection(SshHostSpec spec, Notify notify)
    : spec_(std::move(spec)), label_("ssh " + spec_.label()), notify_(std::move(notify)) {
  init_libssh2_once();
  try {
    open_socket(Clock::now() + spec_.connect_timeout);
    const TimePoint login_deadline = Clock::now() + spec_.login_timeout;
    const KnownHosts known = read_known_hosts_file();
    handshake(known, login_deadline);
    verify_host_key(known);  // before any credential is sent
    authenticate(login_deadline);
    start_keepalives();
  } catch (...) {
    disconnect();  // the destructor does not run for a throwing constructor
    throw;
  }
}

SshConnection::~SshConnection() {
  disconnect();
}

void SshConnection::disconnect() noexcept {
  if (session_ != nullptr) {
    const TimePoint deadline = Clock::now() + cleanup_time;
    while (libssh2_session_disconnect(session_, "drover done") == LIBSSH2_ERROR_EAGAIN) {
      if (!wait_ready(fd_, deadline)) break;
    }
    // Freeing may want to talk to the server too (it frees the channels
    // still open, a held one among them); once the deadline has passed the
    // socket is shut down, so every further send or receive fails at once
    // and libssh2 stops retrying.
    for (int round = 0; round < 1000; ++round) {
      if (libssh2_session_free(session_) != LIBSSH2_ERROR_EAGAIN) break;
      if (!wait_ready(fd_, deadline)) ::shutdown(fd_, SHUT_RDWR);
    }
    session_ = nullptr;
  }
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

void SshConnection::warn(std::string message) {
  notify(notify_, spec_.notice_source(), message);
  warnings_.push_back(std::move(message));
}

void SshConnection::open_socket(TimePoint deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(spec_.port);
  if (int rc = ::getaddrinfo(spec_.address.c_str(), port.c_str(), &hints, &found); rc != 0) {
    fail_plain(fmt::format("cannot resolve \"{}\": {}", spec_.address, ::gai_strerror(rc)));
  }
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> addresses(found, ::freeaddrinfo);
  const TimePoint start = Clock::now();
  std::string error = "no address";
  for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
    Expected<int> fd = connect_to(*a, deadline, start);
    if (fd) {
      fd_ = *fd;
      return;
    }
    error = fd.error();
  }
  fail_plain(fmt::format("cannot connect: {}", error));
}

SshConnection::KnownHosts SshConnection::read_known_hosts_file() const {
  KnownHosts known;
  known.path = spec_.known_hosts;
  if (known.path.empty()) {
    const char* home = std::getenv("HOME");
    known.path = std::string(home ? home : "") + "/.ssh/known_hosts";
  }
  known.name = known_hosts_name(spec_.address, spec_.port);
  Expected<std::string> text = read_known_hosts(known.path);
  if (!text) fail_plain(text.error());
  known.text = std::move(*text);
  return known;
}

void SshConnection::handshake(const KnownHosts& known, TimePoint deadline) {
  session_ = libssh2_session_init_ex(nullptr, nullptr, nullptr, nullptr);
  if (session_ == nullptr) fail_plain("libssh2 cannot create a session");
  libssh2_session_set_blocking(session_, 0);

  // Only the key types known_hosts records for the host, as OpenSSH does:
  // otherwise libssh2 1.10 picks ECDSA first and an ed25519-only entry
  // would not match.
  const auto pinned = pinned_host_key_types(known.text, known.name);
  const auto& offer = pinned.empty() ? usable_host_key_types() : pinned;
  libssh2_session_method_pref(session_, LIBSSH2_METHOD_HOSTKEY,
                              fmt::format("{}", fmt::join(offer, ",")).c_str());

  const int rc =
      retry([&] { return libssh2_session_handshake(session_, fd_); }, deadline, "SSH handshake");
  if (rc == 0) return;
  if (!pinned.empty()) {
    fail(
        fmt::format("SSH handshake failed (known_hosts {} records only {} key(s) for {}; "
                    "does the server still offer them?)",
                    known.path, fmt::join(pinned, ", "), known.name));
  }
  fail("SSH handshake failed");
}

void SshConnection::start_keepalives() {
  if (spec_.keepalive_interval.count() <= 0) return;
  // libssh2 takes 1 s for 2 s, and would then send fewer than counted here.
  const auto interval = std::max(spec_.keepalive_interval, std::chrono::seconds(2));
  // No reply asked for: libssh2 1.10 would keep every reply, never read.
  libssh2_keepalive_config(session_, 0, static_cast<unsigned>(interval.count()));
  keepalive_interval_ = interval;
  next_keepalive_ = Clock::now() + interval;
}

void SshConnection::send_keepalive_if_due(int block_directions) {
  if (Clock::now() < next_keepalive_) return;
  // Only while libssh2 waits to read and the socket has room: libssh2 1.10
  // keeps a keepalive it could send only in part, and then refuses the
  // packet of whatever call comes next.
  pollfd p{fd_, POLLOUT, 0};
  if (block_directions != LIBSSH2_SESSION_BLOCK_INBOUND || ::poll(&p, 1, 0) != 1) return;
  int seconds_to_next = 0;
  if (libssh2_keepalive_send(session_, &seconds_to_next) == 0) ++keepalives_sent_;
  next_keepalive_ = Clock::now() + keepalive_interval_;
}

void SshConnection::wait_socket(TimePoint deadline, std::string_view what) {
  const int directions = libssh2_session_block_directions(session_);
  send_keepalive_if_due(directions);
  short events = 0;
  if (directions & LIBSSH2_SESSION_BLOCK_INBOUND) events |= POLLIN;
  if (directions & LIBSSH2_SESSION_BLOCK_OUTBOUND) events |= POLLOUT;
  if (events == 0) events = POLLIN;
  for (;;) {
    const long left = milliseconds_left(deadline);
    if (left <= 0) fail_plain(fmt::format("{} timed out", what));
    pollfd p{fd_, events, 0};
    // Short slices: libssh2 may have data buffered that poll cannot see.
    const int n = ::poll(&p, 1, static_cast<int>(std::min<long>(left + 1, 100)));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_plain(fmt::format("{}: poll: {}", what, std::strerror(errno)));
    return;
  }
}

int SshConnection::retry(const std::function<int()>& f, TimePoint deadline, std::string_view what) {
  for (;;) {
    const int rc = f();
    if (rc != LIBSSH2_ERROR_EAGAIN) return rc;
    wait_socket(deadline, what);
  }
}

void* SshConnection::retry_ptr(const std::function<void*()>& f, TimePoint deadline,
                               std::string_view what) {
  for (;;) {
    void* p = f();
    if (p != nullptr || libssh2_session_last_errno(session_) != LIBSSH2_ERROR_EAGAIN) return p;
    wait_socket(deadline, what);
  }
}

std::string SshConnection::last_error() const {
  if (session_ == nullptr) return "no session";
  char* message = nullptr;
  int length = 0;
  const int code = libssh2_session_last_error(session_, &message, &length, 0);
  if (message == nullptr || length == 0) return fmt::format("libssh2 error {}", code);
  return std::string(message, length);
}

void SshConnection::fail(std::string_view what) const {
  throw SshError(fmt::format("{}: {}: {}", label_, what, last_error()));
}

void SshConnection::fail_plain(std::string_view what) const {
  throw SshError(fmt::format("{}: {}", label_, what));
}

}  // namespace drover
