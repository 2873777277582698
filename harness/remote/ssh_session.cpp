// SshSession: the connection (socket, handshake, host key check), commands,
// and the non-blocking plumbing. Authentication is in ssh_auth.cpp, SFTP in
// ssh_sftp.cpp.
#include "harness/remote/ssh_session.hpp"

#include <fcntl.h>
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
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <utility>

#include <fmt/format.h>

#include "harness/remote/known_hosts.hpp"
#include "harness/remote/shell_quote.hpp"

namespace drover {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// Cleanup after a failure gets its own short deadline: the caller's may
// already have passed.
constexpr Duration kCleanupTime = 2s;

void init_libssh2_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (libssh2_init(0) != 0) throw SshError("ssh: libssh2_init failed");
  });
}

std::string seconds_text(Duration d) {
  return fmt::format("{:.1f} s", to_seconds(d));
}

// libssh2's key types as known_hosts masks and as method names.
int knownhost_key_bit(int hostkey_type) {
  switch (hostkey_type) {
    case LIBSSH2_HOSTKEY_TYPE_RSA:
      return LIBSSH2_KNOWNHOST_KEY_SSHRSA;
    case LIBSSH2_HOSTKEY_TYPE_DSS:
      return LIBSSH2_KNOWNHOST_KEY_SSHDSS;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_256:
      return LIBSSH2_KNOWNHOST_KEY_ECDSA_256;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_384:
      return LIBSSH2_KNOWNHOST_KEY_ECDSA_384;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_521:
      return LIBSSH2_KNOWNHOST_KEY_ECDSA_521;
    case LIBSSH2_HOSTKEY_TYPE_ED25519:
      return LIBSSH2_KNOWNHOST_KEY_ED25519;
    default:
      return LIBSSH2_KNOWNHOST_KEY_UNKNOWN;
  }
}

// Host key algorithms libssh2 1.10 can verify, best first. (RSA host keys
// need ssh-rsa, which OpenSSH 8.8+ no longer offers: it stays last.)
const std::vector<std::string> kHostKeyPreference = {
    "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa"};

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

std::string known_hosts_path(const SshHostSpec& spec) {
  if (!spec.known_hosts.empty()) return spec.known_hosts;
  const char* home = std::getenv("HOME");
  return std::string(home ? home : "") + "/.ssh/known_hosts";
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The host key types known_hosts records for this host, restricted to the
// ones libssh2 can use and in our order of preference. The handshake asks
// the server for these only, as OpenSSH does: otherwise libssh2 1.10 picks
// ECDSA first and an ed25519-only entry would not match.
std::vector<std::string> pinned_host_key_types(const std::string& known_hosts_text,
                                               const std::string& name) {
  auto recorded = recorded_key_types(known_hosts_text, name);
  std::vector<std::string> pinned;
  for (const auto& type : kHostKeyPreference) {
    if (std::find(recorded.begin(), recorded.end(), type) != recorded.end()) {
      pinned.push_back(type);
    }
  }
  return pinned;
}

}  // namespace

std::string SshHostSpec::label() const {
  return fmt::format("{} ({}@{}:{})", name.empty() ? address : name, user, address, port);
}

std::string CommandResult::describe() const {
  if (!exit_signal.empty()) return "killed by signal " + exit_signal;
  if (exit_status) return fmt::format("exited with status {}", *exit_status);
  return "ended without an exit status";
}

SshSession::SshSession(SshHostSpec spec) : spec_(std::move(spec)), label_("ssh " + spec_.label()) {
  init_libssh2_once();
  try {
    open_socket(Clock::now() + spec_.connect_timeout);
    TimePoint login_deadline = Clock::now() + spec_.login_timeout;
    handshake(login_deadline);
    verify_host_key();  // before any credential is sent
    authenticate(login_deadline);
  } catch (...) {
    disconnect();  // the destructor does not run for a throwing constructor
    throw;
  }
}

SshSession::~SshSession() {
  disconnect();
}

void SshSession::disconnect() noexcept {
  held_ = nullptr;  // freed with the session; its command reads end of file
  if (session_ != nullptr) {
    const TimePoint deadline = Clock::now() + kCleanupTime;
    int rc;
    while ((rc = libssh2_session_disconnect(session_, "drover done")) == LIBSSH2_ERROR_EAGAIN) {
      pollfd p{fd_, POLLIN | POLLOUT, 0};
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    }
    // Freeing may want to talk to the server too; once the deadline has
    // passed the socket is shut down, so every further send or receive
    // fails at once and libssh2 stops retrying.
    for (int round = 0; round < 1000; ++round) {
      rc = libssh2_session_free(session_);
      if (rc != LIBSSH2_ERROR_EAGAIN) break;
      pollfd p{fd_, POLLIN | POLLOUT, 0};
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
        ::shutdown(fd_, SHUT_RDWR);
      }
    }
    session_ = nullptr;
  }
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

void SshSession::warn(std::string message) {
  fmt::print(stderr, "warning: {}\n", message);
  warnings_.push_back(std::move(message));
}

void SshSession::open_socket(TimePoint deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  std::string port = std::to_string(spec_.port);
  if (int rc = ::getaddrinfo(spec_.address.c_str(), port.c_str(), &hints, &found); rc != 0) {
    fail_plain(fmt::format("cannot resolve \"{}\": {}", spec_.address, ::gai_strerror(rc)));
  }
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> addresses(found, ::freeaddrinfo);
  const TimePoint start = Clock::now();
  std::string error = "no address";
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      error = std::strerror(errno);
      continue;
    }
    int rc = ::connect(fd, a->ai_addr, a->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) {
          errno = ETIMEDOUT;
          break;
        }
        pollfd p{fd, POLLOUT, 0};
        int n = ::poll(&p, 1, static_cast<int>(left.count()));
        if (n < 0 && errno == EINTR) continue;
        if (n > 0) {
          int so_error = 0;
          socklen_t len = sizeof so_error;
          ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len);
          rc = so_error == 0 ? 0 : -1;
          errno = so_error;
        }
        if (n == 0) errno = ETIMEDOUT;
        break;
      }
    }
    if (rc == 0) {
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      fd_ = fd;
      return;
    }
    error = errno == ETIMEDOUT
                ? fmt::format("timed out after {}", seconds_text(Clock::now() - start))
                : std::string(std::strerror(errno));
    ::close(fd);
  }
  fail_plain(fmt::format("cannot connect: {}", error));
}

void SshSession::handshake(TimePoint deadline) {
  session_ = libssh2_session_init_ex(nullptr, nullptr, nullptr, nullptr);
  if (session_ == nullptr) fail_plain("libssh2 cannot create a session");
  libssh2_session_set_blocking(session_, 0);

  const std::string file = known_hosts_path(spec_);
  const std::string name = known_hosts_name(spec_.address, spec_.port);
  auto pinned = pinned_host_key_types(read_text(file), name);
  const auto& offer = pinned.empty() ? kHostKeyPreference : pinned;
  libssh2_session_method_pref(session_, LIBSSH2_METHOD_HOSTKEY, join(offer, ",").c_str());

  int rc =
      retry([&] { return libssh2_session_handshake(session_, fd_); }, deadline, "SSH handshake");
  if (rc != 0) {
    if (!pinned.empty()) {
      fail(
          fmt::format("SSH handshake failed (known_hosts {} records only {} key(s) for {}; "
                      "does the server still offer them?)",
                      file, join(pinned, ", "), name));
    }
    fail("SSH handshake failed");
  }
}

void SshSession::verify_host_key() {
  std::size_t len = 0;
  int type = LIBSSH2_HOSTKEY_TYPE_UNKNOWN;
  const char* key = libssh2_session_hostkey(session_, &len, &type);
  if (key == nullptr) fail("the server sent no host key");
  const std::string blob(key, len);
  const std::string key_type = key_type_of_blob(blob);
  const std::string fingerprint = sha256_fingerprint(blob);
  const std::string file = known_hosts_path(spec_);
  const std::string name = known_hosts_name(spec_.address, spec_.port);
  const std::string text = read_text(file);

  LIBSSH2_KNOWNHOSTS* hosts = libssh2_knownhost_init(session_);
  if (hosts == nullptr) fail("cannot check known_hosts");
  std::unique_ptr<LIBSSH2_KNOWNHOSTS, void (*)(LIBSSH2_KNOWNHOSTS*)> free_hosts(
      hosts, libssh2_knownhost_free);
  // Line by line: a line libssh2 cannot read (a marker, a key type it does
  // not know) is skipped instead of failing the whole file.
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#' || line[first] == '@') continue;
    libssh2_knownhost_readline(hosts, line.c_str(), line.size(), LIBSSH2_KNOWNHOST_FILE_OPENSSH);
  }
  // The name is already "[address]:port" for a port other than 22, and the
  // port argument is -1: libssh2 would otherwise also accept an entry for
  // the bare address on any port, which OpenSSH does not.
  const int mask =
      LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | knownhost_key_bit(type);
  libssh2_knownhost* entry = nullptr;
  const int check = libssh2_knownhost_checkp(hosts, name.c_str(), -1, key, len, mask, &entry);

  switch (check) {
    case LIBSSH2_KNOWNHOST_CHECK_MATCH:
      return;
    case LIBSSH2_KNOWNHOST_CHECK_MISMATCH:
      fail_plain(fmt::format(
          "host key verification failed: the {} host key of {} has CHANGED (it is now {}), and "
          "{} records a different one. Someone may be intercepting the connection, or the host "
          "was reinstalled; if the change is expected, remove the old entry with "
          "ssh-keygen -R '{}' -f {}",
          key_type, name, fingerprint, file, name, file));
    case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND:
      break;
    default:
      fail(fmt::format("cannot check the host key against {}", file));
  }

  auto recorded = recorded_key_types(text, name);
  if (!recorded.empty()) {
    fail_plain(fmt::format(
        "host key verification failed: {} records {} key(s) for {}, but the server presents "
        "a {} key {}: refused as a changed key; if expected, remove the old entries with "
        "ssh-keygen -R '{}' -f {}",
        file, join(recorded, ", "), name, key_type, fingerprint, name, file));
  }
  if (spec_.host_key_policy != HostKeyPolicy::accept_new) {
    fail_plain(fmt::format(
        "host key verification failed: {} is not in known_hosts {} (its {} key is {}). Check "
        "the fingerprint, then add it (ssh-keyscan -p {} {} >> {}) or set the host key policy "
        "to accept-new",
        name, file, key_type, fingerprint, spec_.port, spec_.address, file));
  }
  std::error_code ec;
  fs::path path(file);
  if (path.has_parent_path() && !fs::exists(path.parent_path())) {
    fs::create_directories(path.parent_path(), ec);
    fs::permissions(path.parent_path(), fs::perms::owner_all, ec);
  }
  int fd = ::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    fail_plain(fmt::format("cannot record the new host key of {} in {}: {}", name, file,
                           std::strerror(errno)));
  }
  std::string record = format_known_hosts_line(name, blob) + "\n";
  if (!text.empty() && text.back() != '\n') record.insert(record.begin(), '\n');
  bool written = ::write(fd, record.data(), record.size()) == static_cast<ssize_t>(record.size());
  ::close(fd);
  if (!written) {
    fail_plain(fmt::format("cannot record the new host key of {} in {}", name, file));
  }
  warn(fmt::format("{}: accepted the new {} host key {} of {} and added it to {}", label_, key_type,
                   fingerprint, name, file));
}

CommandResult SshSession::exec(const std::vector<std::string>& argv, TimePoint deadline,
                               std::size_t output_limit) {
  if (argv.empty()) fail_plain("exec: no command given");
  // exec: the command replaces the login shell, so its exit status or
  // signal is what sshd reports.
  return run("exec " + shell_command(argv), deadline, true, output_limit);
}

CommandResult SshSession::exec_shell(const std::string& command, TimePoint deadline,
                                     std::size_t output_limit) {
  return run(command, deadline, true, output_limit);
}

// Runs command through the login shell. With track_pid, the shell first
// writes its pid to stderr (taken off again here): sshd makes it a process
// group leader, so a command that overruns its deadline is killed with its
// whole group (libssh2 1.10 cannot send a signal over the channel, and sshd
// keeps the channel open until the command exits).
CommandResult SshSession::run(const std::string& command, TimePoint deadline, bool track_pid,
                              std::size_t output_limit) {
  constexpr std::string_view marker = "drover-pid:";
  const std::string sent =
      track_pid ? "echo " + std::string(marker) + "$$ >&2; " + command : command;
  auto* channel = static_cast<LIBSSH2_CHANNEL*>(
      retry_ptr([&] { return static_cast<void*>(libssh2_channel_open_session(session_)); },
                deadline, "opening a channel"));
  if (channel == nullptr) fail("cannot open a channel");
  CommandResult result;
  long pid = 0;
  bool pid_read = !track_pid;
  try {
    int rc = retry([&] { return libssh2_channel_exec(channel, sent.c_str()); }, deadline,
                   "starting a command");
    if (rc != 0) fail("cannot start the command");
    // Nothing on stdin: a command that reads it sees end of file.
    retry([&] { return libssh2_channel_send_eof(channel); }, deadline, "closing stdin");

    // Drain both streams while waiting: the server stops sending (and the
    // command blocks on a full pipe) once either stream's window is full.
    char buffer[32768];
    for (;;) {
      bool progressed = false;
      for (int stream : {0, SSH_EXTENDED_DATA_STDERR}) {
        std::string& sink = stream == 0 ? result.out : result.err;
        for (;;) {
          ssize_t n = libssh2_channel_read_ex(channel, stream, buffer, sizeof buffer);
          if (n == LIBSSH2_ERROR_EAGAIN) break;
          if (n < 0) fail("reading the command's output");
          if (n == 0) break;
          progressed = true;
          // Room for the pid line too, taken off again below.
          const std::size_t limit = stream != 0 && !pid_read ? output_limit + 64 : output_limit;
          std::size_t keep = std::min<std::size_t>(n, limit - std::min(limit, sink.size()));
          sink.append(buffer, keep);
          if (keep < static_cast<std::size_t>(n)) result.truncated = true;
        }
      }
      if (!pid_read && result.err.find('\n') != std::string::npos) {
        pid_read = true;
        if (result.err.rfind(marker, 0) == 0) {
          pid = std::strtol(result.err.c_str() + marker.size(), nullptr, 10);
          result.err.erase(0, result.err.find('\n') + 1);
          if (result.err.size() > output_limit) {
            result.err.resize(output_limit);
            result.truncated = true;
          }
        }
      }
      if (libssh2_channel_eof(channel) && !progressed) break;
      if (!progressed) wait_socket(deadline, "waiting for the command");
    }
    retry([&] { return libssh2_channel_close(channel); }, deadline, "closing the channel");
    retry([&] { return libssh2_channel_wait_closed(channel); }, deadline, "closing the channel");

    char* signal_name = nullptr;
    std::size_t signal_len = 0;
    libssh2_channel_get_exit_signal(channel, &signal_name, &signal_len, nullptr, nullptr, nullptr,
                                    nullptr);
    if (signal_name != nullptr) {
      result.exit_signal.assign(signal_name, signal_len);
      libssh2_free(session_, signal_name);
    } else {
      // libssh2 1.10 reports 0 both for "exit 0" and for no exit-status
      // message at all; OpenSSH always sends one (or exit-signal) before
      // closing the channel, which wait_closed has seen.
      result.exit_status = libssh2_channel_get_exit_status(channel);
    }
  } catch (const SshError& e) {
    std::string message = e.what();
    if (pid > 1) {
      try {
        run(fmt::format("kill -9 -{0} 2>/dev/null || kill -9 {0} 2>/dev/null; true", pid),
            Clock::now() + kCleanupTime, false);
        message += fmt::format(" (the command's process group {} on the host was killed)", pid);
      } catch (const SshError&) {
        message += fmt::format(" (the command's process group {} on the host may still run)", pid);
      }
    }
    close_channel(channel, Clock::now() + kCleanupTime);
    throw SshError(message);
  }
  close_channel(channel, std::max(deadline, Clock::now() + kCleanupTime));
  return result;
}

// Frees a channel, closing it first if needed. Never throws; gives up (the
// session frees the channel at the end) once deadline passes.
void SshSession::hold(const std::string& command, TimePoint deadline) {
  if (held_ != nullptr) fail_plain("a command is held already");
  auto* channel = static_cast<LIBSSH2_CHANNEL*>(
      retry_ptr([&] { return static_cast<void*>(libssh2_channel_open_session(session_)); },
                deadline, "opening a channel"));
  if (channel == nullptr) fail("cannot open a channel");
  try {
    int rc = retry([&] { return libssh2_channel_exec(channel, command.c_str()); }, deadline,
                   "starting a held command");
    if (rc != 0) fail("cannot start the held command");
  } catch (const SshError&) {
    close_channel(channel, Clock::now() + kCleanupTime);
    throw;
  }
  held_ = channel;
}

void SshSession::release(TimePoint deadline) {
  if (held_ == nullptr) return;
  LIBSSH2_CHANNEL* channel = std::exchange(held_, nullptr);
  try {
    retry([&] { return libssh2_channel_send_eof(channel); }, deadline, "closing a held stdin");
    // Until the command has ended and the server closed its side.
    char buffer[4096];
    while (!libssh2_channel_eof(channel)) {
      ssize_t n = libssh2_channel_read_ex(channel, 0, buffer, sizeof buffer);
      if (n == LIBSSH2_ERROR_EAGAIN) {
        wait_socket(deadline, "waiting for a held command to end");
      } else if (n < 0) {
        fail("reading a held command's output");
      }
    }
    retry([&] { return libssh2_channel_close(channel); }, deadline, "closing the channel");
    retry([&] { return libssh2_channel_wait_closed(channel); }, deadline, "closing the channel");
  } catch (const SshError&) {
    close_channel(channel, Clock::now() + kCleanupTime);
    throw;
  }
  close_channel(channel, deadline);
}

void SshSession::close_channel(LIBSSH2_CHANNEL* channel, TimePoint deadline) {
  try {
    retry([&] { return libssh2_channel_free(channel); }, deadline, "freeing a channel");
  } catch (const SshError&) {
  }
}

void SshSession::wait_socket(TimePoint deadline, std::string_view what) {
  int directions = libssh2_session_block_directions(session_);
  short events = 0;
  if (directions & LIBSSH2_SESSION_BLOCK_INBOUND) events |= POLLIN;
  if (directions & LIBSSH2_SESSION_BLOCK_OUTBOUND) events |= POLLOUT;
  if (events == 0) events = POLLIN;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) fail_plain(fmt::format("{} timed out", what));
    pollfd p{fd_, events, 0};
    // Short slices: libssh2 may have data buffered that poll cannot see.
    int n = ::poll(&p, 1, static_cast<int>(std::min<long>(left.count() + 1, 100)));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_plain(fmt::format("{}: poll: {}", what, std::strerror(errno)));
    return;
  }
}

int SshSession::retry(const std::function<int()>& f, TimePoint deadline, std::string_view what) {
  for (;;) {
    int rc = f();
    if (rc != LIBSSH2_ERROR_EAGAIN) return rc;
    wait_socket(deadline, what);
  }
}

void* SshSession::retry_ptr(const std::function<void*()>& f, TimePoint deadline,
                            std::string_view what) {
  for (;;) {
    void* p = f();
    if (p != nullptr || libssh2_session_last_errno(session_) != LIBSSH2_ERROR_EAGAIN) return p;
    wait_socket(deadline, what);
  }
}

std::string SshSession::last_error() const {
  if (session_ == nullptr) return "no session";
  char* message = nullptr;
  int length = 0;
  int code = libssh2_session_last_error(session_, &message, &length, 0);
  if (message == nullptr || length == 0) return fmt::format("libssh2 error {}", code);
  return std::string(message, length);
}

void SshSession::fail(std::string_view what) {
  throw SshError(fmt::format("{}: {}: {}", label_, what, last_error()));
}

void SshSession::fail_plain(std::string_view what) const {
  throw SshError(fmt::format("{}: {}", label_, what));
}

}  // namespace drover
