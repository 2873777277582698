#include <fmt/format.h>

#include <limits>
#include <optional>
#include <unordered_map>
#include <vector>

#include "harness/checks/checker.hpp"
#include "harness/checks/listing.hpp"

namespace drover {
namespace {

class ExactlyOnce final : public Checker {
 public:
  ExactlyOnce(CheckScope scope, std::int64_t maxsize)
      : scope_(std::move(scope)), maxsize_(maxsize) {}

  void observe(const Event& e) override {
    if (!scope_.covers(e)) return;
    if (e.f == "put") {
      Item& item = items_[e.value.text];
      if (e.type == EventType::kInvoke) item.put_invoked = true;
      if (e.type == EventType::kOk) item.put_acked = true;
    } else if (e.f == "get") {
      if (e.type == EventType::kOk) {
        ++items_[e.value.text].taken;
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

  InvariantResult result() const override {
    std::vector<std::string> lost, duplicated, unexpected;
    std::int64_t acked = 0, consumed = 0;
    for (const auto& [name, item] : items_) {
      if (item.put_acked) ++acked;
      if (item.taken > 0) ++consumed;
      if (item.put_acked && item.taken == 0) lost.push_back(name);
      if (item.taken > 1) duplicated.push_back(name);
      if (item.taken > 0 && !item.put_invoked) unexpected.push_back(name);
    }
    std::vector<std::string> problems;
    // A GET whose reply never came may have taken an item: that many lost
    // items are unconfirmed rather than proven lost.
    auto proven_lost = static_cast<std::int64_t>(lost.size()) - unknown_gets_;
    if (proven_lost > 0) {
      problems.push_back(fmt::format(
          "{} acknowledged items never consumed{}: {}", lost.size(),
          unknown_gets_ ? fmt::format(" ({} GETs of unknown outcome)", unknown_gets_) : "",
          first_items(sorted(lost))));
    }
    if (!duplicated.empty()) {
      problems.push_back(fmt::format("{} items consumed more than once: {}", duplicated.size(),
                                     first_items(sorted(duplicated))));
    }
    if (!unexpected.empty()) {
      problems.push_back(fmt::format("{} items consumed that were never put: {}", unexpected.size(),
                                     first_items(sorted(unexpected))));
    }
    if (max_depth_ && *max_depth_ > maxsize_) {
      problems.push_back(fmt::format("queue depth reached {} (maxsize {})", *max_depth_, maxsize_));
    }
    if (join_ns_ && *join_ns_ < last_done_sent_ns_) {
      problems.push_back("JOIN returned before every DONE had been sent");
    }
    InvariantResult r{"exactly_once", scope_.target, problems.empty(), ""};
    if (r.ok) {
      r.detail =
          fmt::format("{} acknowledged items, {} consumed once each{}{}", acked, consumed,
                      max_depth_ ? fmt::format(", max depth {} of {}", *max_depth_, maxsize_) : "",
                      lost.empty() ? "" : fmt::format(", {} unconfirmed", lost.size()));
    } else {
      r.detail = join(problems, "; ");
    }
    return r;
  }

 private:
  struct Item {
    bool put_invoked = false;
    bool put_acked = false;
    std::int64_t taken = 0;
  };
  CheckScope scope_;
  std::int64_t maxsize_;
  std::unordered_map<std::string, Item> items_;
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
