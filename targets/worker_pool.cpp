// worker_pool: drover's reference process pool, the lesson's Pool(4) with
// apply_async and a callback, served over TCP. A client sends
// `SUBMIT <task-id> <n> [work_ms]` lines and, later and possibly out of order,
// gets `RESULT <task-id> <n*n> <worker-pid> <start_us> <end_us>` or
// `ERROR <task-id> <reason>` for each (targets/README.md has the protocol).
//
// Flags, the READY line and exit statuses follow targets/common/target.hpp.
// Beyond them, drover's pool_complete invariant relies on:
//  - N pre-forked workers (--workers), each running one task at a time, fed
//    from one FIFO: never more than N tasks run at once;
//  - every SUBMIT of a connected client is answered exactly once: a worker
//    that dies is replaced, and its task answered `ERROR <id> worker died`;
//  - start_us and end_us are CLOCK_MONOTONIC in the worker, one clock for all;
//  - SIGTERM or SIGINT: stops accepting, SIGTERMs the workers, reaps them
//    (SIGKILL after 2 s), prints one stats line on stderr, exits 0; workers
//    never outlive the server.
// The broken twins: --bug overcommit forks one worker too many (N+1 tasks run
// at once); --bug drop silently discards every Nth result (--bug-every).
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <deque>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "targets/common/target.hpp"
#include "targets/worker_pool/submit.hpp"

namespace {

namespace target = drover::target;

constexpr const char* kProgram = "worker_pool";
constexpr std::size_t kMaxLine = 4096;
// A client that submits without reading its answers is not read from until
// it catches up, so that its answers cannot grow without bound.
constexpr std::size_t kMaxPendingOutput = 1 << 20;

struct Options : target::AddressOptions {
  int workers = 4;
  std::string bug = "none";
  int bug_every = 20;
};

Options parse_options(int argc, char** argv) {
  Options o;
  CLI::App app{"A pre-forked process pool: SUBMIT tasks over TCP, get their RESULTs as they end.",
               kProgram};
  app.footer("Prints \"READY tcp HOST:PORT\" once listening; exits 0 on SIGTERM or SIGINT.");
  target::add_address_flags(app, o);
  app.add_option("--workers", o.workers, "worker processes")
      ->transform(target::Decimal())
      ->check(CLI::Range(1, 256));
  app.add_option("--bug", o.bug, "broken twins: run N+1 tasks at once, or lose results")
      ->check(CLI::IsMember({"none", "overcommit", "drop"}));
  app.add_option("--bug-every", o.bug_every, "with --bug drop: drop every Nth result")
      ->transform(target::Decimal())
      ->check(CLI::Range(1, 1'000'000));
  target::parse_flags(app, argc, argv);
  return o;
}

// The parent and a worker talk over a SOCK_SEQPACKET socketpair, so that one
// message is always one whole task or one whole result.
struct TaskMessage {
  std::int64_t n, work_ms;
};
struct ResultMessage {
  std::int64_t square, start_us, end_us;
};

std::int64_t monotonic_ns() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<std::int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

// A worker's life. Never returns; _exit skips the parent's atexit handlers and
// stdio buffers, which are not this process's to flush.
[[noreturn]] void run_worker(int channel, pid_t parent) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(0);  // the parent died before prctl took hold
  for (int sig : {SIGTERM, SIGCHLD, SIGPIPE}) signal(sig, SIG_DFL);
  // Ctrl-C reaches the whole process group: the parent alone decides when
  // workers stop, so that a stop is not taken for a crash to recover from.
  signal(SIGINT, SIG_IGN);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  for (;;) {
    TaskMessage task;
    const ssize_t got = recv(channel, &task, sizeof task, 0);
    if (got < 0 && errno == EINTR) continue;
    if (got != static_cast<ssize_t>(sizeof task)) _exit(0);  // the parent is gone
    const std::int64_t start = monotonic_ns();
    // An absolute deadline: end - start >= work_ms, however often it wakes.
    const std::int64_t deadline = start + task.work_ms * 1'000'000;
    const timespec until{deadline / 1'000'000'000, deadline % 1'000'000'000};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, nullptr) == EINTR) {
    }
    const ResultMessage result{task.n * task.n, start / 1000, monotonic_ns() / 1000};
    ssize_t sent;
    do sent = send(channel, &result, sizeof result, MSG_NOSIGNAL);
    while (sent < 0 && errno == EINTR);
    if (sent != static_cast<ssize_t>(sizeof result)) _exit(0);
  }
}

struct Task {
  std::uint64_t client = 0;  // which connection asked (its fd may be reused later)
  std::int64_t id = 0, n = 0, work_ms = 0;
};

struct Stats {
  unsigned long long accepted = 0, submitted = 0, results = 0, died = 0, bad_requests = 0,
                     dropped = 0, discarded = 0, killed = 0;
};

class Pool {
 public:
  Pool(Options options, int listener, int signal_fd)
      : options_(std::move(options)), listener_(listener), signal_fd_(signal_fd) {
    // The overcommit twin: its one extra worker is the whole bug.
    workers_.resize(options_.workers + (options_.bug == "overcommit" ? 1 : 0));
    for (Worker& w : workers_)
      if (!spawn(w)) target::die(kProgram, "fork worker");
  }

  // Returns once SIGTERM or SIGINT arrives.
  void serve() {
    struct Source {
      int kind;          // 0 signals, 1 listener, 2 worker, 3 client
      std::uint64_t id;  // worker slot or client id
    };
    bool backoff = false;
    while (!stopping_) {
      bool missing = false;  // a worker's replacement could not be forked: retry soon
      for (Worker& w : workers_) missing |= w.fd < 0 && !spawn(w);
      // Flushed before dispatching: a client found gone on sending loses its
      // queued tasks before they take a worker.
      flush_clients();
      dispatch();
      std::vector<pollfd> fds{{signal_fd_, POLLIN, 0},
                              {listener_, static_cast<short>(backoff ? 0 : POLLIN), 0}};
      std::vector<Source> sources{{0, 0}, {1, 0}};
      for (std::size_t slot = 0; slot < workers_.size(); ++slot) {
        if (workers_[slot].fd < 0) continue;
        fds.push_back({workers_[slot].fd, POLLIN, 0});
        sources.push_back({2, slot});
      }
      for (const auto& [id, c] : clients_) {
        const bool reading = !c.done_sending && c.out.size() < kMaxPendingOutput;
        fds.push_back(
            {c.fd, static_cast<short>((reading ? POLLIN : 0) | (c.out.empty() ? 0 : POLLOUT)), 0});
        sources.push_back({3, id});
      }
      const int ready = poll(fds.data(), fds.size(), backoff || missing ? 50 : -1);
      backoff = false;
      if (ready < 0 && errno != EINTR) target::die(kProgram, "poll");
      for (std::size_t i = 0; ready > 0 && i < fds.size(); ++i) {
        const short events = fds[i].revents;
        const Source& s = sources[i];
        if (events == 0) continue;
        if (s.kind == 0) read_signals();
        if (s.kind == 1) backoff = accept_all();
        if (s.kind == 2 && workers_[s.id].fd == fds[i].fd) read_results(workers_[s.id]);
        auto it = s.kind == 3 ? clients_.find(s.id) : clients_.end();
        if (it == clients_.end() || !(events & (POLLIN | POLLHUP | POLLERR))) continue;
        // A hang-up after the client's EOF is its reset: nobody is left to answer.
        if (it->second.done_sending || !read_client(s.id, it->second)) drop_client(s.id);
      }
    }
  }

  // Stops the workers: SIGTERM, up to 2 s to exit, then SIGKILL.
  void shut_down() {
    close(listener_);
    for (auto& [id, c] : clients_) close(c.fd);
    for (Worker& w : workers_) {
      if (w.fd < 0) continue;
      kill(w.pid, SIGTERM);
      close(w.fd);
      unreaped_.insert(w.pid);
    }
    if (!wait_for_workers(std::chrono::seconds(2))) {
      for (pid_t pid : unreaped_) kill(pid, SIGKILL);
      stats_.killed += unreaped_.size();
      wait_for_workers(std::chrono::seconds(1));
    }
    std::fprintf(stderr,
                 "worker_pool: workers %zu, accepted %llu, submitted %llu, results %llu, workers "
                 "died %llu, bad requests %llu, dropped %llu, discarded %llu, killed %llu, "
                 "unreaped %zu\n",
                 workers_.size(), stats_.accepted, stats_.submitted, stats_.results, stats_.died,
                 stats_.bad_requests, stats_.dropped, stats_.discarded, stats_.killed,
                 unreaped_.size());
  }

 private:
  struct Worker {
    pid_t pid = -1;
    int fd = -1;  // -1: a slot waiting for its replacement worker
    std::optional<Task> running;
  };
  struct Client {
    int fd = -1;
    std::string in, out;
    std::size_t owed = 0;  // tasks queued or running
    // EOF read. Answers still go out: `nc -q1` half-closes once its input ends.
    bool done_sending = false;
    bool skipping = false;  // inside an over-long line, discarded up to its newline
  };

  bool spawn(Worker& w) {
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0) return false;
    const pid_t parent = getpid();
    const pid_t pid = fork();
    if (pid == 0) {
      // Only its own end stays open: the port and the clients are the parent's.
      close(pair[0]);
      close(listener_);
      close(signal_fd_);
      for (const auto& [id, c] : clients_) close(c.fd);
      for (const Worker& other : workers_)
        if (other.fd >= 0) close(other.fd);
      run_worker(pair[1], parent);
    }
    close(pair[1]);
    if (pid < 0) {
      close(pair[0]);
      return false;
    }
    // A worker is sent one task at a time, so a send always finds room.
    fcntl(pair[0], F_SETFL, fcntl(pair[0], F_GETFL) | O_NONBLOCK);
    w = Worker{pid, pair[0], std::nullopt};
    return true;
  }

  // Hands queued tasks, oldest first, to idle workers.
  void dispatch() {
    for (Worker& w : workers_) {
      if (queue_.empty()) return;
      if (w.fd < 0 || w.running) continue;
      const TaskMessage message{queue_.front().n, queue_.front().work_ms};
      if (send(w.fd, &message, sizeof message, MSG_NOSIGNAL) != ssize_t{sizeof message}) {
        retire(w, false);  // the worker is gone; the task waits for another
        continue;
      }
      w.running = queue_.front();
      queue_.pop_front();
    }
  }

  // A worker that died, or broke the protocol: its task is answered, never
  // lost, and the next turn of the loop forks its replacement.
  void retire(Worker& w, bool reaped) {
    if (w.running)
      settle(w.running->client, "ERROR " + std::to_string(w.running->id) + " worker died\n");
    close(w.fd);
    if (!reaped) {
      // Not reaped, so its pid cannot have been reused: stop one that broke
      // the protocol, and reap it when its SIGCHLD comes.
      kill(w.pid, SIGKILL);
      unreaped_.insert(w.pid);
    }
    ++stats_.died;
    w = Worker{};
  }

  // Results until the worker's socket is empty; EOF means it died.
  void read_results(Worker& w, bool reaped = false) {
    for (;;) {
      ResultMessage r;
      const ssize_t got = recv(w.fd, &r, sizeof r, 0);
      if (got < 0 && errno == EAGAIN) return;
      if (got < 0 && errno == EINTR) continue;
      if (got != static_cast<ssize_t>(sizeof r) || !w.running) return retire(w, reaped);
      const Task task = *std::exchange(w.running, std::nullopt);
      if (!clients_.contains(task.client)) {
        ++stats_.discarded;  // its client left
      } else if (options_.bug == "drop" && ++results_due_ % options_.bug_every == 0) {
        ++stats_.dropped;
        settle(task.client, "");
      } else {
        char line[160];
        std::snprintf(line, sizeof line, "RESULT %lld %lld %d %lld %lld\n",
                      static_cast<long long>(task.id), static_cast<long long>(r.square), w.pid,
                      static_cast<long long>(r.start_us), static_cast<long long>(r.end_us));
        settle(task.client, line);
        ++stats_.results;
      }
    }
  }

  // One of the client's tasks is over: `answer` (if any) is what it is told.
  void settle(std::uint64_t client, const std::string& answer) {
    if (auto it = clients_.find(client); it != clients_.end()) {
      --it->second.owed;
      it->second.out += answer;
    }
  }

  void read_signals() {
    signalfd_siginfo info;
    while (read(signal_fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
      if (info.ssi_signo != SIGCHLD) stopping_ = true;
      for (pid_t pid; (pid = waitpid(-1, nullptr, WNOHANG)) > 0;) {
        if (unreaped_.erase(pid) != 0) continue;  // its EOF was seen already
        for (Worker& w : workers_) {
          if (w.pid != pid || w.fd < 0) continue;
          // All it sent before dying is in the socket; reading it may meet
          // the EOF and retire the worker already.
          read_results(w, true);
          if (w.fd >= 0) retire(w, true);
        }
      }
    }
  }

  // Accepts until the backlog is empty. Returns true when out of descriptors
  // or memory: the caller then pauses accepting rather than spin.
  bool accept_all() {
    for (;;) {
      const int fd = accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0 && (errno == EINTR || errno == ECONNABORTED)) continue;
      if (fd < 0) return errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM;
      // Answers are small lines sent as they come: Nagle would hold each one
      // back until the client acknowledged the one before.
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      clients_[next_client_++].fd = fd;
      ++stats_.accepted;
    }
  }

  // Reads what the client sent and queues its tasks. False once it is gone.
  bool read_client(std::uint64_t id, Client& c) {
    char buffer[16384];
    const ssize_t got = recv(c.fd, buffer, sizeof buffer, 0);
    if (got < 0) return errno == EAGAIN || errno == EINTR;
    if (got == 0) {
      c.done_sending = true;            // closed for good, or only half: sending to it tells
      if (!c.in.empty()) c.in += '\n';  // a last line without its newline still counts
    }
    c.in.append(buffer, static_cast<std::size_t>(std::max<ssize_t>(got, 0)));
    std::size_t start = 0;
    for (std::size_t nl; (nl = c.in.find('\n', start)) != std::string::npos; start = nl + 1) {
      if (std::exchange(c.skipping, false)) continue;
      std::string line = c.in.substr(start, nl - start);
      if (line.ends_with('\r')) line.pop_back();
      if (line.find_first_not_of(" \t") == std::string::npos) continue;  // asks nothing
      if (auto submit = drover::target::worker_pool::parse_submit(line)) {
        queue_.push_back(Task{id, submit->id, submit->n, submit->work_ms});
        ++c.owed;
        ++stats_.submitted;
      } else {
        c.out += "ERROR - bad request: " + line + "\n";
        ++stats_.bad_requests;
      }
    }
    c.in.erase(0, start);
    if (c.in.size() > kMaxLine) {
      if (!c.skipping) c.out += "ERROR - bad request: line longer than 4096 bytes\n";
      stats_.bad_requests += c.skipping ? 0 : 1;
      c.skipping = true;
      c.in.clear();
    }
    return true;
  }

  // Sends what each client is owed, as far as its socket takes it, and closes
  // the connections that are over.
  void flush_clients() {
    std::vector<std::uint64_t> over;
    for (auto& [id, c] : clients_) {
      ssize_t sent = 0;
      if (!c.out.empty()) sent = send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
      if (sent > 0) c.out.erase(0, static_cast<std::size_t>(sent));
      bool gone = sent < 0 && errno != EAGAIN && errno != EINTR;
      if (c.done_sending && sent > 0) {
        // A client that closed for good answers data with a reset, which on
        // loopback is back before send returns.
        pollfd p{c.fd, 0, 0};
        gone |= poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR));
      }
      if (gone || (c.done_sending && c.owed == 0 && c.out.empty())) over.push_back(id);
    }
    for (std::uint64_t id : over) drop_client(id);
  }

  // Its queued tasks never run; its running ones' results are discarded.
  void drop_client(std::uint64_t id) {
    close(clients_.at(id).fd);
    clients_.erase(id);
    std::erase_if(queue_, [id](const Task& t) { return t.client == id; });
  }

  bool wait_for_workers(std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
      for (pid_t pid; (pid = waitpid(-1, nullptr, WNOHANG)) > 0;) unreaped_.erase(pid);
      if (unreaped_.empty()) return true;
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  Options options_;
  int listener_;
  int signal_fd_;
  bool stopping_ = false;
  std::vector<Worker> workers_;
  std::unordered_set<pid_t> unreaped_;  // workers stopped or dead, not yet reaped
  std::unordered_map<std::uint64_t, Client> clients_;
  std::uint64_t next_client_ = 1;
  std::deque<Task> queue_;
  std::uint64_t results_due_ = 0;  // results owed to connected clients, for --bug drop
  Stats stats_;
};

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse_options(argc, argv);
  // Dispositions survive exec: an inherited ignored SIGCHLD would make the
  // kernel reap the workers itself, and hide their deaths from the pool.
  signal(SIGCHLD, SIG_DFL);
  sigset_t handled = target::stop_signals();
  sigaddset(&handled, SIGCHLD);
  const int signal_fd = target::signal_descriptor(kProgram, handled);

  const int listener =
      target::bind_socket(kProgram, target::resolve(kProgram, options, SOCK_STREAM),
                          SOCK_STREAM | SOCK_NONBLOCK, {.address = true});
  if (listen(listener, SOMAXCONN) < 0) target::die(kProgram, "listen");
  // Workers first, so that the pool is whole by the time drover is told READY.
  Pool pool(options, listener, signal_fd);
  target::print_ready("tcp", target::bound_address(kProgram, listener));
  pool.serve();
  pool.shut_down();
  return 0;
}
