// udp_echo: drover's reference UDP target. Replies to every datagram with the
// same bytes upper-cased (ASCII only, like Python's bytes.upper()), sent back
// to the sender's address.
//
// What drover's supervisor relies on:
//  - once every socket is bound, exactly one line "READY udp HOST:PORT" on
//    stdout, flushed (IPv6 hosts in brackets); with --port 0 it names the
//    port the kernel picked;
//  - a bad flag: a message naming it on stderr, exit status 2;
//  - SIGTERM or SIGINT: exit status 0 within about 300 ms, after one stats
//    line on stderr.
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
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

// Large enough for any UDP payload (65507 over IPv4, 65527 over IPv6), so no
// datagram is ever truncated.
constexpr std::size_t kMaxDatagram = 65536;

constexpr const char* kUsage =
    "usage: udp_echo [--host H] [--port P] [--model workers|thread-per-datagram]\n"
    "                [--threads N] [--batch N] [--corrupt-every N]\n"
    "Replies to each datagram with its bytes upper-cased.\n"
    "  --host H            address to bind (default 127.0.0.1)\n"
    "  --port P            port to bind, 0 = any free port (default 0)\n"
    "  --model M           workers (default) or thread-per-datagram\n"
    "  --threads N         worker threads, model workers (1..256, default 2)\n"
    "  --batch N           datagrams per recvmmsg/sendmmsg (1..1024, default 32)\n"
    "  --corrupt-every N   make every Nth reply wrong, 0 = never (default 0)\n"
    "Prints \"READY udp HOST:PORT\" once bound; exits 0 on SIGTERM or SIGINT.\n";

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  bool thread_per_datagram = false;
  int threads = 2;
  int batch = 32;
  std::uint64_t corrupt_every = 0;
};

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(stderr, "udp_echo: %s (see udp_echo --help)\n", message.c_str());
  std::exit(2);
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
    } else if (flag == "--model") {
      std::string_view model = value();
      if (model != "workers" && model != "thread-per-datagram")
        usage_error("--model: expected workers or thread-per-datagram, got '" + std::string(model) +
                    "'");
      o.thread_per_datagram = model == "thread-per-datagram";
    } else if (flag == "--threads") {
      o.threads = static_cast<int>(parse_int(flag, value(), 1, 256));
    } else if (flag == "--batch") {
      o.batch = static_cast<int>(parse_int(flag, value(), 1, 1024));
    } else if (flag == "--corrupt-every") {
      o.corrupt_every = static_cast<std::uint64_t>(parse_int(flag, value(), 0, 1'000'000'000));
    } else {
      usage_error("unknown flag '" + std::string(arg) + "'");
    }
  }
  return o;
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "udp_echo: %s: %s\n", what.c_str(), std::strerror(errno));
  std::exit(1);
}

sockaddr_storage resolve(const Options& o, socklen_t& length) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(o.port);
  if (int rc = getaddrinfo(o.host.c_str(), port.c_str(), &hints, &found); rc != 0)
    usage_error("--host " + o.host + ": " + gai_strerror(rc));
  sockaddr_storage address{};
  std::memcpy(&address, found->ai_addr, found->ai_addrlen);
  length = found->ai_addrlen;
  freeaddrinfo(found);
  return address;
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

// Receives time out so that threads notice the stop flag promptly.
int open_socket(const sockaddr_storage& address, socklen_t length, bool workers) {
  int fd = socket(address.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket");
  int one = 1;
  if (workers) {
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0) die("SO_REUSEPORT");
    // Big buffers absorb bursts; the kernel caps them at rmem_max/wmem_max.
    // The thread-per-datagram model keeps the defaults, as Python does.
    int size = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  }
  timeval timeout{0, 100'000};
  if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout) < 0) die("SO_RCVTIMEO");
  if (bind(fd, reinterpret_cast<const sockaddr*>(&address), length) < 0)
    die("bind " + format_address(address));
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
  signal(SIGPIPE, SIG_IGN);
  // Blocked before any thread starts, so only sigwait below ever takes them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  socklen_t length = 0;
  sockaddr_storage address = resolve(options, length);
  const bool workers = !options.thread_per_datagram;
  std::vector<int> sockets{open_socket(address, length, workers)};
  // The first bind settles the port (the kernel's pick for port 0); the
  // other workers join that port.
  if (getsockname(sockets[0], reinterpret_cast<sockaddr*>(&address), &length) < 0)
    die("getsockname");
  for (int i = 1; workers && i < options.threads; ++i)
    sockets.push_back(open_socket(address, length, true));

  std::printf("READY udp %s\n", format_address(address).c_str());
  std::fflush(stdout);

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
