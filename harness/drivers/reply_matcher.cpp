#include "harness/drivers/reply_matcher.hpp"

#include <algorithm>
#include <functional>

namespace drover {

ReplyMatcher::ReplyMatcher(std::size_t ops) : ops_(ops) {
  std::size_t size = 16;
  while (size < ops * 2) size *= 2;
  table_.resize(size);
  mask_ = size - 1;
  recent_.reserve(kRecent);
}

std::uint64_t ReplyMatcher::hash_of(std::string_view bytes) {
  return std::hash<std::string_view>{}(bytes);
}

void ReplyMatcher::begin(std::uint32_t op) {
  Op& o = ops_[op];
  if (o.outstanding) erase(op);
  o.hash = hash_of(o.expected);
  o.ticket = next_ticket_++;
  o.outstanding = true;
  insert(op);
}

void ReplyMatcher::abandon(std::uint32_t op) {
  if (ops_[op].outstanding) end(op);
}

std::int64_t ReplyMatcher::oldest() const {
  std::int64_t best = -1;
  for (std::size_t i = 0; i < ops_.size(); ++i) {
    if (!ops_[i].outstanding) continue;
    if (best < 0 || ops_[i].ticket < ops_[static_cast<std::size_t>(best)].ticket)
      best = static_cast<std::int64_t>(i);
  }
  return best;
}

ReplyMatcher::Match ReplyMatcher::match(std::string_view reply) {
  std::uint64_t h = hash_of(reply);
  for (std::size_t i = h & mask_; table_[i].used; i = (i + 1) & mask_) {
    const Slot& s = table_[i];
    if (s.hash == h && ops_[s.op].expected == reply) {
      std::uint32_t op = s.op;
      end(op);
      return {Match::Kind::kAnswer, op};
    }
  }
  if (recently_ended(h)) return {Match::Kind::kLate, 0};

  // Not the answer to anything: find the request it was meant to answer.
  // Rare (a broken server), so a scan of the outstanding operations will do.
  std::int64_t best = -1;
  std::size_t best_same = 0;
  for (std::size_t i = 0; i < ops_.size(); ++i) {
    const Op& o = ops_[i];
    if (!o.outstanding || o.expected.size() != reply.size()) continue;
    std::size_t same = 0;
    for (std::size_t k = 0; k < reply.size(); ++k) same += o.expected[k] == reply[k];
    if (same * 2 >= reply.size() && (best < 0 || same > best_same)) {
      best = static_cast<std::int64_t>(i);
      best_same = same;
    }
  }
  if (best < 0) best = oldest();
  if (best < 0) return {Match::Kind::kLate, 0};
  auto op = static_cast<std::uint32_t>(best);
  end(op);
  return {Match::Kind::kWrong, op};
}

void ReplyMatcher::end(std::uint32_t op) {
  erase(op);
  ops_[op].outstanding = false;
  if (recent_.size() < kRecent) {
    recent_.push_back(ops_[op].hash);
  } else {
    recent_[recent_next_] = ops_[op].hash;
    recent_next_ = (recent_next_ + 1) % kRecent;
  }
}

bool ReplyMatcher::recently_ended(std::uint64_t hash) const {
  return std::find(recent_.begin(), recent_.end(), hash) != recent_.end();
}

void ReplyMatcher::insert(std::uint32_t op) {
  std::size_t i = ops_[op].hash & mask_;
  while (table_[i].used) i = (i + 1) & mask_;
  table_[i] = {ops_[op].hash, op, true};
}

// Linear probing with backward-shift deletion: no tombstones, so probe
// lengths stay short however long the run.
void ReplyMatcher::erase(std::uint32_t op) {
  std::size_t i = ops_[op].hash & mask_;
  while (!(table_[i].used && table_[i].op == op)) {
    if (!table_[i].used) return;
    i = (i + 1) & mask_;
  }
  std::size_t hole = i;
  for (std::size_t j = (hole + 1) & mask_; table_[j].used; j = (j + 1) & mask_) {
    std::size_t home = table_[j].hash & mask_;
    // Move j into the hole unless its home lies cyclically in (hole, j].
    bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
    if (!stays) {
      table_[hole] = table_[j];
      hole = j;
    }
  }
  table_[hole].used = false;
}

}  // namespace drover
