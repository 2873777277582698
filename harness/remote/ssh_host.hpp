// A Host reached over SSH: targets and agents run there the way LocalHost
// runs them here, with their output captured into a per-run folder on the
// host (<run_dir>/logs/<name>.stdout.log, .stderr.log).
//
// The run folder is the login user's alone: made fresh (mode 0700, never
// one that was there already, whoever made it, nor one reached through a
// symbolic link), and what drover puts in it (logs, copies, status files)
// is 0600 or 0700. A process's environment reaches it through a file
// there, never its command line, which every user of the host sees in ps.
//
// Promises: a started process leads its own process group on the host
// (setsid), so stop() and the destructors reach everything it forked; the
// host's destructor kills what is still running and removes run_dir.
// Nothing outlives drover, also when it dies without unwinding (SIGKILL):
// a watcher on the host, held on the connection (SshCommands::hold), kills
// every process group of the run and removes run_dir once the connection
// closes. What goes wrong where nothing can throw (a cleanup in a
// destructor) and an unknown host key accepted are warnings, to
// SshHostOptions::notify, never to stderr.
//
// Not thread-safe: the host and the processes it started share one SSH
// connection, so all of them belong to one thread.
#pragma once

#include <chrono>
#include <string>

#include "harness/core/notice.hpp"
#include "harness/process/host.hpp"
#include "harness/remote/ssh_target.hpp"

namespace drover {

struct SshHostOptions {
  // drover's folder for this run on the host (absolute, made on connect,
  // removed by the host's destructor), e.g. /tmp/drover-<run id>: it must
  // not exist yet. Empty: none is made, and the host only runs commands
  // (run()); start() refuses.
  std::string run_dir;
  std::chrono::nanoseconds command_timeout = std::chrono::seconds(30);   // each remote command
  std::chrono::nanoseconds transfer_timeout = std::chrono::minutes(10);  // each copy
  // Where warnings go (an unknown host key accepted, a cleanup that
  // failed), named "host <name> (<address>)"; never to stderr.
  Notify notify{};
};

// Connects (host key check, authentication) and makes run_dir. Throws
// SshError, naming the host and the folder when run_dir is there already.
HostPtr make_ssh_host(SshHostSpec spec, SshHostOptions options);

}  // namespace drover
