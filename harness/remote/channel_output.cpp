#include "harness/remote/channel_output.hpp"

#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>

namespace drover {
namespace {

constexpr std::string_view kPidMarker = "drover-pid:";
// Room kept on stderr for the pid line until it is taken off.
constexpr std::size_t kPidLineRoom = 64;

}  // namespace

std::string CommandResult::describe() const {
  if (!exit_signal.empty()) return "killed by signal " + exit_signal;
  if (exit_status) return fmt::format("exited with status {}", *exit_status);
  return "ended without an exit status";
}

ChannelOutput::ChannelOutput(std::size_t limit, bool pid_line_first)
    : limit_(limit), pid_line_pending_(pid_line_first) {}

std::string ChannelOutput::with_pid_line(const std::string& command) {
  return "echo " + std::string(kPidMarker) + "$$ >&2; " + command;
}

void ChannelOutput::add_stdout(std::string_view bytes) {
  keep(result_.out, bytes, limit_);
}

void ChannelOutput::add_stderr(std::string_view bytes) {
  keep(result_.err, bytes, pid_line_pending_ ? limit_ + kPidLineRoom : limit_);
  if (pid_line_pending_ && result_.err.find('\n') != std::string::npos) take_pid_line();
}

void ChannelOutput::keep(std::string& sink, std::string_view bytes, std::size_t limit) {
  const std::size_t room = limit - std::min(limit, sink.size());
  const std::size_t kept = std::min(bytes.size(), room);
  sink.append(bytes.data(), kept);
  if (kept < bytes.size()) result_.truncated = true;
}

void ChannelOutput::take_pid_line() {
  pid_line_pending_ = false;
  std::string& err = result_.err;
  if (err.rfind(kPidMarker, 0) != 0) return;
  pid_ = std::strtol(err.c_str() + kPidMarker.size(), nullptr, 10);
  err.erase(0, err.find('\n') + 1);
  if (err.size() > limit_) {
    err.resize(limit_);
    result_.truncated = true;
  }
}

}  // namespace drover
