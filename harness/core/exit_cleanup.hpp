// What must be undone even when drover ends without unwinding. A second
// Ctrl-C and the watchdog's last resort end the process with _exit, and no
// destructor runs; a module that leaves something outside the process that
// would outlast it (a partition table in a network namespace) registers how
// to undo it for as long as it stands, and those two paths call
// run_exit_cleanups() just before they exit.
//
// Thread-safety: everything here may be called from any thread at once.
// An action runs on the thread that calls run_exit_cleanups(), possibly
// while its owner is being destroyed on another, so an action owns what it
// uses (copies, never pointers into its owner).
//
// Not async-signal-safe: registering allocates and locks, and actions run
// programs. Call run_exit_cleanups() from an ordinary thread (a sigwait
// watcher, the watchdog's thread), never from a signal handler.
#pragma once

#include <cstdint>
#include <functional>

namespace drover {

// One registered action, for as long as this handle lives. Destroying the
// handle (or assigning another to it) unregisters the action without
// running it: its owner undid the thing itself.
class ExitCleanup {
 public:
  ExitCleanup() = default;  // holds no action
  explicit ExitCleanup(std::function<void()> action);
  ~ExitCleanup();
  ExitCleanup(ExitCleanup&& other) noexcept;
  ExitCleanup& operator=(ExitCleanup&& other) noexcept;
  ExitCleanup(const ExitCleanup&) = delete;
  ExitCleanup& operator=(const ExitCleanup&) = delete;

 private:
  void unregister() noexcept;
  std::uint64_t id_ = 0;  // 0: none
};

// Runs every action registered now, newest first, each once: it is
// unregistered as it is taken. An action that throws does not stop the
// others. A caller that comes while another is running the actions waits
// until that one is done (so neither ends the process half-way through
// the other's cleanups) and then finds nothing left to run.
void run_exit_cleanups();

}  // namespace drover
