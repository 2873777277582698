// What every reference target (targets/<name>.cpp) shares, so that each keeps
// the same contract with drover's supervisor (targets/README.md):
//  - flags parsed by CLI11 as `--flag value` or `--flag=value`; `--help`
//    prints the usage and exits 0; an unknown or malformed flag prints one
//    line naming it on stderr and exits 2;
//  - `--host` (default 127.0.0.1) and `--port` (default 0, any free port);
//  - once bound, exactly one flushed line `READY <proto> HOST:PORT` on
//    stdout, with the real port and IPv6 hosts in brackets;
//  - a failure at run time (the port is taken) prints the system error and
//    exits 1;
//  - the soft limit on open files is raised to the hard limit, so that a
//    target can hold thousands of connections (parse_flags does it).
// Everything here runs at start-up in the main thread, before the target
// starts its own threads or children; none of it is meant to be called
// concurrently.
#pragma once

#include <signal.h>
#include <sys/socket.h>

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>

namespace drover::target {

// The exit statuses drover reads from a target.
enum class ExitCode : int {
  kOk = 0,          // stopped by SIGTERM or SIGINT, or --help
  kRunFailure = 1,  // a system call failed: the port is taken, no memory
  kBadFlag = 2,     // a flag is unknown or malformed; nothing was served
};

inline int to_int(ExitCode code) {
  return static_cast<int>(code);
}

// Prints "<program>: <what>: <strerror(errno)>" on stderr and exits 1.
[[noreturn]] void die(std::string_view program, std::string_view what);

// Prints "<program>: <message> (see <program> --help)" on stderr and exits 2.
// For flag errors found after parsing, such as a host that does not resolve.
[[noreturn]] void bad_flag(std::string_view program, std::string_view message);

// ---- flags -------------------------------------------------------------------

struct AddressOptions {
  std::string host = "127.0.0.1";
  int port = 0;
};

// Adds --host H (not empty) and --port P (0..65535) to `app`.
void add_address_flags(CLI::App& app, AddressOptions& options);

// Reads an integer flag as decimal, the way drover writes it: "010" is ten.
// CLI11 alone reads it as octal eight and accepts "0x10", "+5" and " 5".
// Use it as ->transform(target::Decimal()) beside ->check(CLI::Range(...)):
// transforms run before checks.
class Decimal : public CLI::Validator {
 public:
  Decimal();
};

// Refuses a value on a flag that takes none: `--no-reap=yes` is a bad flag
// rather than a quiet `--no-reap`. (CLI11 cannot tell `--no-reap=true` from
// the bare flag; that one is accepted.)
class NoValue : public CLI::Validator {
 public:
  NoValue();
};

// Parses the command line, or exits: 0 after printing the usage for --help
// (each flag's default shown as "[value]"), 2 after a one-line message naming
// the bad flag. A repeated flag takes its
// last value, so a flag appended to a command line overrides an earlier one.
// Then raises the open-file limit (harness/core/open_files.hpp): every
// target calls this first, so every target gets it.
void parse_flags(CLI::App& app, int argc, char** argv);

// ---- sockets -----------------------------------------------------------------

// --host and --port as an address to bind for `type` (SOCK_DGRAM or
// SOCK_STREAM). A host that does not resolve is a bad flag (exit 2).
sockaddr_storage resolve(std::string_view program, const AddressOptions& options, int type);

// Socket options set before bind, as the caller asks.
struct Reuse {
  bool address = false;  // SO_REUSEADDR: rebind while old connections linger
  bool port = false;     // SO_REUSEPORT: several sockets share one port
};

// A close-on-exec socket of `type` (SOCK_DGRAM or SOCK_STREAM, optionally with
// SOCK_NONBLOCK) bound to `address`. Dies (exit 1) when it cannot be bound.
int bind_socket(std::string_view program, const sockaddr_storage& address, int type, Reuse reuse);

// The address `fd` is bound to: after binding port 0, the port the kernel
// picked.
sockaddr_storage bound_address(std::string_view program, int fd);

// "127.0.0.1:9000", or "[::1]:9000" for IPv6.
std::string format_address(const sockaddr_storage& address);

// Prints and flushes "READY <proto> HOST:PORT" on stdout: the line drover
// waits for before it sends anything. Call it once, after every socket the
// target serves on is bound.
void print_ready(std::string_view proto, const sockaddr_storage& address);

// ---- signals -----------------------------------------------------------------

// SIGTERM and SIGINT: the signals that ask a target to stop cleanly.
sigset_t stop_signals();

// Ignores SIGPIPE (a vanished peer is then an EPIPE from send, not a death)
// and blocks `taken` in the calling thread, so that those signals are only
// ever taken by sigwait or a signalfd. Call it before starting any thread:
// threads inherit the mask.
void set_up_signals(std::string_view program, const sigset_t& taken);

// set_up_signals, then a non-blocking, close-on-exec signalfd for `taken`,
// for targets that poll their signals beside their sockets.
int signal_descriptor(std::string_view program, const sigset_t& taken);

}  // namespace drover::target
