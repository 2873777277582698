// tcp_fork_echo: drover's reference TCP target. Accepts connections and forks
// one process per connection, which writes back the upper-cased bytes (ASCII)
// of whatever it reads, until EOF.
//
// What drover's supervisor relies on:
//  - once listening, exactly one line "READY tcp HOST:PORT" on stdout,
//    flushed (IPv6 hosts in brackets); with --port 0 it names the port the
//    kernel picked;
//  - a bad flag: a message naming it on stderr, exit status 2;
//  - SIGTERM or SIGINT: stops accepting, sends SIGTERM to the live children,
//    reaps them (SIGKILL after 2 s), prints one stats line on stderr, exits 0;
//  - children never outlive the server: each dies with SIGKILL when it does.
//
// --max-children N stops accepting while N children run (new connections wait
// in the backlog). --no-reap is the broken twin: children are never reaped
// while serving, so each finished one stays a zombie (state Z, ppid = this
// server) for drover's no_zombies invariant to find. Since such a server never
// learns that a child ended, with --no-reap every child counts toward
// --max-children until shutdown, as zombies hold process-table slots.
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_set>
#include <utility>

namespace {

constexpr const char* kUsage =
    "usage: tcp_fork_echo [--host H] [--port P] [--max-children N] [--no-reap]\n"
    "Forks one process per TCP connection; it writes back what it reads, upper-cased.\n"
    "  --host H            address to bind (default 127.0.0.1)\n"
    "  --port P            port to listen on, 0 = any free port (default 0)\n"
    "  --max-children N    stop accepting while N children run, 0 = no limit (default 0)\n"
    "  --no-reap           never reap finished children (they stay zombies)\n"
    "Prints \"READY tcp HOST:PORT\" once listening; exits 0 on SIGTERM or SIGINT.\n";

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  std::size_t max_children = 0;
  bool no_reap = false;
};

struct Stats {
  std::uint64_t accepted = 0, reaped = 0, fork_failures = 0, accept_errors = 0, killed = 0;
};

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(stderr, "tcp_fork_echo: %s (see tcp_fork_echo --help)\n", message.c_str());
  std::exit(2);
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "tcp_fork_echo: %s: %s\n", what.c_str(), std::strerror(errno));
  std::exit(1);
}

long long parse_int(std::string_view flag, std::string_view text, long long min, long long max) {
  long long value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc{} || ptr != end || value < min || value > max) {
    usage_error(std::string(flag) + ": expected an integer from " + std::to_string(min) + " to " +
                std::to_string(max) + ", got '" + std::string(text) + "'");
  }
  return value;
}

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i], flag = arg, inline_value;
    bool has_inline = false;
    if (auto eq = arg.find('='); arg.starts_with("--") && eq != std::string_view::npos) {
      flag = arg.substr(0, eq);
      inline_value = arg.substr(eq + 1);
      has_inline = true;
    }
    auto value = [&]() -> std::string_view {
      if (has_inline) return inline_value;
      if (i + 1 >= argc) usage_error(std::string(flag) + ": missing value");
      return argv[++i];
    };
    if (flag == "--help" || flag == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else if (flag == "--host") {
      o.host = value();
      if (o.host.empty()) usage_error("--host: empty address");
    } else if (flag == "--port") {
      o.port = static_cast<int>(parse_int(flag, value(), 0, 65535));
    } else if (flag == "--max-children") {
      o.max_children = static_cast<std::size_t>(parse_int(flag, value(), 0, 100'000));
    } else if (flag == "--no-reap") {
      if (has_inline) usage_error("--no-reap: takes no value, got '" + std::string(arg) + "'");
      o.no_reap = true;
    } else {
      usage_error("unknown flag '" + std::string(arg) + "'");
    }
  }
  return o;
}

std::string format_address(const sockaddr_storage& address) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address.ss_family == AF_INET6) {
    const auto& a = reinterpret_cast<const sockaddr_in6&>(address);
    inet_ntop(AF_INET6, &a.sin6_addr, text, sizeof text);
    return "[" + std::string(text) + "]:" + std::to_string(ntohs(a.sin6_port));
  }
  const auto& a = reinterpret_cast<const sockaddr_in&>(address);
  inet_ntop(AF_INET, &a.sin_addr, text, sizeof text);
  return std::string(text) + ":" + std::to_string(ntohs(a.sin_port));
}

// Non-blocking, so one readable event can drain the backlog without hanging.
int listen_on(const Options& o, sockaddr_storage& bound) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(o.port);
  if (int rc = getaddrinfo(o.host.c_str(), port.c_str(), &hints, &found); rc != 0)
    usage_error("--host " + o.host + ": " + gai_strerror(rc));
  int fd = socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket");
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  std::memcpy(&bound, found->ai_addr, found->ai_addrlen);
  if (bind(fd, found->ai_addr, found->ai_addrlen) < 0) die("bind " + format_address(bound));
  freeaddrinfo(found);
  if (listen(fd, SOMAXCONN) < 0) die("listen");
  socklen_t length = sizeof bound;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length) < 0) die("getsockname");
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
      if (ready < 0 && errno != EINTR) die("poll");
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
  signal(SIGPIPE, SIG_IGN);

  // The signals are read from a descriptor polled beside the listener. With
  // --no-reap SIGCHLD stays out of it: its default disposition is to do nothing.
  sigset_t handled;
  sigemptyset(&handled);
  sigaddset(&handled, SIGTERM);
  sigaddset(&handled, SIGINT);
  if (!options.no_reap) sigaddset(&handled, SIGCHLD);
  if (sigprocmask(SIG_BLOCK, &handled, nullptr) < 0) die("sigprocmask");
  int signal_fd = signalfd(-1, &handled, SFD_NONBLOCK | SFD_CLOEXEC);
  if (signal_fd < 0) die("signalfd");

  sockaddr_storage bound{};
  int listener = listen_on(options, bound);
  std::printf("READY tcp %s\n", format_address(bound).c_str());
  std::fflush(stdout);

  Server server(options, listener, signal_fd);
  server.serve();
  server.shut_down();
  return 0;
}
