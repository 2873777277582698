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
      final_count_ = e.value.number;
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
    if (sold_ > stock_) {
      anomalies_.push_back(
          {fmt::format("BUY number {} succeeded, with a stock of {}", stock_ + 1, stock_), "buy",
           EventType::kOk, std::nullopt, 0, static_cast<std::size_t>(stock_ + 1)});
    }
    if (!twice.empty()) {
      anomalies_.push_back({fmt::format("serial {} sold a second time", first_twice_), "buy",
                            EventType::kOk, std::to_string(first_twice_), 0, 2});
    }
    if (!outside.empty()) {
      anomalies_.push_back({fmt::format("serial {} is outside 1..{}", outside.front(), stock_),
                            "buy", EventType::kOk, std::to_string(outside.front()), 0, 1});
    }
    if (sold_ > stock_)
      problems.push_back(fmt::format("sold {} tickets of a stock of {}", sold_, stock_));
    if (!twice.empty()) {
      problems.push_back(fmt::format("{} serials sold more than once: {}", twice.size(),
                                     first_items(sorted(twice))));
    }
    if (!outside.empty()) {
      problems.push_back(fmt::format("{} serials outside 1..{}: {}", outside.size(), stock_,
                                     first_items(sorted(outside))));
    }
    // Jepsen's counter reasoning: each unknown BUY may or may not have
    // happened, so the final count lies in a range, not at a point.
    std::int64_t high = stock_ - sold_;
    std::int64_t low = stock_ - sold_ - unknown_;
    std::string count_text = "no final count recorded";
    if (final_count_) {
      count_text =
          fmt::format("final count {} (expected {})", *final_count_,
                      low == high ? fmt::format("{}", high) : fmt::format("{}..{}", low, high));
      if (*final_count_ < low || *final_count_ > high || *final_count_ < 0) {
        problems.push_back(count_text + ": the file disagrees with the sales");
        anomalies_.push_back({"the final audit disagrees with the sales", "audit", EventType::kOk,
                              std::nullopt, 0, 1});
      }
    }
    if (problems.empty()) {
      r.detail = fmt::format("sold {} of {} ({} unknown outcomes), no serial sold twice, {}", sold_,
                             stock_, unknown_, count_text);
    } else {
      r.ok = false;
      r.detail = join(problems, "; ");
    }
    return r;
  }

 private:
  CheckScope scope_;
  std::int64_t stock_;
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
