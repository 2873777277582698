// queue_broker: drover's reference queue target, Python's Queue(maxsize) /
// JoinableQueue as a TCP server. Producers PUT items, consumers GET them in
// FIFO order and mark each DONE; JOIN waits until every accepted item is done.
//
// Flags, the READY line and exit statuses follow targets/common/target.hpp.
// Beyond them, drover relies on:
//  - one request line in, one reply line out, in order, on each connection
//    (targets/README.md has the protocol);
//  - in the correct mode every acknowledged PUT is handed out by exactly one
//    GET, and the queue never holds more than --maxsize items (checked at
//    every insertion, also in release builds: a breach aborts);
//  - every wait is bounded: PUT while full and GET while empty by --wait,
//    JOIN by --join-wait;
//  - SIGTERM or SIGINT: stops accepting, wakes every waiting request, closes
//    the connections, prints one stats line on stderr and exits 0 within
//    about 300 ms.
//
// --bug is the broken twin for drover's exactly_once invariant: `lose`
// acknowledges every Nth accepted PUT but drops the item; `redeliver` hands
// out the item of every Nth GET and also leaves it at the head of the queue.
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <utility>

#include "targets/common/target.hpp"
#include "targets/queue_broker/request.hpp"

namespace {

namespace target = drover::target;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr const char* kProgram = "queue_broker";
// The longest request is "DONE " and an item; anything far longer is not one
// of ours, and is discarded rather than buffered without bound.
constexpr std::size_t kMaxLine = 1024;

struct Options : target::AddressOptions {
  std::size_t maxsize = 16;
  int wait_ms = 1000;
  int join_wait_ms = 10000;
  std::string bug = "none";
  std::uint64_t bug_every = 20;
};

Options parse_options(int argc, char** argv) {
  Options o;
  CLI::App app{"A bounded FIFO queue over TCP: PUT, GET, DONE, JOIN, STATS.", kProgram};
  app.footer("Prints \"READY tcp HOST:PORT\" once listening; exits 0 on SIGTERM or SIGINT.");
  target::add_address_flags(app, o);
  app.add_option("--maxsize", o.maxsize, "most items queued at once")
      ->transform(target::Decimal())
      ->check(CLI::Range(1, 1'000'000));
  app.add_option("--wait", o.wait_ms, "ms a PUT waits while full and a GET while empty")
      ->transform(target::Decimal())
      ->check(CLI::Range(1, 60'000));
  app.add_option("--join-wait", o.join_wait_ms, "ms a JOIN waits for every item to be done")
      ->transform(target::Decimal())
      ->check(CLI::Range(1, 600'000));
  app.add_option("--bug", o.bug, "broken twins: lose acknowledged items, or hand items out twice")
      ->check(CLI::IsMember({"none", "lose", "redeliver"}));
  app.add_option("--bug-every", o.bug_every, "the bug hits every Nth PUT or GET")
      ->transform(target::Decimal())
      ->check(CLI::Range(1, 1'000'000));
  target::parse_flags(app, argc, argv);
  return o;
}

// The queue and its bookkeeping. Thread-safe: one mutex guards everything,
// and each kind of waiter has its own condition variable (as Python's Queue
// has), so that a notify_one always reaches a waiter that can proceed.
class Broker {
 public:
  enum class Outcome { kOk, kTimedOut, kStopped };

  explicit Broker(const Options& o)
      : maxsize_(o.maxsize),
        wait_(o.wait_ms),
        join_wait_(o.join_wait_ms),
        lose_every_(o.bug == "lose" ? o.bug_every : 0),
        redeliver_every_(o.bug == "redeliver" ? o.bug_every : 0) {}

  Outcome put(std::string item) {
    std::unique_lock lock(mutex_);
    if (!not_full_.wait_until(lock, Clock::now() + wait_,
                              [&] { return stopping_ || items_.size() < maxsize_; }))
      return Outcome::kTimedOut;
    if (stopping_) return Outcome::kStopped;
    ++put_;
    if (lose_every_ != 0 && put_ % lose_every_ == 0) {
      ++lost_;  // acknowledged, yet neither queued nor owed a DONE
      return Outcome::kOk;
    }
    items_.push_back(std::move(item));
    if (items_.size() > maxsize_) {
      std::fprintf(stderr, "%s: depth %zu above maxsize %zu\n", kProgram, items_.size(), maxsize_);
      std::abort();
    }
    max_depth_ = std::max(max_depth_, items_.size());
    ++unfinished_;
    not_empty_.notify_one();
    return Outcome::kOk;
  }

  Outcome get(std::string& item) {
    std::unique_lock lock(mutex_);
    if (!not_empty_.wait_until(lock, Clock::now() + wait_,
                               [&] { return stopping_ || !items_.empty(); }))
      return Outcome::kTimedOut;
    if (stopping_) return Outcome::kStopped;
    ++got_;
    item = items_.front();
    ++taken_[item];
    if (redeliver_every_ != 0 && got_ % redeliver_every_ == 0) {
      // The copy left at the head is owed its own DONE, so that JOIN still
      // returns once both consumers have marked it.
      ++redelivered_;
      ++unfinished_;
      not_empty_.notify_one();  // the queue is still not empty
      return Outcome::kOk;
    }
    items_.pop_front();
    not_full_.notify_one();
    return Outcome::kOk;
  }

  // False when the item is not out with a consumer (never got, or done).
  bool done(const std::string& item) {
    std::lock_guard lock(mutex_);
    auto it = taken_.find(item);
    if (it == taken_.end()) return false;
    if (--it->second == 0) taken_.erase(it);
    ++done_;
    if (--unfinished_ == 0) all_done_.notify_all();
    return true;
  }

  // The number of unfinished tasks once the wait ends (0 means joined), or
  // nullopt when the broker is stopping.
  std::optional<std::uint64_t> join() {
    std::unique_lock lock(mutex_);
    all_done_.wait_until(lock, Clock::now() + join_wait_,
                         [&] { return stopping_ || unfinished_ == 0; });
    if (stopping_) return std::nullopt;
    return unfinished_;
  }

  std::string stats_json() {
    std::lock_guard lock(mutex_);
    char line[256];
    std::snprintf(line, sizeof line,
                  R"({"depth":%zu,"max_depth":%zu,"maxsize":%zu,"put":%llu,"got":%llu,)"
                  R"("done":%llu,"unfinished":%llu})",
                  items_.size(), max_depth_, maxsize_, ull(put_), ull(got_), ull(done_),
                  ull(unfinished_));
    return line;
  }

  // Wakes every waiting request; from now on they all end without a reply.
  void stop() {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    not_full_.notify_all();
    not_empty_.notify_all();
    all_done_.notify_all();
  }

  void print_stats(std::uint64_t connections) {
    std::lock_guard lock(mutex_);
    std::fprintf(stderr,
                 "%s: connections %llu, put %llu, got %llu, done %llu, lost %llu, redelivered "
                 "%llu, depth %zu, max depth %zu, unfinished %llu\n",
                 kProgram, ull(connections), ull(put_), ull(got_), ull(done_), ull(lost_),
                 ull(redelivered_), items_.size(), max_depth_, ull(unfinished_));
  }

 private:
  static unsigned long long ull(std::uint64_t n) { return n; }

  const std::size_t maxsize_;
  const milliseconds wait_, join_wait_;
  const std::uint64_t lose_every_, redeliver_every_;  // 0: that bug is off

  std::mutex mutex_;
  std::condition_variable not_full_, not_empty_, all_done_;
  bool stopping_ = false;
  std::deque<std::string> items_;
  // Items handed out and not yet done, by item (the same item may be queued
  // twice, or redelivered).
  std::unordered_map<std::string, std::uint64_t> taken_;
  std::size_t max_depth_ = 0;
  std::uint64_t put_ = 0, got_ = 0, done_ = 0, unfinished_ = 0, lost_ = 0, redelivered_ = 0;
};

// The reply to a waiting PUT or GET; empty when the broker is stopping, for
// then the connection is closed without one.
std::string reply_to(Broker::Outcome outcome, std::string ok, std::string timed_out) {
  if (outcome == Broker::Outcome::kStopped) return "";
  return outcome == Broker::Outcome::kOk ? ok : timed_out;
}

// The reply to one request line; empty when the broker is stopping.
std::string answer(Broker& broker, std::string_view line) {
  using Verb = drover::target::queue_broker::Request::Verb;
  const auto request = drover::target::queue_broker::parse_request(line);
  switch (request.verb) {
    case Verb::kBadItem:
      return "ERROR bad item";
    case Verb::kDone:
      return broker.done(std::string(request.item)) ? "OK" : "ERROR not taken";
    case Verb::kPut:
      return reply_to(broker.put(std::string(request.item)), "OK", "FULL");
    case Verb::kGet: {
      std::string item;
      const Broker::Outcome outcome = broker.get(item);
      return reply_to(outcome, "ITEM " + item, "EMPTY");
    }
    case Verb::kJoin: {
      const std::optional<std::uint64_t> pending = broker.join();
      if (!pending) return "";
      return *pending == 0 ? "OK" : "PENDING " + std::to_string(*pending);
    }
    case Verb::kStats:
      return broker.stats_json();
    case Verb::kUnknown:
      break;
  }
  return "ERROR unknown command";
}

bool send_line(int fd, std::string line) {
  line += '\n';
  for (std::size_t sent = 0; sent < line.size();) {
    ssize_t n = send(fd, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

// Serves one connection until the client closes it or the server stops
// (shutdown() on the socket ends a blocked recv or send).
void serve_connection(Broker& broker, int fd) {
  std::string buffer;
  bool too_long = false;  // discarding an overlong line up to its newline
  char chunk[4096];
  for (;;) {
    ssize_t n = recv(fd, chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    buffer.append(chunk, static_cast<std::size_t>(n));
    std::size_t start = 0;
    for (std::size_t nl; (nl = buffer.find('\n', start)) != std::string::npos; start = nl + 1) {
      std::string_view line(buffer.data() + start, nl - start);
      if (line.ends_with('\r')) line.remove_suffix(1);  // telnet and friends
      std::string reply = too_long ? "ERROR line too long" : answer(broker, line);
      too_long = false;
      if (reply.empty() || !send_line(fd, std::move(reply))) return;
    }
    buffer.erase(0, start);
    if (buffer.size() > kMaxLine) {
      too_long = true;
      buffer.clear();
    }
  }
}

// The connection threads, each with its socket. A socket is closed only after
// its thread has been joined, so shutting down the sockets of live threads
// never touches a reused descriptor. Used by the main thread only.
class Connections {
 public:
  explicit Connections(Broker& broker) : broker_(broker) {}

  void start(int fd) {
    reap_finished();
    auto connection = std::make_unique<Connection>();
    connection->fd = fd;
    Connection* c = connection.get();
    try {
      c->thread = std::thread([this, c] {
        serve_connection(broker_, c->fd);
        c->finished = true;
      });
    } catch (const std::system_error&) {
      close(fd);  // out of threads: the client sees its connection closed
      return;
    }
    ++accepted_;
    live_.push_back(std::move(connection));
  }

  // Ends every connection: the broker must be stopped first, so that no
  // thread is left waiting on the queue.
  void close_all() {
    for (auto& c : live_) shutdown(c->fd, SHUT_RDWR);
    for (auto& c : live_) {
      c->thread.join();
      close(c->fd);
    }
    live_.clear();
  }

  std::uint64_t accepted() const { return accepted_; }

 private:
  struct Connection {
    int fd = -1;
    std::thread thread;
    std::atomic<bool> finished = false;
  };

  // Keeps a long run with many short connections from piling up threads.
  void reap_finished() {
    live_.remove_if([](const std::unique_ptr<Connection>& c) {
      if (!c->finished) return false;
      c->thread.join();
      close(c->fd);
      return true;
    });
  }

  Broker& broker_;
  std::list<std::unique_ptr<Connection>> live_;
  std::uint64_t accepted_ = 0;
};

// Accepts connections until SIGTERM or SIGINT arrives on signal_fd.
void accept_until_stopped(int listener, int signal_fd, Connections& connections) {
  for (bool backoff = false;;) {
    pollfd fds[2] = {{signal_fd, POLLIN, 0}, {listener, POLLIN, 0}};
    // Out of descriptors, the listener stays readable: pause rather than spin.
    const int ready = poll(fds, backoff ? 1 : 2, backoff ? 50 : -1);
    backoff = false;
    if (ready < 0 && errno != EINTR) target::die(kProgram, "poll");
    if (ready <= 0) continue;
    if (fds[0].revents & POLLIN) return;
    if (!(fds[1].revents & POLLIN)) continue;
    for (;;) {
      const int fd = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) {
        connections.start(fd);
        continue;
      }
      if (errno == EINTR || errno == ECONNABORTED) continue;
      backoff = errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM;
      break;  // EAGAIN: the backlog is empty
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse_options(argc, argv);
  // Blocked before any thread starts, so they arrive only through signal_fd.
  const sigset_t stop_signals = target::stop_signals();
  const int signal_fd = target::signal_descriptor(kProgram, stop_signals);

  // Non-blocking, so that one readable event can drain the backlog; accepted
  // sockets are blocking, as their threads want.
  const int listener =
      target::bind_socket(kProgram, target::resolve(kProgram, options, SOCK_STREAM),
                          SOCK_STREAM | SOCK_NONBLOCK, {.address = true});
  if (listen(listener, SOMAXCONN) < 0) target::die(kProgram, "listen");
  target::print_ready("tcp", target::bound_address(kProgram, listener));

  Broker broker(options);
  Connections connections(broker);
  accept_until_stopped(listener, signal_fd, connections);
  close(listener);
  broker.stop();
  connections.close_all();
  broker.print_stats(connections.accepted());
  return 0;
}
