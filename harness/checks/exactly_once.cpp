// exactly_once over histories of tens of millions of operations: items are
// not kept in a node-based map (one allocation and a cache miss each), but
// appended as (hash, name) records to three flat lists (put invoked, put
// acknowledged, taken) and matched after a radix sort at the end. Names are compared
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
  // rarely a collision).
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
    if (e.f == "put") {
      if (e.type == EventType::kInvoke) invoked_.add(e.value.text);
      if (e.type == EventType::kOk) acked_.add(e.value.text);
    } else if (e.f == "get") {
      if (e.type == EventType::kOk) {
        taken_.add(e.value.text);
      } else if (e.type == EventType::kInfo) {
        ++unknown_gets_;
      }
    } else if (e.f == "done" && e.type == EventType::kInvoke) {
      last_done_sent_ns_ = std::max(last_done_sent_ns_, e.time_ns);
    } else if (e.f == "join" && e.type == EventType::kOk) {
      join_ns_ = e.time_ns;
    } else if (e.f == "stats" && e.type == EventType::kOk && e.value.numbers.size() >= 2) {
      max_depth_ = e.value.numbers[1];
    }
  }

  std::vector<AnomalyFocus> anomalies() const override { return anomalies_; }

  InvariantResult result() const override {
    // Sorted in place: copies of lists this size would double the memory.
    ItemList& invoked = invoked_;
    ItemList& acked = acked_;
    ItemList& taken = taken_;
    // Two sorts on a second core while this one does the third.
    std::thread helper([&] {
      invoked.sort();
      acked.sort();
    });
    taken.sort();
    helper.join();
    std::vector<std::string> lost, duplicated, unexpected;
    std::size_t consumed = 0;
    std::size_t in_invoked = 0;
    for (std::size_t i = 0; i < taken.size(); ++i) {
      bool repeat = i > 0 && taken.compare(i, taken, i - 1) == 0;
      if (repeat) {
        if (i < 2 || taken.compare(i, taken, i - 2) != 0) duplicated.emplace_back(taken.name(i));
        continue;
      }
      ++consumed;
      if (!advance_to(invoked, in_invoked, taken, i)) unexpected.emplace_back(taken.name(i));
    }
    std::size_t acknowledged = 0;
    std::size_t in_taken = 0;
    for (std::size_t i = 0; i < acked.size(); ++i) {
      if (i > 0 && acked.compare(i, acked, i - 1) == 0) continue;
      ++acknowledged;
      if (!advance_to(taken, in_taken, acked, i)) lost.emplace_back(acked.name(i));
    }

    // A few of each kind, for find_first_anomaly() to place in time.
    constexpr std::size_t kCandidates = 3;
    anomalies_.clear();
    auto candidates = [&](const std::vector<std::string>& items, const char* about, const char* f,
                          std::size_t nth) {
      for (std::size_t i = 0; i < items.size() && i < kCandidates; ++i) {
        anomalies_.push_back(
            {fmt::format("item {} {}", items[i], about), f, EventType::kOk, items[i], 0, nth});
      }
    };
    std::vector<std::string> problems;
    // A GET whose reply never came may have taken an item: that many lost
    // items are unconfirmed rather than proven lost.
    auto proven_lost = static_cast<std::int64_t>(lost.size()) - unknown_gets_;
    if (proven_lost > 0) {
      problems.push_back(fmt::format(
          "{} acknowledged items never consumed{}: {}", lost.size(),
          unknown_gets_ ? fmt::format(" ({} GETs of unknown outcome)", unknown_gets_) : "",
          first_items(sorted(lost))));
      candidates(lost, "was acknowledged and never consumed", "put", 1);
    }
    if (!duplicated.empty()) {
      problems.push_back(fmt::format("{} items consumed more than once: {}", duplicated.size(),
                                     first_items(sorted(duplicated))));
      candidates(duplicated, "was consumed a second time", "get", 2);
    }
    if (!unexpected.empty()) {
      problems.push_back(fmt::format("{} items consumed that were never put: {}", unexpected.size(),
                                     first_items(sorted(unexpected))));
      candidates(unexpected, "was consumed but never put", "get", 1);
    }
    if (max_depth_ && *max_depth_ > maxsize_) {
      problems.push_back(fmt::format("queue depth reached {} (maxsize {})", *max_depth_, maxsize_));
      anomalies_.push_back(
          {fmt::format("the broker reports a depth of {} (maxsize {})", *max_depth_, maxsize_),
           "stats", EventType::kOk, std::nullopt, 0, 1});
    }
    if (join_ns_ && *join_ns_ < last_done_sent_ns_) {
      problems.push_back("JOIN returned before every DONE had been sent");
      anomalies_.push_back({"JOIN returned before every DONE had been sent", "join", EventType::kOk,
                            std::nullopt, 0, 1});
    }
    InvariantResult r{Invariant::kExactlyOnce, scope_.target, problems.empty(), "", {}};
    if (r.ok) {
      r.detail =
          fmt::format("{} acknowledged items, {} consumed once each{}{}", acknowledged, consumed,
                      max_depth_ ? fmt::format(", max depth {} of {}", *max_depth_, maxsize_) : "",
                      lost.empty() ? "" : fmt::format(", {} unconfirmed", lost.size()));
    } else {
      r.detail = join(problems, "; ");
    }
    return r;
  }

 private:
  CheckScope scope_;
  std::int64_t maxsize_;
  mutable ItemList invoked_, acked_, taken_;     // sorted by result()
  mutable std::vector<AnomalyFocus> anomalies_;  // set by result()
  std::int64_t unknown_gets_ = 0;
  std::uint64_t last_done_sent_ns_ = 0;
  std::optional<std::uint64_t> join_ns_;
  std::optional<std::int64_t> max_depth_;
};

}  // namespace

CheckerPtr make_exactly_once_checker(CheckScope scope, std::int64_t maxsize) {
  return std::make_unique<ExactlyOnce>(std::move(scope), maxsize);
}

}  // namespace drover
