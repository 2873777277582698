// ticket_db: drover's reference ticket "database", the classic lesson's JSON
// file of remaining tickets that concurrent buyer processes read and rewrite.
//
// Flags, the READY line and exit statuses follow targets/common/target.hpp.
// Beyond them (the protocol is in targets/README.md), it promises:
//  - the state is the file --file holding {"count": N}, the tickets left.
//    Every write goes to a temp file that is fsynced and renamed over it, so
//    a kill at any moment leaves the old or the new count, never a torn file;
//  - each BUY runs in its own forked process: read the count, sell the ticket
//    whose serial is that count, write count - 1 back. With --lock file that
//    read-modify-write holds flock on <file>.lock, so no serial is sold twice
//    and never more than the stock. --lock none is the broken twin: it
//    oversells under concurrency, for drover's no_oversell invariant to catch;
//  - replies on a connection keep the order of its requests: its next request
//    is not read before its BUY (or AUDIT) process has exited;
//  - children never outlive the server. SIGTERM or SIGINT stops accepting,
//    lets running purchases finish for up to 2 s, SIGKILLs the rest, prints
//    one stats line on stderr and exits 0.
// One server per file: the start-up removes the temp files a killed one left.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "targets/common/target.hpp"
#include "targets/ticket_db/request.hpp"

namespace {

namespace target = drover::target;
using std::chrono::milliseconds;

constexpr const char* kProgram = "ticket_db";
constexpr std::size_t kMaxLine = 1024;  // a longer request is refused, then the connection closed

struct Options : target::AddressOptions {
  std::string file = "tickets.json";
  std::int64_t stock = 100;
  bool keep = false;
  std::string lock = "file";  // or "none"
  int read_delay_ms = 1;
  int write_delay_ms = 1;
};

Options parse_options(int argc, char** argv) {
  Options o;
  CLI::App app{"Sells tickets from a JSON file, one forked process per purchase.", kProgram};
  app.footer("Prints \"READY tcp HOST:PORT\" once listening; exits 0 on SIGTERM or SIGINT.");
  target::add_address_flags(app, o);
  app.add_option("--file", o.file, "the JSON file of the count")
      ->check([](const std::string& path) { return path.empty() ? "empty path" : ""; });
  app.add_option("--stock", o.stock, "tickets written to the file at start")
      ->transform(target::Decimal())
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1'000'000'000}));
  app.add_flag("--keep", o.keep, "keep an existing file's count (restart after a crash)")
      ->check(target::NoValue());
  app.add_option("--lock", o.lock,
                 "file: flock <file>.lock for each sale; none: no lock (oversells)")
      ->check(CLI::IsMember({"file", "none"}));
  app.add_option("--read-delay", o.read_delay_ms, "ms slept after reading the file")
      ->transform(target::Decimal())
      ->check(CLI::Range(0, 10'000));
  app.add_option("--write-delay", o.write_delay_ms, "ms slept before writing it")
      ->transform(target::Decimal())
      ->check(CLI::Range(0, 10'000));
  target::parse_flags(app, argc, argv);
  return o;
}

// ---- the file ----------------------------------------------------------------

// The count in the file, or the reason there is none (the reply's text).
struct Count {
  std::int64_t value = 0;
  std::string error;
};

Count read_count(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  std::string text;
  char chunk[512];
  ssize_t n = fd < 0 ? -1 : 0;
  while (fd >= 0 && ((n = read(fd, chunk, sizeof chunk)) > 0 || (n < 0 && errno == EINTR)))
    if (n > 0) text.append(chunk, static_cast<std::size_t>(n));
  if (n < 0) {
    std::fprintf(stderr, "%s: read %s: %s\n", kProgram, path.c_str(), std::strerror(errno));
    if (fd >= 0) close(fd);
    return {0, "cannot read file"};
  }
  close(fd);
  // Only what write_count writes is valid: anything else means a write was
  // torn or the file was edited, and is reported rather than guessed at.
  const auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_object() && json.size() == 1 && json.contains("count") &&
      json["count"].is_number_integer() && json["count"].get<std::int64_t>() >= 0)
    return {json["count"].get<std::int64_t>(), ""};
  std::fprintf(stderr, "%s: %s: corrupt file (%zu bytes): %.80s\n", kProgram, path.c_str(),
               text.size(), text.c_str());
  return {0, "corrupt file"};
}

std::filesystem::path folder_of(const std::string& path) {
  auto folder = std::filesystem::path(path).parent_path();
  return folder.empty() ? "." : folder;
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Replaces the file's content by {"count": N} so that a crash at any point
// leaves either the old or the new file: the temp file (unique per process,
// so concurrent unlocked writers never share one) is fsynced before the
// rename, and the folder after it so the rename itself survives a power cut.
bool write_count(const std::string& path, std::int64_t count) {
  const std::string temp = path + ".tmp." + std::to_string(getpid());
  const std::string text = "{\"count\": " + std::to_string(count) + "}\n";
  const int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  bool ok = fd >= 0 && write_all(fd, text) && fsync(fd) == 0;
  if (fd >= 0 && close(fd) != 0) ok = false;
  ok = ok && rename(temp.c_str(), path.c_str()) == 0;
  if (ok) {
    const int folder = open(folder_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ok = folder >= 0 && fsync(folder) == 0;
    if (folder >= 0) close(folder);
  }
  if (!ok) {
    std::fprintf(stderr, "%s: write %s: %s\n", kProgram, path.c_str(), std::strerror(errno));
    unlink(temp.c_str());
  }
  return ok;
}

// Start-up: the temp files of killed writers go, then the file gets the stock
// unless --keep finds a valid count to continue from.
void prepare_file(const Options& o) {
  const std::string prefix = std::filesystem::path(o.file).filename().string() + ".tmp.";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(folder_of(o.file), ec)) {
    const std::string name = entry.path().filename().string();  // <file>.tmp.<pid> only
    if (name.size() > prefix.size() && name.starts_with(prefix) &&
        name.find_first_not_of("0123456789", prefix.size()) == std::string::npos)
      std::filesystem::remove(entry, ec);
  }
  if (o.keep && access(o.file.c_str(), F_OK) == 0) {
    if (!read_count(o.file).error.empty()) std::exit(target::to_int(target::ExitCode::kRunFailure));
    return;
  }
  if (!write_count(o.file, o.stock)) std::exit(target::to_int(target::ExitCode::kRunFailure));
}

// ---- one purchase or audit, in its own process ------------------------------

enum class Command { kBuy, kAudit };

// How a child tells the server what it did, so the stats need no shared memory.
enum ChildExit : int { kSold = 10, kSoldOut = 11, kAudited = 12, kFailed = 13 };

// The connection is non-blocking (its flags are shared with the server), so
// a client that does not read gets 5 s before the reply is given up.
void send_reply(int connection, std::string_view line) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!line.empty()) {
    ssize_t n = send(connection, line.data(), line.size(), MSG_NOSIGNAL);
    if (n > 0) {
      line.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    const auto left =
        std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{connection, POLLOUT, 0};
    if (n == 0 || errno != EAGAIN || left.count() <= 0 ||
        poll(&p, 1, static_cast<int>(left.count())) <= 0)
      return;
  }
}

[[noreturn]] void run_child(Command command, const Options& o, int connection) {
  int lock = -1;
  if (o.lock == "file") {
    // Opened here, not inherited: flock belongs to an open file description,
    // and one shared by forked processes would exclude none of them.
    const std::string path = o.file + ".lock";
    lock = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    int rc = -1;
    while (lock >= 0 && (rc = flock(lock, LOCK_EX)) < 0 && errno == EINTR) {
    }
    if (rc < 0) {
      std::fprintf(stderr, "%s: lock %s: %s\n", kProgram, path.c_str(), std::strerror(errno));
      send_reply(connection, "ERROR lock failed\n");
      _exit(kFailed);
    }
  }
  const Count count = read_count(o.file);
  std::string reply;
  int status = kFailed;
  if (!count.error.empty()) {
    reply = "ERROR " + count.error;
  } else if (command == Command::kAudit) {
    reply = "COUNT " + std::to_string(count.value);
    status = kAudited;
  } else {
    // The simulated database latency: it widens the race of --lock none.
    std::this_thread::sleep_for(milliseconds(o.read_delay_ms));
    if (count.value <= 0) {
      reply = "SOLDOUT";
      status = kSoldOut;
    } else {
      std::this_thread::sleep_for(milliseconds(o.write_delay_ms));
      const bool written = write_count(o.file, count.value - 1);
      reply = written ? "OK " + std::to_string(count.value) : "ERROR write failed";
      status = written ? kSold : kFailed;
    }
  }
  if (lock >= 0) close(lock);  // before replying: a slow reader must not hold up other buyers
  send_reply(connection, reply + "\n");
  _exit(status);
}

// ---- the server --------------------------------------------------------------

struct Connection {
  std::string in, out;  // unhandled request bytes; reply bytes not sent yet
  pid_t child = 0;      // the BUY or AUDIT process answering it, 0 if none
  bool eof = false;     // nothing more will be read: close once answered
};

struct Stats {
  unsigned long long searches = 0, buys = 0, audits = 0, sold = 0, soldout = 0, errors = 0,
                     killed = 0;
};

class Server {
 public:
  Server(Options options, int listener, int signal_fd)
      : options_(std::move(options)), listener_(listener), signal_fd_(signal_fd) {}

  // Returns once SIGTERM or SIGINT arrives.
  void serve() {
    bool backoff = false;
    for (;;) {
      // Busy connections are left out: their next request waits for the child.
      std::vector<pollfd> fds{{signal_fd_, POLLIN, 0}, {backoff ? -1 : listener_, POLLIN, 0}};
      for (const auto& [fd, c] : connections_)
        if (c.child == 0)
          fds.push_back({fd, static_cast<short>(c.out.empty() ? POLLIN : POLLOUT), 0});
      const int ready = poll(fds.data(), fds.size(), backoff ? 50 : -1);
      backoff = false;
      if (ready < 0 && errno != EINTR) target::die(kProgram, "poll");
      if (ready <= 0) continue;
      if ((fds[0].revents & POLLIN) && !take_signals()) return;
      for (std::size_t i = 2; i < fds.size(); ++i) {
        auto it = connections_.find(fds[i].fd);
        if (fds[i].revents != 0 && it != connections_.end() && it->second.child == 0)
          on_event(fds[i].fd, it->second);
      }
      if (fds[1].revents & POLLIN) backoff = accept_all();
    }
  }

  // Lets running children finish for up to 2 s, then SIGKILLs them.
  void shut_down() {
    close(listener_);
    if (!wait_for_children(std::chrono::seconds(2))) {
      for (const auto& [pid, fd] : children_) kill(pid, SIGKILL);
      wait_for_children(std::chrono::seconds(1));
    }
    std::fprintf(stderr,
                 "%s: searches %llu, buys %llu, sold %llu, soldout %llu, audits %llu, errors %llu, "
                 "killed %llu\n",
                 kProgram, stats_.searches, stats_.buys, stats_.sold, stats_.soldout, stats_.audits,
                 stats_.errors, stats_.killed);
  }

 private:
  // False once a stop signal is among them.
  bool take_signals() {
    signalfd_siginfo info;
    bool go_on = true;
    while (read(signal_fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info))
      if (info.ssi_signo == SIGCHLD) {
        reap(true);
      } else {
        go_on = false;
      }
    return go_on;
  }

  // True when out of descriptors or memory: accepting then pauses briefly
  // rather than spin on a listener that stays readable.
  bool accept_all() {
    for (;;) {
      const int fd = accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd >= 0) {
        connections_[fd] = {};
        continue;
      }
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM;
    }
  }

  void on_event(int fd, Connection& c) {
    if (c.out.empty()) {
      char chunk[4096];
      const ssize_t n = recv(fd, chunk, sizeof chunk, 0);
      if (n > 0) c.in.append(chunk, static_cast<std::size_t>(n));
      if (n == 0) c.eof = true;
      if (n < 0 && errno != EAGAIN && errno != EINTR) return close_connection(fd);
    }
    advance(fd, c);
  }

  // Sends what is pending, then handles buffered requests one at a time until
  // one needs a child, a reply is stuck, or no whole line is left.
  void advance(int fd, Connection& c) {
    for (;;) {
      while (!c.out.empty()) {
        const ssize_t n = send(fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
        if (n > 0) {
          c.out.erase(0, static_cast<std::size_t>(n));
        } else if (n < 0 && errno == EAGAIN) {
          return;  // polled for POLLOUT
        } else if (!(n < 0 && errno == EINTR)) {
          return close_connection(fd);
        }
      }
      if (c.child != 0) return;
      const auto newline = c.in.find('\n');
      if (newline == std::string::npos) {
        if (c.in.size() > kMaxLine) {
          c.in.clear();
          c.out = "ERROR line too long\n";
          c.eof = true;
          continue;
        }
        if (c.eof) close_connection(fd);
        return;
      }
      std::string line = c.in.substr(0, newline);
      c.in.erase(0, newline + 1);
      if (line.ends_with('\r')) line.pop_back();  // nc -C and telnet end lines so
      handle(fd, c, line);
    }
  }

  void handle(int fd, Connection& c, const std::string& line) {
    using drover::target::ticket_db::Request;
    const Request request = drover::target::ticket_db::parse_request(line);
    if (request == Request::kSearch) {
      // Read without the lock: a rename replaces the file whole, so any read
      // sees one complete count.
      ++stats_.searches;
      const Count count = read_count(options_.file);
      c.out = count.error.empty() ? "COUNT " + std::to_string(count.value) + "\n"
                                  : "ERROR " + count.error + "\n";
    } else if (request == Request::kAudit) {
      // In a child too: waiting for the lock here would stall every client.
      ++stats_.audits;
      start_child(Command::kAudit, fd, c);
    } else if (request == Request::kBuy) {
      ++stats_.buys;
      start_child(Command::kBuy, fd, c);
    } else {
      c.out = "ERROR unknown command\n";
    }
  }

  void start_child(Command command, int connection, Connection& c) {
    const pid_t server = getpid();
    const pid_t pid = fork();
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != server) _exit(kFailed);  // the server died before prctl took hold
      close(listener_);
      close(signal_fd_);
      for (const auto& [fd, other] : connections_)
        if (fd != connection) close(fd);
      // A stop signal to the whole group asks the server to drain: a child
      // finishes its purchase rather than die half-way (SIGKILL still works).
      signal(SIGTERM, SIG_IGN);
      signal(SIGINT, SIG_IGN);
      signal(SIGCHLD, SIG_DFL);
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      run_child(command, options_, connection);
    }
    if (pid < 0) {
      ++stats_.errors;
      c.out = "ERROR fork failed\n";
      return;
    }
    c.child = pid;
    children_[pid] = connection;
  }

  // Collects finished children; when serving, their connections go on with
  // their next buffered request.
  void reap(bool serving) {
    for (;;) {
      int status = 0;
      const pid_t pid = waitpid(-1, &status, WNOHANG);
      if (pid <= 0) return;
      auto child = children_.find(pid);
      if (child == children_.end()) continue;
      const int fd = child->second;
      children_.erase(child);
      if (WIFSIGNALED(status)) {
        ++stats_.killed;
      } else if (WEXITSTATUS(status) == kSold) {
        ++stats_.sold;
      } else if (WEXITSTATUS(status) == kSoldOut) {
        ++stats_.soldout;
      } else if (WEXITSTATUS(status) != kAudited) {
        ++stats_.errors;
      }
      auto c = connections_.find(fd);
      if (c == connections_.end()) continue;
      c->second.child = 0;
      if (serving) advance(fd, c->second);
    }
  }

  bool wait_for_children(milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
      reap(false);
      if (children_.empty()) return true;
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(milliseconds(5));
    }
  }

  void close_connection(int fd) {
    close(fd);
    connections_.erase(fd);
  }

  Options options_;
  int listener_;
  int signal_fd_;
  std::map<int, Connection> connections_;    // by descriptor
  std::unordered_map<pid_t, int> children_;  // child -> its connection's descriptor
  Stats stats_;
};

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse_options(argc, argv);
  // An ignored SIGCHLD inherited through exec would make the kernel reap the
  // children itself, and the server could no longer learn their outcome.
  signal(SIGCHLD, SIG_DFL);
  sigset_t handled = target::stop_signals();
  sigaddset(&handled, SIGCHLD);
  const int signal_fd = target::signal_descriptor(kProgram, handled);

  prepare_file(options);
  const int listener =
      target::bind_socket(kProgram, target::resolve(kProgram, options, SOCK_STREAM),
                          SOCK_STREAM | SOCK_NONBLOCK, {.address = true});
  if (listen(listener, SOMAXCONN) < 0) target::die(kProgram, "listen");
  target::print_ready("tcp", target::bound_address(kProgram, listener));

  Server server(options, listener, signal_fd);
  server.serve();
  server.shut_down();
  return 0;
}
