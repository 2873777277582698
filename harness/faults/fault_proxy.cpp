#include "harness/faults/fault_proxy.hpp"

#include <future>
#include <stdexcept>
#include <thread>

#include "harness/faults/relay.hpp"

namespace drover {
namespace {

using namespace proxy_detail;

void validate(const NetworkFault& f) {
  if (f.mode == Mode::kDrop && !(f.rate >= 0 && f.rate <= 1))
    throw std::invalid_argument("fault proxy: drop rate must be in [0, 1]");
  if (f.mode == Mode::kLatency && (f.latency < Duration(0) || f.jitter < Duration(0)))
    throw std::invalid_argument("fault proxy: latency and jitter must not be negative");
  if (f.mode == Mode::kBandwidth && f.bytes_per_s == 0)
    throw std::invalid_argument("fault proxy: bandwidth must be above 0 bytes/s");
}

}  // namespace

struct FaultProxy::Impl {
  Impl(ProxyTransport transport, const std::string& upstream_host, int upstream_port,
       std::uint64_t seed, const std::string& listen)
      : shared(seed), is_tcp(transport == ProxyTransport::kTcp) {
    if (upstream_port < 1 || upstream_port > 65535)
      throw std::runtime_error("fault proxy: upstream " + upstream_host + ":" +
                               std::to_string(upstream_port) + " has no valid port");
    if (is_tcp)
      relay = make_tcp_relay(io, shared, listen, upstream_host, upstream_port);
    else
      relay = make_udp_relay(io, shared, listen, upstream_host, upstream_port);
    port = relay->port;
    address = relay->host.is_v6() ? "[" + relay->host.to_string() + "]" : relay->host.to_string();
    address += ":" + std::to_string(port);
    relay->start();
    thread = std::thread([this] {
      io.run();
      finished.set_value();
    });
  }

  void stop() {
    asio::post(io, [this] {
      shared.stopping = true;
      relay->shutdown();
    });
    // Every coroutine ends once its socket is closed; if one does not in
    // time, its frame is destroyed with the io_context.
    if (done.wait_for(kStopGrace) != std::future_status::ready) io.stop();
    thread.join();
  }

  asio::io_context io{1};  // first in, last out: sockets need it to close
  Shared shared;
  bool is_tcp;
  int port = 0;
  std::string address;
  std::unique_ptr<Relay> relay;
  std::promise<void> finished;
  std::future<void> done = finished.get_future();
  std::thread thread;
};

FaultProxy::FaultProxy(ProxyTransport transport, std::string upstream_host, int upstream_port,
                       std::uint64_t seed, std::string listen_host)
    : impl_(std::make_unique<Impl>(transport, upstream_host, upstream_port, seed, listen_host)) {}

FaultProxy::~FaultProxy() {
  impl_->stop();
}

int FaultProxy::port() const {
  return impl_->port;
}

std::string FaultProxy::address() const {
  return impl_->address;
}

void FaultProxy::apply(const NetworkFault& fault) {
  validate(fault);
  impl_->shared.set(fault);
  if (fault.mode == Mode::kReset && impl_->is_tcp)
    asio::post(impl_->io, [impl = impl_.get()] { impl->relay->reset_all(); });
}

void FaultProxy::clear() {
  impl_->shared.set(NetworkFault{});
}

ProxyStats FaultProxy::stats() const {
  const Shared& s = impl_->shared;
  auto get = [](const Counter& c) { return c.load(std::memory_order_relaxed); };
  return {get(s.forwarded), get(s.dropped), get(s.delayed), get(s.resets), get(s.blackholed)};
}

}  // namespace drover
