// udp_echo: drover's reference UDP target. Replies to every datagram with the
// same bytes upper-cased (ASCII only, like Python's bytes.upper()), sent back
// to the sender's address.
//
// Flags, the READY line and exit statuses follow targets/common/target.hpp.
// SIGTERM or SIGINT: exit status 0 within about 300 ms, after one stats line
// on stderr.
//
// Models:
//  - workers (default): --threads sockets on one port (SO_REUSEPORT), each
//    served by its own thread with batched recvmmsg/sendmmsg and no
//    allocation or lock per datagram, so that it is never the bottleneck of a
//    benchmark;
//  - thread-per-datagram: one receiving thread that starts a new thread per
//    datagram, as Python's socketserver.ThreadingUDPServer does. It falls over
//    under load on purpose.
// --corrupt-every N is the broken twin: about every Nth reply is wrong, which
// drover's replies_correct invariant must catch.
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "targets/common/target.hpp"

namespace {

namespace target = drover::target;

constexpr const char* kProgram = "udp_echo";

// Large enough for any UDP payload (65507 over IPv4, 65527 over IPv6), so no
// datagram is ever truncated.
constexpr std::size_t kMaxDatagram = 65536;

struct Options : target::AddressOptions {
  std::string model = "workers";  // or "thread-per-datagram"
  int threads = 2;
  int batch = 32;
  std::uint64_t corrupt_every = 0;
};

Options parse_options(int argc, char** argv) {
  Options o;
  CLI::App app{"Replies to each datagram with its bytes upper-cased.", kProgram};
  app.footer("Prints \"READY udp HOST:PORT\" once bound; exits 0 on SIGTERM or SIGINT.");
  target::add_address_flags(app, o);
  app.add_option(
         "--model", o.model,
         "workers: N threads with recvmmsg/sendmmsg; thread-per-datagram: a thread per datagram")
      ->check(CLI::IsMember({"workers", "thread-per-datagram"}));
  app.add_option("--threads", o.threads, "worker threads (model workers)")
      ->transform(target::Decimal())
      ->check(CLI::Range(1, 256));
  app.add_option("--batch", o.batch, "datagrams per recvmmsg/sendmmsg (model workers)")
      ->transform(target::Decimal())
      ->check(CLI::Range(1, 1024));
  app.add_option("--corrupt-every", o.corrupt_every,
                 "broken twin: every Nth reply is wrong (0: never)")
      ->transform(target::Decimal())
      ->check(CLI::Range(0, 1'000'000'000));
  target::parse_flags(app, argc, argv);
  return o;
}

// Receives time out so that threads notice the stop flag promptly.
int open_socket(const sockaddr_storage& address, bool workers) {
  const int fd = target::bind_socket(kProgram, address, SOCK_DGRAM, {.port = workers});
  if (workers) {
    // Big buffers absorb bursts; the kernel caps them at rmem_max/wmem_max.
    // The thread-per-datagram model keeps the defaults, as Python does.
    int size = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  }
  timeval timeout{0, 100'000};
  if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) < 0)
    target::die(kProgram, "SO_RCVTIMEO");
  return fd;
}

void upper_case(char* data, std::size_t length) {
  for (std::size_t i = 0; i < length; ++i)
    if (data[i] >= 'a' && data[i] <= 'z') data[i] = static_cast<char>(data[i] - ('a' - 'A'));
}

// Makes an upper-cased reply wrong. '#' differs from any upper-cased first
// byte except '#' itself; an empty reply grows one byte.
std::size_t corrupt(char* data, std::size_t length) {
  if (length == 0) {
    data[0] = '#';
    return 1;
  }
  data[0] = data[0] == '#' ? '!' : '#';
  return length;
}

using Count = unsigned long long;

struct Stats {
  Count received = 0, sent = 0, corrupted = 0, dropped = 0, send_errors = 0;
  Stats& operator+=(const Stats& o) {
    received += o.received, sent += o.sent, corrupted += o.corrupted;
    dropped += o.dropped, send_errors += o.send_errors;
    return *this;
  }
};

std::atomic<bool> g_stop{false};

// ---- model workers ---------------------------------------------------------

// Counts in a local Stats, handed over at the end: workers never share a
// cache line while serving.
void run_worker(int fd, int batch, std::uint64_t corrupt_every, Stats& result) {
  Stats stats;
  // Default-initialised: pages a small datagram never reaches are never touched.
  std::unique_ptr<char[]> buffers(new char[static_cast<std::size_t>(batch) * kMaxDatagram]);
  std::vector<mmsghdr> messages(batch);
  std::vector<iovec> iovecs(batch);
  std::vector<sockaddr_storage> peers(batch);
  for (int i = 0; i < batch; ++i) {
    iovecs[i].iov_base = buffers.get() + static_cast<std::size_t>(i) * kMaxDatagram;
    messages[i].msg_hdr = msghdr{};
    messages[i].msg_hdr.msg_iov = &iovecs[i];
    messages[i].msg_hdr.msg_iovlen = 1;
    messages[i].msg_hdr.msg_name = &peers[i];
  }
  std::uint64_t until_corrupt = corrupt_every;
  while (!g_stop.load(std::memory_order_relaxed)) {
    for (int i = 0; i < batch; ++i) {
      iovecs[i].iov_len = kMaxDatagram;
      messages[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
    }
    int n = recvmmsg(fd, messages.data(), batch, MSG_WAITFORONE, nullptr);
    if (n <= 0) continue;  // timeout (stop check) or a transient error
    stats.received += n;
    for (int i = 0; i < n; ++i) {
      auto* data = static_cast<char*>(iovecs[i].iov_base);
      std::size_t length = messages[i].msg_len;
      upper_case(data, length);
      if (corrupt_every != 0 && --until_corrupt == 0) {
        length = corrupt(data, length);
        until_corrupt = corrupt_every;
        ++stats.corrupted;
      }
      iovecs[i].iov_len = length;
    }
    for (int done = 0; done < n;) {
      int k = sendmmsg(fd, messages.data() + done, n - done, 0);
      if (k > 0) {
        done += k;
        stats.sent += k;
      } else if (k == 0 || errno != EINTR) {
        ++stats.send_errors;  // the kernel refused this one datagram: skip it
        ++done;
      }
    }
  }
  result = stats;
}

// ---- model thread-per-datagram ---------------------------------------------

// Shared with detached reply threads, hence static storage and atomics.
struct PerDatagram {
  int fd = -1;
  std::uint64_t corrupt_every = 0;
  std::atomic<Count> received{0}, sent{0}, corrupted{0}, dropped{0}, send_errors{0};
  std::atomic<Count> replies{0};
  std::atomic<int> in_flight{0};
  Stats snapshot() const { return {received, sent, corrupted, dropped, send_errors}; }
};
PerDatagram g_per_datagram;

void reply_one(std::string data, sockaddr_storage peer, socklen_t peer_length) {
  PerDatagram& s = g_per_datagram;
  upper_case(data.data(), data.size());
  if (s.corrupt_every != 0 && (s.replies.fetch_add(1) + 1) % s.corrupt_every == 0) {
    if (data.empty()) data.push_back(' ');
    corrupt(data.data(), data.size());
    ++s.corrupted;
  }
  if (sendto(s.fd, data.data(), data.size(), 0, reinterpret_cast<sockaddr*>(&peer), peer_length) <
      0)
    ++s.send_errors;
  else
    ++s.sent;
  --s.in_flight;
}

void run_receiver() {
  PerDatagram& s = g_per_datagram;
  std::vector<char> buffer(kMaxDatagram);
  while (!g_stop.load(std::memory_order_relaxed)) {
    sockaddr_storage peer{};
    socklen_t peer_length = sizeof peer;
    ssize_t n = recvfrom(s.fd, buffer.data(), buffer.size(), 0, reinterpret_cast<sockaddr*>(&peer),
                         &peer_length);
    if (n < 0) continue;  // timeout (stop check) or a transient error
    ++s.received;
    ++s.in_flight;
    try {
      std::thread(reply_one, std::string(buffer.data(), static_cast<std::size_t>(n)), peer,
                  peer_length)
          .detach();
    } catch (const std::exception&) {  // no thread (or no memory) left: the datagram is lost
      --s.in_flight;
      ++s.dropped;
    }
  }
}

void print_stats(const char* model, const Stats& s) {
  std::fprintf(stderr,
               "udp_echo: model %s: received %llu, sent %llu, corrupted %llu, dropped %llu, "
               "send errors %llu\n",
               model, s.received, s.sent, s.corrupted, s.dropped, s.send_errors);
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse_options(argc, argv);
  // Blocked before any thread starts, so only sigwait below ever takes them.
  const sigset_t stop_signals = target::stop_signals();
  target::set_up_signals(kProgram, stop_signals);

  const bool workers = options.model == "workers";
  sockaddr_storage address = target::resolve(kProgram, options, SOCK_DGRAM);
  std::vector<int> sockets{open_socket(address, workers)};
  // The first bind settles the port (the kernel's pick for port 0); the
  // other workers join that port.
  address = target::bound_address(kProgram, sockets[0]);
  for (int i = 1; workers && i < options.threads; ++i)
    sockets.push_back(open_socket(address, true));
  target::print_ready("udp", address);

  std::vector<std::thread> threads;
  std::vector<Stats> stats(sockets.size());
  if (workers) {
    for (std::size_t i = 0; i < sockets.size(); ++i)
      threads.emplace_back(run_worker, sockets[i], options.batch, options.corrupt_every,
                           std::ref(stats[i]));
  } else {
    g_per_datagram.fd = sockets[0];
    g_per_datagram.corrupt_every = options.corrupt_every;
    threads.emplace_back(run_receiver);
  }

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  g_stop = true;
  for (auto& t : threads) t.join();

  if (workers) {
    Stats total;
    for (const Stats& s : stats) total += s;
    print_stats("workers", total);
    return 0;
  }
  // Reply threads are detached; give the last ones a moment to finish.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(150);
  while (g_per_datagram.in_flight > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  print_stats("thread-per-datagram", g_per_datagram.snapshot());
  if (g_per_datagram.in_flight > 0) {
    // A reply thread still runs: leave without running exit handlers under it.
    std::fflush(nullptr);
    _exit(0);
  }
  return 0;
}
