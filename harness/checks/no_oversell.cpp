#include <fmt/format.h>

#include <unordered_map>
#include <vector>

#include "harness/checks/checker.hpp"
#include "harness/checks/listing.hpp"

namespace drover {
namespace {

class NoOversell final : public Checker {
 public:
  NoOversell(CheckScope scope, std::int64_t stock) : scope_(std::move(scope)), stock_(stock) {}

  void observe(const Event& e) override {
    if (!scope_.covers(e)) return;
    if (e.fleet[0] != '@') ++operations_;
    if (e.f == "buy") {
      if (e.type == EventType::kOk && e.value.kind == EventValue::Kind::kInt) {
        ++sold_;
        // The serial sold twice that was noticed earliest: a candidate for
        // where the run first went wrong.
        if (++serials_[e.value.number] == 2 && e.time_ns < first_twice_ns_) {
          first_twice_ns_ = e.time_ns;
          first_twice_ = e.value.number;
        }
      } else if (e.type == EventType::kInfo) {
        ++unknown_;
      }
    } else if (e.f == "audit" && e.type == EventType::kOk &&
               e.value.kind == EventValue::Kind::kInt) {
      // The file is in time order only within each flush: the AUDIT that
      // counts is the latest in time, not the last in the file.
      if (!final_count_ || e.time_ns >= audit_ns_) {
        final_count_ = e.value.number;
        audit_ns_ = e.time_ns;
      }
    } else if (e.f == "audit" && e.type != EventType::kInvoke) {
      audit_unanswered_ = true;
    }
  }

  std::vector<AnomalyFocus> anomalies() const override { return anomalies_; }

  InvariantResult result() const override {
    InvariantResult r{Invariant::kNoOversell, scope_.target, true, "", {}};
    std::vector<std::int64_t> twice, outside;
    for (const auto& [serial, count] : serials_) {
      if (count > 1) twice.push_back(serial);
      if (serial < 1 || serial > stock_) outside.push_back(serial);
    }
    std::vector<std::string> problems;
    anomalies_.clear();
    add_candidates(twice, outside);
    if (sold_ > stock_)
      problems.push_back(fmt::format("{} tickets sold from a stock of {}", sold_, stock_));
    if (!twice.empty()) {
      problems.push_back(fmt::format("{} serials sold more than once: {}", twice.size(),
                                     first_items(sorted(twice))));
    }
    if (!outside.empty()) {
      problems.push_back(fmt::format("{} serials outside 1..{}: {}", outside.size(), stock_,
                                     first_items(sorted(outside))));
    }
    std::string count_text = check_final_count(problems);
    if (!problems.empty()) {
      r.ok = false;
      r.detail = join(problems, "; ");
    } else if (operations_ == 0 || !final_count_) {
      r.ok = false;
      r.unknown = true;
      r.detail = missing_evidence();
    } else {
      r.detail = fmt::format("sold {} of {} ({} unknown outcomes), no serial sold twice, {}", sold_,
                             stock_, unknown_, count_text);
    }
    return r;
  }

 private:
  // A few of each kind of problem, for find_first_anomaly() to place in time
  // and for the invariant's examples: the BUYs past the stock, serials sold
  // a second time (the earliest noticed first), serials outside the stock.
  void add_candidates(std::vector<std::int64_t> twice, std::vector<std::int64_t> outside) const {
    constexpr std::int64_t kCandidates = 3;
    for (std::int64_t n = stock_ + 1; n <= sold_ && n <= stock_ + kCandidates; ++n) {
      anomalies_.push_back({fmt::format("BUY number {} succeeded, with a stock of {}", n, stock_),
                            "buy", EventType::kOk, std::nullopt, 0, static_cast<std::size_t>(n)});
    }
    twice = sorted(std::move(twice));
    if (!twice.empty()) {
      // The earliest noticed, then the lowest others.
      std::erase(twice, first_twice_);
      twice.insert(twice.begin(), first_twice_);
    }
    for (std::size_t i = 0; i < twice.size() && i < kCandidates; ++i) {
      anomalies_.push_back({fmt::format("serial {} sold a second time", twice[i]), "buy",
                            EventType::kOk, std::to_string(twice[i]), 0, 2});
    }
    outside = sorted(std::move(outside));
    for (std::size_t i = 0; i < outside.size() && i < kCandidates; ++i) {
      anomalies_.push_back({fmt::format("serial {} is outside 1..{}", outside[i], stock_), "buy",
                            EventType::kOk, std::to_string(outside[i]), 0, 1});
    }
  }

  // Jepsen's counter reasoning: each unknown BUY may or may not have
  // happened, so the number sold lies in a range, not at a point. The
  // final count as words for the detail; what is wrong with it goes into
  // problems, in terms of tickets sold.
  std::string check_final_count(std::vector<std::string>& problems) const {
    if (!final_count_) return "no final count recorded";
    const std::int64_t count = *final_count_;
    const std::int64_t sold = stock_ - count;  // what the final count says was sold
    const std::int64_t high = stock_ - sold_, low = high - unknown_;
    std::string text =
        fmt::format("final count {} (expected {})", count,
                    low == high ? fmt::format("{}", high) : fmt::format("{}..{}", low, high));
    std::string wrong;
    if (count < 0) {
      wrong = fmt::format("{} sold from a stock of {} (the final AUDIT counts {})", sold, stock_,
                          count);
    } else if (sold < sold_) {
      wrong = fmt::format("the final AUDIT counts {} left, so {} sold, but {} BUYs succeeded",
                          count, sold, sold_);
    } else if (sold > sold_ + unknown_) {
      wrong = fmt::format(
          "the final AUDIT counts {} left, so {} sold, but only {} BUYs succeeded and {} had an "
          "unknown outcome",
          count, sold, sold_, unknown_);
    }
    if (!wrong.empty()) {
      problems.push_back(wrong);
      anomalies_.push_back({"the final audit disagrees with the sales", "audit", EventType::kOk,
                            std::nullopt, 0, 1});
    }
    return text;
  }

  std::string missing_evidence() const {
    std::string torn =
        torn_line_ ? fmt::format(" (the last line, {}, was torn by a crash)", torn_line_) : "";
    if (operations_ == 0)
      return "the history holds no BUY or SEARCH of this target's fleets" + torn;
    return fmt::format("no final AUDIT recorded{}: the tickets left were never counted",
                       audit_unanswered_ ? " (the AUDIT got no answer)" : torn);
  }

  CheckScope scope_;
  std::int64_t stock_;
  std::int64_t operations_ = 0;  // the fleets' events, final state aside
  std::uint64_t audit_ns_ = 0;
  bool audit_unanswered_ = false;
  std::int64_t sold_ = 0;
  std::int64_t unknown_ = 0;
  std::unordered_map<std::int64_t, std::int64_t> serials_;
  std::optional<std::int64_t> final_count_;
  std::uint64_t first_twice_ns_ = UINT64_MAX;
  std::int64_t first_twice_ = 0;
  mutable std::vector<AnomalyFocus> anomalies_;  // set by result()
};

}  // namespace

CheckerPtr make_no_oversell_checker(CheckScope scope, std::int64_t stock) {
  return std::make_unique<NoOversell>(std::move(scope), stock);
}

}  // namespace drover
