#include "targets/common/target.hpp"

#include <sys/signalfd.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "harness/core/open_files.hpp"

namespace drover::target {

namespace {

socklen_t length_of(const sockaddr_storage& address) {
  return address.ss_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
}

}  // namespace

void die(std::string_view program, std::string_view what) {
  const char* error = std::strerror(errno);  // before stdio can change errno
  std::fprintf(stderr, "%.*s: %.*s: %s\n", static_cast<int>(program.size()), program.data(),
               static_cast<int>(what.size()), what.data(), error);
  std::exit(to_int(ExitCode::kRunFailure));
}

void bad_flag(std::string_view program, std::string_view message) {
  const int p = static_cast<int>(program.size());
  std::fprintf(stderr, "%.*s: %.*s (see %.*s --help)\n", p, program.data(),
               static_cast<int>(message.size()), message.data(), p, program.data());
  std::exit(to_int(ExitCode::kBadFlag));
}

// ---- flags -------------------------------------------------------------------

void add_address_flags(CLI::App& app, AddressOptions& options) {
  app.add_option("--host", options.host, "address to bind")
      ->check([](const std::string& host) { return host.empty() ? "empty address" : ""; });
  app.add_option("--port", options.port, "port to bind, 0 = any free port")
      ->transform(Decimal())
      ->check(CLI::Range(0, 65535));
}

Decimal::Decimal() {
  func_ = [](std::string& text) -> std::string {
    const std::size_t sign = text.starts_with('-') ? 1 : 0;
    if (text.size() == sign || text.find_first_not_of("0123456789", sign) != std::string::npos)
      return "expected a decimal integer, got '" + text + "'";
    // Leading zeros dropped (one kept for zero itself), so that CLI11's own
    // conversion cannot take the number for octal.
    const std::size_t first = std::min(text.find_first_not_of('0', sign), text.size() - 1);
    text.erase(sign, first - sign);
    return {};
  };
}

NoValue::NoValue() {
  // CLI11 hands a bare flag over as "true", and a flag's value as written.
  func_ = [](std::string& value) -> std::string {
    return value == "true" ? "" : "takes no value, got '" + value + "'";
  };
}

void parse_flags(CLI::App& app, int argc, char** argv) {
  for (CLI::Option* option : app.get_options()) {
    option->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
    // --help shows each flag's default as the code has it, "[2]", so no
    // help text repeats it (and drover's table of args is checked against it).
    option->capture_default_str();
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // CLI11 ends --help with an exception too, whose exit code is 0.
    if (e.get_exit_code() == 0) std::exit(app.exit(e));
    bad_flag(app.get_name(), e.what());
  }
  drover::raise_open_file_limit();
}

// ---- sockets -----------------------------------------------------------------

sockaddr_storage resolve(std::string_view program, const AddressOptions& options, int type) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = type;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(options.port);
  if (int rc = getaddrinfo(options.host.c_str(), port.c_str(), &hints, &found); rc != 0)
    bad_flag(program, "--host " + options.host + ": " + gai_strerror(rc));
  sockaddr_storage address{};
  std::memcpy(&address, found->ai_addr, found->ai_addrlen);
  freeaddrinfo(found);
  return address;
}

int bind_socket(std::string_view program, const sockaddr_storage& address, int type, Reuse reuse) {
  int fd = socket(address.ss_family, type | SOCK_CLOEXEC, 0);
  if (fd < 0) die(program, "socket");
  int one = 1;
  if (reuse.address && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0)
    die(program, "SO_REUSEADDR");
  if (reuse.port && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) < 0)
    die(program, "SO_REUSEPORT");
  if (bind(fd, reinterpret_cast<const sockaddr*>(&address), length_of(address)) < 0)
    die(program, "bind " + format_address(address));
  return fd;
}

sockaddr_storage bound_address(std::string_view program, int fd) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) < 0)
    die(program, "getsockname");
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

void print_ready(std::string_view proto, const sockaddr_storage& address) {
  std::printf("READY %.*s %s\n", static_cast<int>(proto.size()), proto.data(),
              format_address(address).c_str());
  std::fflush(stdout);
}

// ---- signals -----------------------------------------------------------------

sigset_t stop_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  return signals;
}

void set_up_signals(std::string_view program, const sigset_t& taken) {
  signal(SIGPIPE, SIG_IGN);
  if (sigprocmask(SIG_BLOCK, &taken, nullptr) < 0) die(program, "sigprocmask");
}

int signal_descriptor(std::string_view program, const sigset_t& taken) {
  set_up_signals(program, taken);
  int fd = signalfd(-1, &taken, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0) die(program, "signalfd");
  return fd;
}

}  // namespace drover::target
