#include "harness/faults/fault_proxies.hpp"

#include <stdexcept>

#include <fmt/format.h>

#include "harness/core/host_port.hpp"

namespace drover {
namespace {

NetworkFault to_proxy_fault(const NetworkFaultSpec& spec) {
  NetworkFault f;
  switch (spec.mode) {
    case NetworkFaultSpec::Mode::kDrop:
      f.mode = NetworkFault::Mode::kDrop;
      break;
    case NetworkFaultSpec::Mode::kLatency:
      f.mode = NetworkFault::Mode::kLatency;
      break;
    case NetworkFaultSpec::Mode::kBandwidth:
      f.mode = NetworkFault::Mode::kBandwidth;
      break;
    case NetworkFaultSpec::Mode::kReset:
      f.mode = NetworkFault::Mode::kReset;
      break;
    case NetworkFaultSpec::Mode::kBlackhole:
      f.mode = NetworkFault::Mode::kBlackhole;
      break;
  }
  f.rate = spec.rate;
  f.latency = spec.latency;
  f.jitter = spec.jitter;
  f.bytes_per_s = spec.bytes_per_s;
  return f;
}

}  // namespace

FaultProxies::FaultProxies(const Scenario& scenario, const TargetSupervisor& supervisor,
                           std::uint64_t seed) {
  for (const FaultSpec& fault : scenario.faults) {
    if (fault.action != FaultSpec::Action::kNetwork || proxies_.count(fault.target)) continue;
    const TargetSpec* target = scenario.find_target(fault.target);
    if (!target) continue;
    const std::string& address = supervisor.address_of(fault.target);
    std::optional<HostPort> upstream = parse_host_port(address);
    if (!upstream) {
      throw std::runtime_error(
          fmt::format("target \"{}\": cannot place a fault proxy before "
                      "\"{}\" (want host:port)",
                      fault.target, address));
    }
    ProxyTransport transport =
        target->protocol == Protocol::kUdp ? ProxyTransport::kUdp : ProxyTransport::kTcp;
    try {
      proxies_[fault.target] = std::make_unique<FaultProxy>(transport, upstream->host,
                                                            upstream->port, seed + proxies_.size());
    } catch (const std::exception& e) {
      throw std::runtime_error(
          fmt::format("target \"{}\": cannot start its fault proxy: {}", fault.target, e.what()));
    }
  }
}

std::string FaultProxies::address_for(const std::string& target,
                                      const std::string& target_address) const {
  auto it = proxies_.find(target);
  return it == proxies_.end() ? target_address : it->second->address();
}

void FaultProxies::apply(const std::string& target, const NetworkFaultSpec* fault) {
  auto it = proxies_.find(target);
  if (it == proxies_.end()) return;
  if (fault) {
    it->second->apply(to_proxy_fault(*fault));
  } else {
    it->second->clear();
  }
}

}  // namespace drover
