// Tells which outstanding request a datagram answers, by its content, when
// many clients share one socket and replies come in any order. Each
// operation registers the reply it expects (upper(request) for "upper", the
// request for "echo", the rendered template for "equals"); a reply finds it
// through an open-addressing table keyed by a hash of those bytes, in a
// probe or two, and only then are the bytes compared.
//
// A reply that matches nothing outstanding is
// - late when it is the expected reply of an operation that already ended
//   (timed out, or answered before: a duplicate), among the last kRecent;
// - otherwise wrong: the answer to the outstanding operation whose expected
//   reply it resembles most (same length, at least half its bytes in place),
//   or, resembling none, to the oldest outstanding one;
// - stray when nothing is outstanding at all (counted as late: no operation
//   is waiting for it).
//
// Operations are numbered 0..ops-1 (one per client) and each has at most one
// outstanding request. Nothing allocates after construction once each
// expected-reply buffer has grown to its size.
//
// Not thread-safe: one load thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace drover {

class ReplyMatcher {
 public:
  // Ended operations remembered to recognise late and duplicate replies.
  static constexpr std::size_t kRecent = 1024;

  struct Match {
    enum class Kind : std::uint8_t { kAnswer, kWrong, kLate } kind;
    std::uint32_t op = 0;  // kAnswer, kWrong: the operation it ends
  };

  explicit ReplyMatcher(std::size_t ops);

  // Where op's expected reply is written before begin(op).
  std::string& expected(std::uint32_t op) { return ops_[op].expected; }
  // op's request is outstanding, expecting expected(op).
  void begin(std::uint32_t op);
  // op ended without an answer (timeout, send error); a reply to it that
  // still comes is late.
  void abandon(std::uint32_t op);
  bool outstanding(std::uint32_t op) const { return ops_[op].outstanding; }
  // The longest-outstanding operation, or -1 when none is.
  std::int64_t oldest() const;

  // Judges one reply; an answered or wrong operation is no longer outstanding.
  Match match(std::string_view reply);

 private:
  struct Op {
    std::string expected;
    std::uint64_t hash = 0;
    std::uint64_t ticket = 0;  // order of begin(), for oldest()
    bool outstanding = false;
  };
  struct Slot {
    std::uint64_t hash = 0;
    std::uint32_t op = 0;
    bool used = false;
  };

  static std::uint64_t hash_of(std::string_view bytes);
  void insert(std::uint32_t op);
  void erase(std::uint32_t op);
  void end(std::uint32_t op);
  bool recently_ended(std::uint64_t hash) const;

  std::vector<Op> ops_;
  std::vector<Slot> table_;  // power-of-two size, at most half full
  std::size_t mask_;
  std::vector<std::uint64_t> recent_;  // hashes of ended operations, a ring
  std::size_t recent_next_ = 0;
  std::uint64_t next_ticket_ = 0;
};

}  // namespace drover
