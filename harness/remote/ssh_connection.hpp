// One authenticated SSH connection to one host (libssh2 in non-blocking
// mode): the TCP connection, the handshake, the host key checked against
// known_hosts, the login, keepalives while the host is silent, and the
// disconnect. SshCommands and SshFiles work over it with the machinery
// below, which bounds every libssh2 call by a deadline.
//
// Promises: the host key is verified against known_hosts before any
// credential is sent (a key an "@revoked" line names is refused), the
// handshake asking for the key types known_hosts records for the host
// (else ed25519, then ECDSA, RSA last); the constructor returns or throws
// SshError (saying which step failed and why) by spec.connect_timeout +
// spec.login_timeout; the destructor disconnects within a few seconds.
// Messages name the host and never contain secrets. Warnings (an unknown
// host key accepted, a key or password file others may read) go to the
// Notify given, never to stderr.
//
// Not thread-safe: a connection, and the SshCommands and SshFiles over it,
// belong to one thread at a time (libssh2 sessions must not be shared).
// Neither copyable nor movable: they keep a reference to it, and must go
// before it does.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/core/clock.hpp"
#include "harness/core/expected.hpp"
#include "harness/core/notice.hpp"
#include "harness/remote/ssh_error.hpp"
#include "harness/remote/ssh_target.hpp"

// libssh2's handle types, without its header.
typedef struct _LIBSSH2_SESSION LIBSSH2_SESSION;

namespace drover {

class SshConnection {
 public:
  // Connects, verifies the host key, authenticates. Throws SshError.
  explicit SshConnection(SshHostSpec spec, Notify notify = {});
  ~SshConnection();
  SshConnection(const SshConnection&) = delete;
  SshConnection& operator=(const SshConnection&) = delete;

  const SshHostSpec& spec() const { return spec_; }
  // "ssh h1 (drover@10.0.0.2:22)": how every message about the host starts.
  const std::string& label() const { return label_; }
  // What the user was told through the Notify, as a record (tests read it).
  const std::vector<std::string>& warnings() const { return warnings_; }
  // How many keepalives went out while waiting on the host.
  int keepalives_sent() const { return keepalives_sent_; }

  // Cleanup after a failure gets its own short deadline: the caller's may
  // already have passed.
  static constexpr Duration cleanup_time = std::chrono::seconds(2);

  // ---- For SshCommands and SshFiles: all of them throw SshError. ----
  LIBSSH2_SESSION* session() const { return session_; }
  // Waits until the socket is ready in the direction libssh2 is blocked
  // on. Throws "<what> timed out" once deadline has passed.
  void wait_socket(TimePoint deadline, std::string_view what);
  // Calls f until it returns something other than LIBSSH2_ERROR_EAGAIN.
  int retry(const std::function<int()>& f, TimePoint deadline, std::string_view what);
  // Calls open until it returns a handle, or fails with other than EAGAIN
  // (then nullptr).
  template <class Handle, class Open>
  Handle* retry_open(Open open, TimePoint deadline, std::string_view what) {
    return static_cast<Handle*>(
        retry_ptr([&] { return static_cast<void*>(open()); }, deadline, what));
  }
  // Throws "<label>: <what>: <libssh2's last error>".
  [[noreturn]] void fail(std::string_view what) const;
  // Throws "<label>: <what>".
  [[noreturn]] void fail_plain(std::string_view what) const;
  std::string last_error() const;

 private:
  // The known_hosts file this connection checks the host key against.
  struct KnownHosts {
    std::string path;
    std::string name;  // the host as known_hosts names it
    std::string text;
  };
  struct HostKey;

  void disconnect() noexcept;
  void open_socket(TimePoint deadline);
  KnownHosts read_known_hosts_file() const;
  void handshake(const KnownHosts& known, TimePoint deadline);
  void start_keepalives();
  void send_keepalive_if_due(int block_directions);
  void warn(std::string message);
  void* retry_ptr(const std::function<void*()>& f, TimePoint deadline, std::string_view what);

  // The host key check (ssh_host_key.cpp).
  void verify_host_key(const KnownHosts& known);
  HostKey presented_host_key() const;
  int check_known_hosts(const HostKey& key, const KnownHosts& known) const;
  void refuse_revoked(const HostKey& key, const KnownHosts& known) const;
  void refuse_unknown(const HostKey& key, const KnownHosts& known) const;
  void record_host_key(const HostKey& key, const KnownHosts& known);

  // Authentication (ssh_auth.cpp): each attempt says why it failed.
  void authenticate(TimePoint deadline);
  Expected<void> try_agent(TimePoint deadline);
  Expected<void> try_key_file(TimePoint deadline);
  Expected<void> try_password(TimePoint deadline);
  void warn_if_unprotected(const std::string& path, std::string_view what);

  SshHostSpec spec_;
  std::string label_;
  Notify notify_;
  int fd_ = -1;
  LIBSSH2_SESSION* session_ = nullptr;
  std::vector<std::string> warnings_;
  Duration keepalive_interval_{};
  TimePoint next_keepalive_ = TimePoint::max();  // never, until authenticated
  int keepalives_sent_ = 0;
};

}  // namespace drover
