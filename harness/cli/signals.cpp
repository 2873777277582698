#include "harness/cli/signals.hpp"

#include <pthread.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>

#include "harness/core/exit_cleanup.hpp"
#include "harness/core/exit_code.hpp"

namespace drover {

SignalWatcher::SignalWatcher() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([this, set] {
    int received = 0;
    for (int count = 0;; ++count) {
      if (sigwait(&set, &received) != 0) continue;
      if (count == 0) {
        static const char kMessage[] =
            "\ndrover: interrupted; stopping the load and writing the report (again to quit now)\n";
        ssize_t ignored = ::write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
        (void)ignored;
        interrupted_.store(true);
      } else {
        // Nothing unwinds past _exit: what would outlast drover (a
        // partition still in force) is undone first.
        run_exit_cleanups();
        _exit(to_int(ExitCode::kInterrupted));
      }
    }
  }).detach();
}

SignalWatcher::~SignalWatcher() = default;

}  // namespace drover
