// exactly_once over histories of tens of millions of operations: items are
// not kept in a node-based map (one allocation and a cache miss each), but
// appended as (hash, name) records to flat lists (put acknowledged, put of
// unknown outcome, taken, DONE sent) and matched after a radix sort at the
// end. Names are compared
// whenever hashes are equal, so a hash collision never hides an anomaly.
#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <string_view>
#include <thread>
#include <vector>

#include "harness/checks/checker.hpp"
#include "harness/checks/listing.hpp"
#include "harness/checks/radix_sort.hpp"

namespace drover {
namespace {

// Item names, stored end to end in one arena and referred to by offset.
class ItemList {
 public:
  void add(std::string_view name) {
    records_.push_back({hash(name), static_cast<std::uint64_t>(arena_.size()),
                        static_cast<std::uint32_t>(name.size())});
    arena_.append(name);
  }
  // By hash, then by name among equal hashes (the same item seen again, or
  // rarely a collision). The radix sort orders by the hash's high half
  // only (four passes instead of eight); the few runs that share it are
  // finished by comparison.
  void sort() {
    radix_sort(records_, [](const Record& r) { return r.hash >> 32; });
    for (std::size_t i = 0; i + 1 < records_.size();) {
      std::size_t end = i + 1;
      while (end < records_.size() && records_[end].hash >> 32 == records_[i].hash >> 32) ++end;
      if (end - i > 1) {
        std::sort(records_.begin() + static_cast<std::ptrdiff_t>(i),
                  records_.begin() + static_cast<std::ptrdiff_t>(end),
                  [this](const Record& a, const Record& b) {
                    return a.hash != b.hash ? a.hash < b.hash : name(a) < name(b);
                  });
      }
      i = end;
    }
    // The names are then laid out again in sorted order, so that matching
    // reads every arena front to back instead of jumping around in it.
    std::string sorted_arena;
    sorted_arena.reserve(arena_.size());
    constexpr std::size_t kAhead = 32;  // names fetched ahead: each one is a cache miss
    for (std::size_t i = 0; i < records_.size(); ++i) {
      if (i + kAhead < records_.size()) {
        __builtin_prefetch(arena_.data() + records_[i + kAhead].offset);
      }
      Record& r = records_[i];
      std::uint64_t offset = sorted_arena.size();
      sorted_arena.append(arena_.data() + r.offset, r.length);
      r.offset = offset;
    }
    arena_.swap(sorted_arena);
  }
  std::size_t size() const { return records_.size(); }
  std::string_view name(std::size_t i) const { return name(records_[i]); }
  // Compares record i with record j of other, by hash then by name.
  int compare(std::size_t i, const ItemList& other, std::size_t j) const {
    const Record& a = records_[i];
    const Record& b = other.records_[j];
    if (a.hash != b.hash) return a.hash < b.hash ? -1 : 1;
    return name(a).compare(other.name(b));
  }

 private:
  struct Record {
    std::uint64_t hash;
    std::uint64_t offset;
    std::uint32_t length;
  };
  static std::uint64_t hash(std::string_view s) {
    std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a, then a final mix
    for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    return h ^ (h >> 33);
  }
  std::string_view name(const Record& r) const { return {arena_.data() + r.offset, r.length}; }

  std::vector<Record> records_;
  std::string arena_;
};

// Whether list a holds a record equal to b's record j, walking a's cursor
// forward (both lists sorted).
bool advance_to(const ItemList& a, std::size_t& cursor, const ItemList& b, std::size_t j) {
  while (cursor < a.size() && a.compare(cursor, b, j) < 0) ++cursor;
  return cursor < a.size() && a.compare(cursor, b, j) == 0;
}

class ExactlyOnce final : public Checker {
 public:
  ExactlyOnce(CheckScope scope, std::int64_t maxsize)
      : scope_(std::move(scope)), maxsize_(maxsize) {}

  void observe(const Event& e) override {
    if (!scope_.covers(e)) return;
    if (e.fleet[0] != '@') ++operations_;
    if (e.f == "put") {
      // A PUT that failed put nothing: only ok and info may have.
      if (e.type == EventType::kOk) {
        acked_.add(e.value.text);
        put_acks_ns_.push_back(e.time_ns);
      } else if (e.type == EventType::kInfo) {
        uncertain_.add(e.value.text);
      }
    } else if (e.f == "get") {
      if (e.type == EventType::kInvoke) {
        get_starts_ns_.push_back(e.time_ns);
      } else if (e.type == EventType::kOk) {
        taken_.add(e.value.text);
      } else if (e.type == EventType::kInfo) {
        ++unknown_gets_;
      }
    } else if (e.f == "done") {
      observe_done(e);
    } else if (e.f == "join") {
      if (e.type == EventType::kInvoke) join_invoked_ = true;
      if (e.type == EventType::kOk) join_ns_ = e.time_ns;
    } else if (e.f == "stats" && e.type == EventType::kOk && e.value.numbers.size() >= 2) {
      max_depth_ = e.value.numbers[1];
    }
  }

  std::vector<AnomalyFocus> anomalies() const override { return anomalies_; }

  InvariantResult result() const override {
    sort_lists();
    const Matching matched = match();
    Findings found = findings(matched);
    anomalies_ = std::move(found.anomalies);
    InvariantResult r{Invariant::kExactlyOnce, scope_.target, found.problems.empty(), "", {}};
    r.detail = r.ok ? summary(matched) : join(found.problems, "; ");
    if (r.ok && (operations_ == 0 || !max_depth_)) {
      r.ok = false;
      r.unknown = true;
      r.detail = missing_evidence();
    }
    return r;
  }

 private:
  // The three lists matched against each other.
  struct Matching {
    std::vector<std::string> lost;        // acknowledged, never taken
    std::vector<std::string> duplicated;  // taken more than once
    std::vector<std::string> unexpected;  // taken, never put
    std::vector<std::string> never_done;  // taken, no DONE sent for it
    std::size_t consumed = 0;             // distinct items taken
    std::size_t acknowledged = 0;         // distinct items acknowledged
  };
  // The history's own lower bound on the queue's depth, at its highest.
  struct DepthBound {
    std::int64_t depth = 0;
    std::uint64_t time_ns = 0;
    std::size_t acks = 0;  // PUTs acknowledged by then
    std::size_t gets = 0;  // GETs started by then
  };
  // What broke, in words and as events to place in time.
  struct Findings {
    std::vector<std::string> problems;
    std::vector<AnomalyFocus> anomalies;
  };

  void sort_lists() const {
    // Sorted in place: copies of lists this size would double the memory.
    // Two sorts on a second core while this one does the third.
    std::thread helper([this] {
      acked_.sort();
      uncertain_.sort();
      radix_sort(put_acks_ns_, [](std::uint64_t t) { return t; });
    });
    taken_.sort();
    done_.sort();
    radix_sort(get_starts_ns_, [](std::uint64_t t) { return t; });
    helper.join();
  }

  // Walks the sorted lists side by side, once each.
  Matching match() const {
    Matching m;
    std::size_t in_acked = 0, in_uncertain = 0, in_done = 0;
    for (std::size_t i = 0; i < taken_.size(); ++i) {
      if (i > 0 && taken_.compare(i, taken_, i - 1) == 0) {
        if (i < 2 || taken_.compare(i, taken_, i - 2) != 0)
          m.duplicated.emplace_back(taken_.name(i));
        continue;
      }
      ++m.consumed;
      if (!advance_to(acked_, in_acked, taken_, i) &&
          !advance_to(uncertain_, in_uncertain, taken_, i)) {
        m.unexpected.emplace_back(taken_.name(i));
      }
      if (!advance_to(done_, in_done, taken_, i)) m.never_done.emplace_back(taken_.name(i));
    }
    std::size_t in_taken = 0;
    for (std::size_t i = 0; i < acked_.size(); ++i) {
      if (i > 0 && acked_.compare(i, acked_, i - 1) == 0) continue;
      ++m.acknowledged;
      if (!advance_to(taken_, in_taken, acked_, i)) m.lost.emplace_back(acked_.name(i));
    }
    return m;
  }

  Findings findings(const Matching& m) const {
    Findings found;
    // A few of each kind, for find_first_anomaly() to place in time.
    constexpr std::size_t kCandidates = 3;
    auto candidates = [&](const std::vector<std::string>& items, const char* about, const char* f,
                          std::size_t nth) {
      for (std::size_t i = 0; i < items.size() && i < kCandidates; ++i) {
        found.anomalies.push_back(
            {fmt::format("item {} {}", items[i], about), f, EventType::kOk, items[i], 0, nth});
      }
    };
    // A GET whose reply never came may have taken an item: that many lost
    // items are unconfirmed rather than proven lost.
    if (static_cast<std::int64_t>(m.lost.size()) > unknown_gets_) {
      found.problems.push_back(fmt::format(
          "{} acknowledged items never consumed{}: {}", m.lost.size(),
          unknown_gets_ ? fmt::format(" ({} GETs of unknown outcome)", unknown_gets_) : "",
          first_items(sorted(m.lost))));
      candidates(m.lost, "was acknowledged and never consumed", "put", 1);
    }
    if (!m.duplicated.empty()) {
      found.problems.push_back(fmt::format("{} items consumed more than once: {}",
                                           m.duplicated.size(), first_items(sorted(m.duplicated))));
      candidates(m.duplicated, "was consumed a second time", "get", 2);
    }
    if (!m.unexpected.empty()) {
      found.problems.push_back(fmt::format("{} items consumed that were never put: {}",
                                           m.unexpected.size(), first_items(sorted(m.unexpected))));
      candidates(m.unexpected, "was consumed but never put", "get", 1);
    }
    if (max_depth_ && *max_depth_ > maxsize_) {
      found.problems.push_back(
          fmt::format("queue depth reached {} (maxsize {})", *max_depth_, maxsize_));
      found.anomalies.push_back(
          {fmt::format("the broker reports a depth of {} (maxsize {})", *max_depth_, maxsize_),
           "stats", EventType::kOk, std::nullopt, 0, 1});
    }
    if (scope_.one_clock) check_depth_bound(found);
    check_join(m, found);
    return found;
  }

  void observe_done(const Event& e) {
    if (e.type == EventType::kInvoke) {
      done_.add(e.value.text);
      last_done_sent_ns_ = std::max(last_done_sent_ns_, e.time_ns);
    } else if (e.type != EventType::kOk) {
      ++unsettled_dones_;
    }
  }

  // Items in the queue at time t number at least the PUTs acknowledged by
  // t minus the GETs started by t (each GET takes one item at most), with
  // no word from the broker. A GET at the same instant as an
  // acknowledgement counts first, so the bound stays a lower one.
  DepthBound depth_bound() const {
    DepthBound peak;
    std::size_t gets = 0;
    for (std::size_t acks = 1; acks <= put_acks_ns_.size(); ++acks) {
      const std::uint64_t t = put_acks_ns_[acks - 1];
      while (gets < get_starts_ns_.size() && get_starts_ns_[gets] <= t) ++gets;
      const auto depth = static_cast<std::int64_t>(acks) - static_cast<std::int64_t>(gets);
      if (depth > peak.depth) peak = {depth, t, acks, gets};
    }
    return peak;
  }

  void check_depth_bound(Findings& found) const {
    const DepthBound peak = depth_bound();
    if (peak.depth <= maxsize_) return;
    found.problems.push_back(fmt::format(
        "at least {} items were in the queue at t={:.6f} s ({} PUTs acknowledged, {} GETs started "
        "by then; maxsize {})",
        peak.depth, static_cast<double>(peak.time_ns) / 1e9, peak.acks, peak.gets, maxsize_));
    found.anomalies.push_back({fmt::format("PUT number {} was acknowledged with at least {} items "
                                           "queued (maxsize {})",
                                           peak.acks, peak.depth, maxsize_),
                               "put", EventType::kOk, std::nullopt, 0, peak.acks});
  }

  void check_join(const Matching& m, Findings& found) const {
    std::string wrong;
    if (join_ns_ && *join_ns_ < last_done_sent_ns_) {
      wrong = "JOIN returned before every DONE had been sent";
    } else if (join_ns_ && !m.never_done.empty()) {
      wrong = fmt::format("JOIN returned although {} taken items were never DONE: {}",
                          m.never_done.size(), first_items(sorted(m.never_done)));
    }
    if (!wrong.empty()) {
      found.problems.push_back(wrong);
      found.anomalies.push_back({wrong, "join", EventType::kOk, std::nullopt, 0, 1});
      return;
    }
    // Every taken item was DONE, each DONE acknowledged, and no GET of
    // unknown outcome may have taken one that nobody marked DONE: a JOIN
    // must return (unless its reply was on a line a crash tore).
    if (join_invoked_ && !join_ns_ && m.never_done.empty() && unsettled_dones_ == 0 &&
        unknown_gets_ == 0 && torn_line_ == 0) {
      wrong = "JOIN never returned OK, although every taken item was DONE";
      found.problems.push_back(wrong);
      found.anomalies.push_back({wrong, "join", EventType::kInvoke, std::nullopt, 0, 1});
    }
  }

  std::string missing_evidence() const {
    std::string torn =
        torn_line_ ? fmt::format(" (the last line, {}, was torn by a crash)", torn_line_) : "";
    if (operations_ == 0) return "the history holds no PUT or GET of this target's fleets" + torn;
    return fmt::format("no final STATS recorded{}: the broker's own max depth is unknown", torn);
  }

  std::string summary(const Matching& m) const {
    return fmt::format("{} acknowledged items, {} consumed once each{}{}", m.acknowledged,
                       m.consumed,
                       max_depth_ ? fmt::format(", max depth {} of {}", *max_depth_, maxsize_) : "",
                       m.lost.empty() ? "" : fmt::format(", {} unconfirmed", m.lost.size()));
  }

  CheckScope scope_;
  std::int64_t maxsize_;
  mutable ItemList acked_, uncertain_, taken_, done_;  // sorted by result()
  mutable std::vector<std::uint64_t> put_acks_ns_, get_starts_ns_;
  mutable std::vector<AnomalyFocus> anomalies_;  // set by result()
  std::int64_t operations_ = 0;                  // the fleets' events, final state aside
  std::int64_t unknown_gets_ = 0;
  std::int64_t unsettled_dones_ = 0;  // DONEs that failed or got no answer
  bool join_invoked_ = false;
  std::uint64_t last_done_sent_ns_ = 0;
  std::optional<std::uint64_t> join_ns_;
  std::optional<std::int64_t> max_depth_;
};

}  // namespace

CheckerPtr make_exactly_once_checker(CheckScope scope, std::int64_t maxsize) {
  return std::make_unique<ExactlyOnce>(std::move(scope), maxsize);
}

}  // namespace drover
