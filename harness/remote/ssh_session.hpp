// One authenticated SSH connection to one host (libssh2 in non-blocking
// mode): run commands, copy files over SFTP, make and remove directories.
//
// Promises: the host key is verified against known_hosts before any
// authentication; every call returns or throws SshError by its deadline
// (cleanup included); messages name the host and never contain secrets.
// Channels are opened one at a time and closed before the call returns
// (sshd allows about ten per connection), but for the one hold() keeps.
//
// Not thread-safe: a session belongs to one thread at a time (libssh2
// sessions must not be shared). Neither copyable nor movable.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/core/clock.hpp"
#include "harness/remote/ssh_error.hpp"
#include "harness/remote/ssh_target.hpp"

// libssh2's handle types, without its header.
typedef struct _LIBSSH2_SESSION LIBSSH2_SESSION;
typedef struct _LIBSSH2_CHANNEL LIBSSH2_CHANNEL;
typedef struct _LIBSSH2_SFTP LIBSSH2_SFTP;

namespace drover {

struct CommandResult {
  // The command's exit status; nullopt when it was killed by a signal (see
  // exit_signal) or the server sent neither.
  std::optional<int> exit_status;
  std::string exit_signal;  // "KILL", "TERM", ... when killed by a signal
  std::string out;          // stdout, up to max_output bytes
  std::string err;          // stderr, up to max_output bytes
  bool truncated = false;   // more output than max_output was discarded

  bool succeeded() const { return exit_status && *exit_status == 0; }
  // "exited with status 3", "killed by signal KILL", "ended without an exit status".
  std::string describe() const;
};

class SshSession {
 public:
  // Connects, verifies the host key, authenticates. Throws SshError (the
  // message says which step failed and why) by spec.connect_timeout +
  // spec.login_timeout.
  explicit SshSession(SshHostSpec spec);
  ~SshSession();  // disconnects; bounded (a few seconds at most)
  SshSession(const SshSession&) = delete;
  SshSession& operator=(const SshSession&) = delete;

  const SshHostSpec& spec() const { return spec_; }
  // Things the user should know but that did not fail the connection, such
  // as "accepted a new host key". Each has also been written to stderr.
  const std::vector<std::string>& warnings() const { return warnings_; }

  // Runs argv on the host, every argument quoted for the remote shell (no
  // argument can turn into shell syntax), draining stdout and stderr while
  // it runs. Throws SshError if the deadline passes first, after killing
  // the command's process group on the host.
  // Up to output_limit bytes of each stream are kept.
  CommandResult exec(const std::vector<std::string>& argv, TimePoint deadline,
                     std::size_t output_limit = max_output);
  // As exec, but command is shell text, run as it is. Quote with
  // shell_quote() anything that comes from outside.
  CommandResult exec_shell(const std::string& command, TimePoint deadline,
                           std::size_t output_limit = max_output);

  static constexpr std::size_t max_output = 64 << 20;

  // SFTP upload: streams local_path to remote_path (replaced if present)
  // with the given permission bits, then checks the remote size and
  // sha256sum against the local file. Throws SshError naming the host and
  // path, e.g. when the remote disk is full.
  void put(const std::string& local_path, const std::string& remote_path, int mode,
           TimePoint deadline);
  // SFTP download, checked the same way.
  void get(const std::string& remote_path, const std::string& local_path, TimePoint deadline);
  // mkdir -p on the host.
  void make_directories(const std::string& remote_path, TimePoint deadline);
  // rm -rf of a directory drover made for a run; refuses "/", relative
  // paths and paths with "..".
  void remove_tree(const std::string& remote_path, TimePoint deadline);
  // sha256sum of a remote file, as lower-case hex.
  std::string remote_sha256(const std::string& remote_path, TimePoint deadline);

  // Starts shell text command on the host and keeps its channel open, its
  // stdin too, until release() or the end of the session: the command
  // reads end of file on stdin once drover lets go, also when drover dies
  // without a word (the connection closes). One at a time; it counts
  // against the host's channels. Its output is not read: it must write
  // none.
  void hold(const std::string& command, TimePoint deadline);
  // Sends end of file to the held command and waits until it has ended.
  // Does nothing when none is held.
  void release(TimePoint deadline);

 private:
  void disconnect() noexcept;
  void open_socket(TimePoint deadline);
  void handshake(TimePoint deadline);
  void verify_host_key();
  void authenticate(TimePoint deadline);
  bool try_agent(TimePoint deadline, std::vector<std::string>& attempts);
  bool try_key_file(TimePoint deadline, std::vector<std::string>& attempts);
  bool try_password(TimePoint deadline, std::vector<std::string>& attempts);
  void warn(std::string message);
  CommandResult run(const std::string& command, TimePoint deadline, bool track_pid,
                    std::size_t output_limit = max_output);
  void close_channel(LIBSSH2_CHANNEL* channel, TimePoint deadline);
  void shutdown_sftp(LIBSSH2_SFTP* sftp, TimePoint deadline);
  void put_stream(LIBSSH2_SFTP* sftp, const std::string& local_path, const std::string& remote_path,
                  int mode, TimePoint deadline, std::string& local_sha256, std::uint64_t& size);
  void get_stream(LIBSSH2_SFTP* sftp, const std::string& remote_path, const std::string& local_path,
                  TimePoint deadline, std::string& local_sha256, std::uint64_t& size);
  LIBSSH2_SFTP* open_sftp(TimePoint deadline);
  std::uint64_t remote_size(LIBSSH2_SFTP* sftp, const std::string& remote_path, TimePoint deadline);
  std::string sftp_failure(LIBSSH2_SFTP* sftp, const std::string& remote_path, int rc,
                           TimePoint deadline);

  // The plumbing every step uses (ssh_session.cpp).
  // Waits until the socket is ready in the direction libssh2 is blocked on.
  // Throws SshError "<what> timed out" once deadline has passed.
  void wait_socket(TimePoint deadline, std::string_view what);
  // Calls f until it returns something other than LIBSSH2_ERROR_EAGAIN.
  int retry(const std::function<int()>& f, TimePoint deadline, std::string_view what);
  // Calls f until it returns non-null or fails with other than EAGAIN.
  void* retry_ptr(const std::function<void*()>& f, TimePoint deadline, std::string_view what);
  // "<label>: <what>: <libssh2's last error>".
  [[noreturn]] void fail(std::string_view what);
  [[noreturn]] void fail_plain(std::string_view what) const;
  std::string last_error() const;

 private:
  SshHostSpec spec_;
  std::string label_;
  int fd_ = -1;
  LIBSSH2_SESSION* session_ = nullptr;
  LIBSSH2_CHANNEL* held_ = nullptr;  // hold()'s
  std::vector<std::string> warnings_;
};

}  // namespace drover
