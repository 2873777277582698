#include "harness/remote/ssh_commands.hpp"

#include <libssh2.h>

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "harness/remote/channel_output.hpp"
#include "harness/remote/shell_quote.hpp"

namespace drover {

CommandResult SshCommands::exec(const std::vector<std::string>& argv, TimePoint deadline,
                                std::size_t output_limit) {
  if (argv.empty()) connection_.fail_plain("exec: no command given");
  // exec: the command replaces the login shell, so its exit status or
  // signal is what sshd reports.
  return run("exec " + shell_command(argv), deadline, true, output_limit);
}

CommandResult SshCommands::exec_shell(const std::string& command, TimePoint deadline,
                                      std::size_t output_limit) {
  return run(command, deadline, true, output_limit);
}

// Runs command through the login shell. With track_pid, the shell first
// writes its pid to stderr (taken off again by ChannelOutput): sshd makes it
// a process group leader, so a command that overruns its deadline is killed
// with its whole group (libssh2 1.10 cannot send a signal over the channel,
// and sshd keeps the channel open until the command exits).
CommandResult SshCommands::run(const std::string& command, TimePoint deadline, bool track_pid,
                               std::size_t output_limit) {
  LIBSSH2_CHANNEL* channel = open_channel(deadline);
  ChannelOutput output(output_limit, track_pid);
  try {
    start(channel, track_pid ? ChannelOutput::with_pid_line(command) : command, deadline,
          "command");
    // Nothing on stdin: a command that reads it sees end of file.
    connection_.retry([&] { return libssh2_channel_send_eof(channel); }, deadline, "closing stdin");
    drain(channel, output, deadline);
    close(channel, deadline);
    Ending ending = read_ending(channel);
    output.result().exit_status = ending.status;
    output.result().exit_signal = std::move(ending.signal);
  } catch (const SshError& e) {
    std::string message = e.what() + kill_group(output.pid());
    free_channel(channel, Clock::now() + SshConnection::cleanup_time);
    throw SshError(message);
  }
  free_channel(channel, std::max(deadline, Clock::now() + SshConnection::cleanup_time));
  return std::move(output.result());
}

LIBSSH2_CHANNEL* SshCommands::open_channel(TimePoint deadline) {
  auto* channel = connection_.retry_open<LIBSSH2_CHANNEL>(
      [&] { return libssh2_channel_open_session(connection_.session()); }, deadline,
      "opening a channel");
  if (channel == nullptr) connection_.fail("cannot open a channel");
  return channel;
}

// what: "command" or "held command", for the messages.
void SshCommands::start(LIBSSH2_CHANNEL* channel, const std::string& command, TimePoint deadline,
                        std::string_view what) {
  const int rc = connection_.retry([&] { return libssh2_channel_exec(channel, command.c_str()); },
                                   deadline, fmt::format("starting a {}", what));
  if (rc != 0) connection_.fail(fmt::format("cannot start the {}", what));
}

// Drains both streams until the command has closed them: the server stops
// sending (and the command blocks on a full pipe) once either stream's
// window is full.
void SshCommands::drain(LIBSSH2_CHANNEL* channel, ChannelOutput& output, TimePoint deadline) {
  for (;;) {
    const bool progressed = read_available(channel, output);
    if (libssh2_channel_eof(channel) && !progressed) return;
    if (!progressed) connection_.wait_socket(deadline, "waiting for the command");
  }
}

// Reads what both streams hold now; true if anything came.
bool SshCommands::read_available(LIBSSH2_CHANNEL* channel, ChannelOutput& output) {
  char buffer[32768];
  bool progressed = false;
  for (int stream : {0, SSH_EXTENDED_DATA_STDERR}) {
    for (;;) {
      const ssize_t n = libssh2_channel_read_ex(channel, stream, buffer, sizeof buffer);
      if (n == LIBSSH2_ERROR_EAGAIN || n == 0) break;
      if (n < 0) connection_.fail("reading the command's output");
      progressed = true;
      const std::string_view bytes(buffer, static_cast<std::size_t>(n));
      if (stream == 0) {
        output.add_stdout(bytes);
      } else {
        output.add_stderr(bytes);
      }
    }
  }
  return progressed;
}

void SshCommands::close(LIBSSH2_CHANNEL* channel, TimePoint deadline) {
  connection_.retry([&] { return libssh2_channel_close(channel); }, deadline,
                    "closing the channel");
  connection_.retry([&] { return libssh2_channel_wait_closed(channel); }, deadline,
                    "closing the channel");
}

SshCommands::Ending SshCommands::read_ending(LIBSSH2_CHANNEL* channel) {
  Ending ending;
  char* signal_name = nullptr;
  std::size_t signal_len = 0;
  libssh2_channel_get_exit_signal(channel, &signal_name, &signal_len, nullptr, nullptr, nullptr,
                                  nullptr);
  if (signal_name != nullptr) {
    ending.signal.assign(signal_name, signal_len);
    libssh2_free(connection_.session(), signal_name);
  } else {
    // libssh2 1.10 reports 0 both for "exit 0" and for no exit-status
    // message at all; OpenSSH always sends one (or exit-signal) before
    // closing the channel, which wait_closed has seen.
    ending.status = libssh2_channel_get_exit_status(channel);
  }
  return ending;
}

// After a failure: kills the command's process group on the host, if its
// pid is known, and says so for the message.
std::string SshCommands::kill_group(long pid) {
  if (pid <= 1) return "";
  try {
    run(fmt::format("kill -9 -{0} 2>/dev/null || kill -9 {0} 2>/dev/null; true", pid),
        Clock::now() + SshConnection::cleanup_time, false, max_output);
    return fmt::format(" (the command's process group {} on the host was killed)", pid);
  } catch (const SshError&) {
    return fmt::format(" (the command's process group {} on the host may still run)", pid);
  }
}

void SshCommands::hold(const std::string& command, TimePoint deadline) {
  if (held_ != nullptr) connection_.fail_plain("a command is held already");
  LIBSSH2_CHANNEL* channel = open_channel(deadline);
  try {
    start(channel, command, deadline, "held command");
  } catch (const SshError&) {
    free_channel(channel, Clock::now() + SshConnection::cleanup_time);
    throw;
  }
  held_ = channel;
}

void SshCommands::release(TimePoint deadline) {
  if (held_ == nullptr) return;
  LIBSSH2_CHANNEL* channel = std::exchange(held_, nullptr);
  try {
    connection_.retry([&] { return libssh2_channel_send_eof(channel); }, deadline,
                      "closing a held stdin");
    // Until the command has ended and the server closed its side.
    char buffer[4096];
    while (!libssh2_channel_eof(channel)) {
      const ssize_t n = libssh2_channel_read_ex(channel, 0, buffer, sizeof buffer);
      if (n == LIBSSH2_ERROR_EAGAIN) {
        connection_.wait_socket(deadline, "waiting for a held command to end");
      } else if (n < 0) {
        connection_.fail("reading a held command's output");
      }
    }
    close(channel, deadline);
  } catch (const SshError&) {
    free_channel(channel, Clock::now() + SshConnection::cleanup_time);
    throw;
  }
  free_channel(channel, deadline);
}

// Frees a channel, closing it first if needed. Never throws; gives up (the
// session frees the channel at the end) once deadline passes.
void SshCommands::free_channel(LIBSSH2_CHANNEL* channel, TimePoint deadline) noexcept {
  try {
    connection_.retry([&] { return libssh2_channel_free(channel); }, deadline, "freeing a channel");
  } catch (const SshError&) {
  }
}

}  // namespace drover
