#include "harness/process/proc_table.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <sstream>
#include <thread>

namespace drover {
namespace {

namespace fs = std::filesystem;

std::optional<int> to_int(std::string_view text) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Reads a whole /proc file. /proc files report size 0, so read until EOF.
// With read(2), not a filebuf: a process that exits between open and read
// makes the read fail (ESRCH), and libstdc++'s filebuf throws on a failed
// read from under an istreambuf_iterator whatever the stream's exception mask.
std::optional<std::string> read_proc_file(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string data;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      data.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0) {
      break;
    } else if (errno != EINTR) {
      ::close(fd);
      return std::nullopt;
    }
  }
  ::close(fd);
  return data;
}

// Numeric entries of /proc: one per process.
std::vector<int> all_pids() {
  std::vector<int> pids;
  std::error_code ec;
  for (fs::directory_iterator it("/proc", ec), end; !ec && it != end; it.increment(ec)) {
    if (auto pid = to_int(it->path().filename().native())) pids.push_back(*pid);
  }
  return pids;
}

// A process in the middle of execve() reads as an empty environment for an
// instant (the file was opened on the old address space, which is gone), so
// an empty read is retried briefly. Kernel threads (kthreadd, pid 2, and its
// children) have no environment at all and are not retried.
std::optional<std::string> read_environ(int pid) {
  const fs::path path = fs::path("/proc") / std::to_string(pid) / "environ";
  auto environ = read_proc_file(path);
  for (int retry = 0; retry < 5 && environ && environ->empty(); ++retry) {
    auto entry = read_proc_entry(pid);
    if (!entry || entry->state == 'Z' || entry->pid == 2 || entry->ppid == 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    environ = read_proc_file(path);
  }
  return environ;
}

}  // namespace

std::optional<ProcEntry> parse_proc_stat(std::string_view line) {
  auto open = line.find('(');
  auto close = line.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return std::nullopt;
  }
  ProcEntry entry;
  auto pid_text = line.substr(0, open);
  while (!pid_text.empty() && pid_text.back() == ' ') pid_text.remove_suffix(1);
  auto pid = to_int(pid_text);
  if (!pid) return std::nullopt;
  entry.pid = *pid;
  entry.comm = std::string(line.substr(open + 1, close - open - 1));

  // After the comm: " <state> <ppid> <pgrp> ..."
  std::istringstream rest{std::string(line.substr(close + 1))};
  std::string state, ppid, pgid;
  if (!(rest >> state >> ppid >> pgid) || state.size() != 1) return std::nullopt;
  auto ppid_value = to_int(ppid);
  auto pgid_value = to_int(pgid);
  if (!ppid_value || !pgid_value) return std::nullopt;
  entry.state = state[0];
  entry.ppid = *ppid_value;
  entry.pgid = *pgid_value;
  return entry;
}

std::optional<ProcEntry> read_proc_entry(int pid) {
  auto text = read_proc_file(fs::path("/proc") / std::to_string(pid) / "stat");
  if (!text) return std::nullopt;
  return parse_proc_stat(*text);
}

std::vector<ProcEntry> list_processes() {
  std::vector<ProcEntry> entries;
  for (int pid : all_pids()) {
    // A process may vanish between the directory scan and the read.
    if (auto entry = read_proc_entry(pid)) entries.push_back(std::move(*entry));
  }
  return entries;
}

std::vector<int> children_of(int pid) {
  std::vector<int> children;
  for (const auto& e : list_processes())
    if (e.ppid == pid) children.push_back(e.pid);
  return children;
}

std::vector<int> zombie_children_of(int pid) {
  std::vector<int> zombies;
  for (const auto& e : list_processes())
    if (e.ppid == pid && e.state == 'Z') zombies.push_back(e.pid);
  return zombies;
}

std::vector<int> process_group_members(int pgid) {
  std::vector<int> members;
  for (const auto& e : list_processes())
    if (e.pgid == pgid) members.push_back(e.pid);
  return members;
}

bool is_running(int pid) {
  auto entry = read_proc_entry(pid);
  // 'X' (dead) is only ever seen in the instant before the entry disappears.
  return entry && entry->state != 'Z' && entry->state != 'X';
}

std::vector<int> processes_with_env(const std::string& var, const std::string& value) {
  const std::string wanted = var + "=" + value;
  std::vector<int> pids;
  for (int pid : all_pids()) {
    auto environ = read_environ(pid);
    if (!environ) continue;
    // NUL-separated entries; compare whole entries so VAR=ab does not match VAR=a.
    std::string_view rest = *environ;
    while (!rest.empty()) {
      auto end = rest.find('\0');
      auto entry = rest.substr(0, end);
      if (entry == wanted) {
        pids.push_back(pid);
        break;
      }
      if (end == std::string_view::npos) break;
      rest.remove_prefix(end + 1);
    }
  }
  return pids;
}

}  // namespace drover
