// Real network partitions: for a target on a declared host whose address
// belongs to a network namespace of this machine (ci/netns-hosts makes
// such hosts), an nftables table inside that namespace drops the host's
// traffic while the fault lasts. drover's SSH control connection to the
// host is never cut, so it can still supervise and stop the target there.
//
// A table is registered as an exit cleanup (harness/core/exit_cleanup.hpp)
// before nft makes it, so a drover that ends without unwinding (a second
// Ctrl-C, the watchdog) still removes it, even one ending while nft runs:
// the removal waits for the nft that makes the table. Tables are named after the drover process
// that made them (partition_rules.hpp): one a drover left behind when it was killed outright is
// removed by remove_leftover_partitions() at the start of the next run.
//
// Needs root and the `ip` and `nft` programs (Debian: iproute2, nftables).
// Not thread-safe: the runner's thread owns it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/core/exit_cleanup.hpp"
#include "harness/faults/nemesis.hpp"
#include "harness/faults/partition_rules.hpp"
#include "harness/scenario/scenario.hpp"

namespace drover {

// A partition cannot be made here (not root, no namespace owns the
// host's address, nft failed). The runner makes it exit code 3.
class PartitionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Partitions final : public PartitionFaults {
 public:
  // Finds the namespace of every host a partition fault cuts off, and the
  // addresses of the hosts it is cut off from. Throws PartitionError
  // naming the fault when one cannot work here.
  explicit Partitions(const Scenario& scenario);
  // Removes every partition still in force.
  ~Partitions() override;
  Partitions(const Partitions&) = delete;
  Partitions& operator=(const Partitions&) = delete;

  std::string cut(std::size_t fault) override;
  void heal(std::size_t fault) override;

 private:
  struct Plan {
    std::string netns;
    PartitionRules rules;  // table set when cut
    std::string what;      // "10.99.0.2 (netns drover-h1) from everything but ssh"
  };
  // A table in force, and its removal should drover end without unwinding.
  struct InForce {
    std::string table;
    ExitCleanup removal;
  };
  // Throws PartitionError naming the fault when it cannot work here.
  static Plan plan(const Scenario& scenario, const FaultSpec& fault);
  std::map<std::size_t, Plan> plans_;   // by fault index
  std::map<std::size_t, InForce> cut_;  // by fault index
  // Held while nft makes a table, and by a removal at exit: shared with
  // the exit cleanups, which may outlive this object.
  std::shared_ptr<std::mutex> making_ = std::make_shared<std::mutex>();
  TableOwner owner_;
  std::uint64_t serial_ = 0;
};

// This process, as partition tables record their owner.
TableOwner this_drover();

// The named network namespaces of this machine (`ip netns`: /run/netns).
std::vector<std::string> network_namespaces();

// Deletes, in every named namespace, the partition tables whose drover is
// no longer running. Returns one line per table removed, and per one that
// could not be. Does nothing (and returns nothing) unless run as root with
// nft installed.
std::vector<std::string> remove_leftover_partitions();

}  // namespace drover
