// What a command writes on its channel, kept up to a limit per stream. A
// command that drover may have to kill starts with a line of the shell's
// pid on stderr (with_pid_line); it is taken off again here, so the caller
// sees the command's own output.
//
// Pure: no I/O, unit-tested without a server. Not thread-safe: one owner.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "harness/remote/command_result.hpp"

namespace drover {

class ChannelOutput {
 public:
  // With pid_line_first, the first stderr line is expected to be the one
  // with_pid_line() adds.
  ChannelOutput(std::size_t limit, bool pid_line_first);

  // command, preceded by the shell writing its own pid as a line on stderr.
  static std::string with_pid_line(const std::string& command);

  void add_stdout(std::string_view bytes);
  void add_stderr(std::string_view bytes);

  // The remote shell's pid once its line has come; 0 before, or if the
  // first stderr line was something else.
  long pid() const { return pid_; }
  // out, err and truncated so far; the caller fills in how it ended.
  CommandResult& result() { return result_; }

 private:
  void keep(std::string& sink, std::string_view bytes, std::size_t limit);
  void take_pid_line();

  std::size_t limit_;
  bool pid_line_pending_;
  long pid_ = 0;
  CommandResult result_;
};

}  // namespace drover
