// Commands on one host, over an SshConnection: run to their end with their
// output drained as it comes, or held open as a watcher (hold()).
//
// Promises: every argument of exec() reaches the remote shell quoted (none
// can turn into shell syntax); every call returns or throws SshError by its
// deadline, cleanup included, and a command that overruns it is killed on
// the host with its whole process group. Each command has its own channel,
// closed before the call returns (sshd allows about ten per connection),
// but for the one hold() keeps.
//
// Not thread-safe: it shares its connection's thread. Must go before the
// connection; a command still held then is let go with the connection.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/core/clock.hpp"
#include "harness/remote/command_result.hpp"
#include "harness/remote/ssh_connection.hpp"

typedef struct _LIBSSH2_CHANNEL LIBSSH2_CHANNEL;

namespace drover {

class ChannelOutput;

class SshCommands {
 public:
  explicit SshCommands(SshConnection& connection) : connection_(connection) {}
  SshCommands(const SshCommands&) = delete;
  SshCommands& operator=(const SshCommands&) = delete;

  static constexpr std::size_t max_output = 64 << 20;

  // Runs argv on the host, draining stdout and stderr while it runs; up to
  // output_limit bytes of each are kept. Throws SshError if the deadline
  // passes first, after killing the command's process group on the host.
  CommandResult exec(const std::vector<std::string>& argv, TimePoint deadline,
                     std::size_t output_limit = max_output);
  // As exec, but command is shell text, run as it is. Quote with
  // shell_quote() anything that comes from outside.
  CommandResult exec_shell(const std::string& command, TimePoint deadline,
                           std::size_t output_limit = max_output);

  // Starts shell text command on the host and keeps its channel open, its
  // stdin too, until release() or the end of the connection: the command
  // reads end of file on stdin once drover lets go, also when drover dies
  // without a word (the connection closes). One at a time; it counts
  // against the host's channels. Its output is not read: it must write
  // none.
  void hold(const std::string& command, TimePoint deadline);
  // Sends end of file to the held command and waits until it has ended.
  // Does nothing when none is held.
  void release(TimePoint deadline);

 private:
  CommandResult run(const std::string& command, TimePoint deadline, bool track_pid,
                    std::size_t output_limit);
  LIBSSH2_CHANNEL* open_channel(TimePoint deadline);
  void start(LIBSSH2_CHANNEL* channel, const std::string& command, TimePoint deadline,
             std::string_view what);
  void drain(LIBSSH2_CHANNEL* channel, ChannelOutput& output, TimePoint deadline);
  bool read_available(LIBSSH2_CHANNEL* channel, ChannelOutput& output);
  void close(LIBSSH2_CHANNEL* channel, TimePoint deadline);
  struct Ending {
    std::optional<int> status;
    std::string signal;
  };
  Ending read_ending(LIBSSH2_CHANNEL* channel);
  std::string kill_group(long pid);
  void free_channel(LIBSSH2_CHANNEL* channel, TimePoint deadline) noexcept;

  SshConnection& connection_;
  LIBSSH2_CHANNEL* held_ = nullptr;  // hold()'s
};

}  // namespace drover
