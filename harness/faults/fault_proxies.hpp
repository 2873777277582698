// The fault proxies of one run: one per target that a network fault names,
// placed between the target and every fleet that drives it, so the nemesis
// can drop, delay, throttle, reset or swallow that target's traffic.
//
// Not thread-safe to construct; apply() may be called from any one thread
// while the proxies forward on their own.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "harness/faults/fault_proxy.hpp"
#include "harness/faults/nemesis.hpp"
#include "harness/process/supervisor.hpp"
#include "harness/scenario/scenario.hpp"

namespace drover {

class FaultProxies final : public NetworkFaults {
 public:
  // Starts the proxies, forwarding to each target's address. Throws
  // std::runtime_error naming the target when one cannot start.
  FaultProxies(const Scenario& scenario, const TargetSupervisor& supervisor, std::uint64_t seed);

  // The address the fleets of target connect to: its proxy's if it has one.
  std::string address_for(const std::string& target, const std::string& target_address) const;
  void apply(const std::string& target, const NetworkFaultSpec* fault) override;

 private:
  std::map<std::string, std::unique_ptr<FaultProxy>> proxies_;
};

}  // namespace drover
