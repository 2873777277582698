// tcp_fork_echo: drover's reference TCP target. Accepts connections and, in
// the default model fork, forks one process per connection, which writes back
// the upper-cased bytes (ASCII) of whatever it reads, until EOF. --model async
// serves every connection in this one process instead, from one epoll set
// (targets/tcp_fork_echo/async_echo.hpp): the model for thousands of clients.
//
// Flags, the READY line and exit statuses follow targets/common/target.hpp.
// Beyond them, drover's supervisor relies on:
//  - SIGTERM or SIGINT: stops accepting, sends SIGTERM to the live children,
//    reaps them (SIGKILL after 2 s), prints one stats line on stderr, exits 0
//    (model async: closes its connections, prints its stats line, exits 0);
//  - children never outlive the server: each dies with SIGKILL when it does.
//
// --max-children N stops accepting while N children run (new connections wait
// in the backlog). --no-reap is the broken twin: children are never reaped
// while serving, so each finished one stays a zombie (state Z, ppid = this
// server) for drover's no_zombies invariant to find. Since such a server never
// learns that a child ended, with --no-reap every child counts toward
// --max-children until shutdown, as zombies hold process-table slots. Both
// are about children: with --model async either is a bad flag.
//
// --corrupt-every N and --close-every N (model async only) are its broken
// twins for drover's replies_correct and error counting: every Nth reply
// (a reply: what one read of a connection brought, upper-cased) has its
// first byte changed, or the connection is closed once every Nth reply is
// sent.
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>
#include <unordered_set>
#include <utility>

#include "targets/common/target.hpp"
#include "targets/tcp_fork_echo/async_echo.hpp"

namespace {

namespace target = drover::target;

constexpr const char* kProgram = "tcp_fork_echo";
// Thousands of clients may connect at once. The kernel caps the backlog at
// net.core.somaxconn (4096 on current kernels): asking for more gets the cap.
constexpr int kBacklog = 65535;

struct Options : target::AddressOptions {
  std::string model = "fork";  // or "async"
  std::size_t max_children = 0;
  bool no_reap = false;
  drover::target::AsyncFaults faults;
};

struct Stats {
  std::uint64_t accepted = 0, reaped = 0, fork_failures = 0, accept_errors = 0, killed = 0;
};

Options parse_options(int argc, char** argv) {
  Options o;
  CLI::App app{
      "Serves TCP connections (a forked process per connection, or all in one with "
      "--model async); writes back what it reads, upper-cased.",
      kProgram};
  app.footer("Prints \"READY tcp HOST:PORT\" once listening; exits 0 on SIGTERM or SIGINT.");
  target::add_address_flags(app, o);
  app.add_option("--model", o.model,
                 "fork: a process per connection; async: every connection in this process")
      ->check(CLI::IsMember({"fork", "async"}));
  app.add_option("--max-children", o.max_children,
                 "model fork: stop accepting while N children run (0: no limit)")
      ->transform(target::Decimal())
      ->check(CLI::Range(0, 100'000));
  app.add_flag("--no-reap", o.no_reap,
               "model fork, broken twin: never reap finished children (they stay zombies)")
      ->check(target::NoValue());
  app.add_option("--corrupt-every", o.faults.corrupt_every,
                 "model async, broken twin: every Nth reply is wrong (0: never)")
      ->transform(target::Decimal())
      ->check(CLI::Range(0, 1'000'000'000));
  app.add_option("--close-every", o.faults.close_every,
                 "model async, broken twin: close the connection after every Nth reply (0: never)")
      ->transform(target::Decimal())
      ->check(CLI::Range(0, 1'000'000'000));
  target::parse_flags(app, argc, argv);
  if (o.model == "async" && o.max_children != 0)
    target::bad_flag(kProgram, "--max-children: only with --model fork");
  if (o.model == "async" && o.no_reap)
    target::bad_flag(kProgram, "--no-reap: only with --model fork");
  if (o.model == "fork" && o.faults.corrupt_every != 0)
    target::bad_flag(kProgram, "--corrupt-every: only with --model async");
  if (o.model == "fork" && o.faults.close_every != 0)
    target::bad_flag(kProgram, "--close-every: only with --model async");
  return o;
}

// Non-blocking, so one readable event can drain the backlog without hanging.
int listen_on(const Options& o) {
  const int fd = target::bind_socket(kProgram, target::resolve(kProgram, o, SOCK_STREAM),
                                     SOCK_STREAM | SOCK_NONBLOCK, {.address = true});
  if (listen(fd, kBacklog) < 0) target::die(kProgram, "listen");
  return fd;
}

// The connection's process. Never returns; _exit skips the parent's atexit
// handlers and stdio buffers, which are not this process's to flush.
[[noreturn]] void serve_connection(int connection, int listener, int signal_fd, pid_t server) {
  // Close the acceptor first, so the listening port is the server's alone.
  close(listener);
  close(signal_fd);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != server) _exit(0);  // the server died before prctl took hold
  for (int sig : {SIGTERM, SIGINT, SIGCHLD, SIGPIPE}) signal(sig, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);

  char buffer[16384];
  for (;;) {
    ssize_t n = read(connection, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) _exit(0);
    for (ssize_t i = 0; i < n; ++i)
      if (buffer[i] >= 'a' && buffer[i] <= 'z') buffer[i] = static_cast<char>(buffer[i] - 32);
    for (ssize_t done = 0; done < n;) {
      ssize_t k = send(connection, buffer + done, static_cast<std::size_t>(n - done), MSG_NOSIGNAL);
      if (k < 0 && errno == EINTR) continue;
      if (k <= 0) _exit(0);
      done += k;
    }
  }
}

class Server {
 public:
  Server(Options options, int listener, int signal_fd)
      : options_(std::move(options)), listener_(listener), signal_fd_(signal_fd) {}

  // Returns once SIGTERM or SIGINT arrives.
  void serve() {
    bool backoff = false;
    for (;;) {
      const bool room = options_.max_children == 0 || children_.size() < options_.max_children;
      pollfd fds[2] = {{signal_fd_, POLLIN, 0}, {listener_, POLLIN, 0}};
      const nfds_t count = room && !backoff ? 2 : 1;
      int ready = poll(fds, count, backoff ? 50 : -1);
      backoff = false;
      if (ready < 0 && errno != EINTR) target::die(kProgram, "poll");
      if (ready <= 0) continue;
      if (fds[0].revents & POLLIN) {
        signalfd_siginfo info;
        while (read(signal_fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
          if (info.ssi_signo == SIGCHLD) {
            reap();
          } else {
            return;
          }
        }
      }
      if (count == 2 && (fds[1].revents & POLLIN)) backoff = accept_all();
    }
  }

  // Stops the children: SIGTERM, up to 2 s to exit, then SIGKILL.
  void shut_down() {
    close(listener_);
    for (pid_t pid : children_) kill(pid, SIGTERM);
    if (!wait_for_children(std::chrono::seconds(2))) {
      for (pid_t pid : children_) kill(pid, SIGKILL);
      stats_.killed += children_.size();
      wait_for_children(std::chrono::seconds(1));
    }
    std::fprintf(stderr,
                 "tcp_fork_echo: accepted %llu, reaped %llu, fork failures %llu, accept errors "
                 "%llu, killed %llu, unreaped %zu\n",
                 static_cast<unsigned long long>(stats_.accepted),
                 static_cast<unsigned long long>(stats_.reaped),
                 static_cast<unsigned long long>(stats_.fork_failures),
                 static_cast<unsigned long long>(stats_.accept_errors),
                 static_cast<unsigned long long>(stats_.killed), children_.size());
  }

 private:
  // Accepts until the backlog is empty or the child limit is reached. Returns
  // true when out of descriptors or memory: the caller then pauses accepting
  // rather than spin on a listener that stays readable.
  bool accept_all() {
    const pid_t server = getpid();
    while (options_.max_children == 0 || children_.size() < options_.max_children) {
      int connection = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (connection < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return false;
        if (errno == EINTR || errno == ECONNABORTED) continue;
        ++stats_.accept_errors;
        return errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM;
      }
      ++stats_.accepted;
      pid_t pid = fork();
      if (pid == 0) serve_connection(connection, listener_, signal_fd_, server);
      close(connection);  // the child has its own copy
      if (pid < 0) {
        ++stats_.fork_failures;
        return true;
      }
      children_.insert(pid);
    }
    return false;
  }

  void reap() {
    for (;;) {
      int status = 0;
      pid_t pid = waitpid(-1, &status, WNOHANG);
      if (pid <= 0) return;
      if (children_.erase(pid) != 0) ++stats_.reaped;
    }
  }

  // Even with --no-reap: the server must not leave zombies behind it.
  bool wait_for_children(std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
      reap();
      if (children_.empty()) return true;
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  Options options_;
  int listener_;
  int signal_fd_;
  std::unordered_set<pid_t> children_;
  Stats stats_;
};

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse_options(argc, argv);
  // Dispositions survive exec: an ignored SIGCHLD inherited from the parent
  // would make the kernel reap children itself, hiding both the reaping and
  // the zombies of --no-reap.
  signal(SIGCHLD, SIG_DFL);

  if (options.model == "async") {
    int signal_fd = target::signal_descriptor(kProgram, target::stop_signals());
    const int listener = listen_on(options);
    target::print_ready("tcp", target::bound_address(kProgram, listener));
    target::serve_async(listener, signal_fd, options.faults);
    return 0;
  }

  // The signals are read from a descriptor polled beside the listener. With
  // --no-reap SIGCHLD stays out of it: its default disposition is to do nothing.
  sigset_t handled = target::stop_signals();
  if (!options.no_reap) sigaddset(&handled, SIGCHLD);
  int signal_fd = target::signal_descriptor(kProgram, handled);

  const int listener = listen_on(options);
  target::print_ready("tcp", target::bound_address(kProgram, listener));

  Server server(options, listener, signal_fd);
  server.serve();
  server.shut_down();
  return 0;
}
