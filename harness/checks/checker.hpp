// A checker reads a history one event at a time and says whether its
// invariant held. It knows nothing of sockets or targets: everything it
// needs is in the events (drover records a target's final state, such as a
// ticket audit or queue stats, as events of the pseudo-fleet "@<target>").
// Memory grows with the distinct items seen, never with the history's length
// beyond that.
//
// Not thread-safe: one checker, one reader.
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "harness/core/run_result.hpp"
#include "harness/history/event.hpp"

namespace drover {

// How to find, in a history, the event where a failed invariant first
// broke: the nth event of operation f with this type (in time order) whose
// key is key. An event's key is its value as text: the number, the text, or
// one number of a list (key_field: a pool result's task id is field 0).
struct AnomalyFocus {
  std::string about;  // "serial 17 sold a second time"
  std::string f;
  EventType type = EventType::kOk;
  std::optional<std::string> key;  // nullopt: any event of f and type
  std::size_t key_field = 0;
  std::size_t nth = 1;
};

class Checker {
 public:
  virtual ~Checker() = default;
  virtual void observe(const Event& event) = 0;
  // Before result(), when the history's last line was torn by a crash: the
  // event on it is lost, and what it may have said is unknown.
  virtual void history_torn(std::uint64_t line) { torn_line_ = line; }
  // ok, a violation (ok false), or unknown (ok false, unknown true) when
  // evidence the invariant needs is missing: no operations at all, or no
  // final state where the invariant needs one.
  virtual InvariantResult result() const = 0;
  // After result() found the invariant broken: the events where it broke,
  // a few of each kind of problem found. find_first_anomaly() locates them
  // in time and keeps the earliest.
  virtual std::vector<AnomalyFocus> anomalies() const { return {}; }

 protected:
  std::uint64_t torn_line_ = 0;  // 0: the history ended whole
};
using CheckerPtr = std::unique_ptr<Checker>;

// The events one checker looks at: those of the fleets driving its target,
// and drover's own final queries of it.
struct CheckScope {
  std::string target;
  std::set<std::string> fleets;
  // All its fleets run on this machine, so every event's time is on one
  // clock. Times from agents on other hosts are shifted onto drover's by
  // an estimate; comparisons across fleets that need precision (the
  // depth's lower bound, the final state after the load) are skipped.
  bool one_clock = true;
  bool covers(const Event& e) const {
    // Called for every event of a history that may hold tens of millions:
    // a fleet list is short, so a scan beats a tree.
    for (const std::string& fleet : fleets) {
      if (e.fleet == fleet) return true;
    }
    return e.fleet.size() == target.size() + 1 && e.fleet[0] == '@' &&
           e.fleet.compare(1, target.size(), target) == 0;
  }
};

// no_oversell: successful BUYs <= stock; no serial sold twice; serials in
// 1..stock; the final audited count (the AUDIT with the latest time) =
// stock - sold, where sold lies between the successful BUYs and those plus
// the BUYs of unknown outcome. Unknown without a final AUDIT.
CheckerPtr make_no_oversell_checker(CheckScope scope, std::int64_t stock);

// exactly_once: every acknowledged PUT consumed exactly once; no item
// consumed that no PUT ended ok or info for; the queue's depth never above
// maxsize (from its final STATS, and a lower bound from the history:
// acknowledged PUTs minus GETs started); JOIN returned only after every
// taken item was DONE, and replied when every taken item was. Unknown
// without a final STATS.
CheckerPtr make_exactly_once_checker(CheckScope scope, std::int64_t maxsize);

// pool_complete: every SUBMIT answered exactly once; no answer for a task
// never submitted; every value n*n; every answer's interval possible (end
// not before start); never more than workers tasks running at once (from
// the workers' own start and end times, first answers only). A SUBMIT that
// timed out (info), or one whose answer may be on a torn last line, is
// unknown rather than never answered.
CheckerPtr make_pool_complete_checker(CheckScope scope, std::int64_t workers);

}  // namespace drover
