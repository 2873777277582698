// This machine's process table as /proc shows it: who is a child of whom,
// who is a zombie, and which processes carry a given environment entry. The
// last one is how drover (and its tests) prove that no process outlives a
// run: every process a run starts inherits DROVER_RUN_DIR=<run_dir>.
//
// Every call reads /proc afresh and returns a snapshot that may be stale by
// the time it returns (processes come and go). Thread-safe: no shared state.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace drover {

// The fields of /proc/<pid>/stat drover needs.
struct ProcEntry {
  int pid = 0;
  std::string comm;  // executable name, as the kernel truncates it (15 chars)
  char state = '?';  // 'R', 'S', 'D', 'Z', ...
  int ppid = 0;
  int pgid = 0;
};

// Parses one /proc/<pid>/stat line. comm is in parentheses and may itself
// contain spaces and ')', so the fields after it start at the *last* ')'.
std::optional<ProcEntry> parse_proc_stat(std::string_view line);

// nullopt when the process does not exist (any more).
std::optional<ProcEntry> read_proc_entry(int pid);

// Every process visible in /proc.
std::vector<ProcEntry> list_processes();

// Direct children of pid, zombies included.
std::vector<int> children_of(int pid);

// Children of pid that have exited but were not reaped by it.
std::vector<int> zombie_children_of(int pid);

// Members of a process group, zombies included.
std::vector<int> process_group_members(int pgid);

// True while pid exists and has not exited (a zombie is not running).
bool is_running(int pid);

// Processes whose environment holds exactly var=value. Processes whose
// environment cannot be read (zombies, other users' processes without
// privilege) are not listed. The calling process is listed too if it matches.
std::vector<int> processes_with_env(const std::string& var, const std::string& value);

}  // namespace drover
