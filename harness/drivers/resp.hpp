// RESP, the Redis serialization protocol: a parser that reads one value at a
// time from the bytes of a connection as they arrive. It covers RESP2
// (simple strings, errors, integers, bulk strings, arrays, and their nulls
// `$-1` and `*-1`) and RESP3 (null, booleans, doubles, big numbers, verbatim
// strings, blob errors, maps, sets, pushes; attributes are read and
// dropped, since they describe the value that follows them).
//
// It scans each byte once: a value that is not whole yet keeps its place,
// so the next call goes on from where the previous one stopped. It never
// buffers: the caller owns the bytes. It refuses what is not RESP (an
// unknown type byte, a line not ended by "\r\n", a negative length other
// than -1, a number that does not parse, nesting deeper than
// kMaxRespDepth) as malformed, and a value that would grow past max_reply
// bytes (its declared length or count says so, or its bytes do) as too
// large, without waiting for its bytes.
//
// Not thread-safe: one parser per connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace drover {

inline constexpr std::size_t kMaxRespDepth = 64;

enum class RespType {
  kSimple,     // +text
  kError,      // -text, and RESP3's blob error !n
  kInteger,    // :n
  kBulk,       // $n
  kNull,       // $-1, *-1, and RESP3's _
  kArray,      // *n
  kBoolean,    // #t or #f
  kDouble,     // ,1.5 (kept as its text)
  kBigNumber,  // (123… (kept as its text)
  kVerbatim,   // =n with its three-letter format cut off
  kMap,        // %n: items hold key, value, key, value…
  kSet,        // ~n
  kPush,       // >n
};

// The names scenarios use for the types ({"resp": "bulk"}).
std::string_view resp_type_name(RespType type);

struct RespValue {
  RespType type = RespType::kNull;
  std::string text;              // strings, errors, doubles, big numbers
  std::int64_t integer = 0;      // integers; booleans as 0 or 1
  std::vector<RespValue> items;  // arrays, sets, pushes, maps

  bool operator==(const RespValue&) const = default;
};

class RespParser {
 public:
  enum class Status { kValue, kNeedMore, kTooLarge, kMalformed };

  explicit RespParser(std::size_t max_reply) : max_reply_(max_reply) {}

  // data starts at the value's first byte and holds every byte received
  // since (each call sees what the previous one saw, and maybe more).
  // kValue: value() and consumed() say what it was; the next call starts
  // a new value. kTooLarge and kMalformed also start afresh, but the
  // stream's position is lost: the caller drops the connection.
  Status parse(std::string_view data);

  // After kValue: the value, and how many bytes of data it took.
  RespValue& value() { return value_; }
  std::size_t consumed() const { return consumed_; }
  // After kMalformed: why, for a person.
  const std::string& error() const { return error_; }

  // Forgets a value half read (the connection it came from is gone).
  void reset();

 private:
  struct Open {
    RespValue value;
    std::int64_t remaining;
    bool attribute;
  };
  enum class Step { kDone, kContinue, kNeedMore, kTooLarge, kMalformed };

  Step element(std::string_view data);
  Step scalar_line(char type, std::string_view line, std::size_t after);
  Step blob(char type, std::string_view line, std::string_view data, std::size_t body);
  Step container(char type, std::string_view line, std::size_t after);
  Step complete(RespValue value, bool attribute);
  Step malformed(std::string why);

  std::size_t max_reply_;
  std::vector<Open> open_;
  std::size_t pos_ = 0;   // where the next element starts
  std::size_t scan_ = 0;  // where the search for its line's '\n' goes on
  RespValue value_;
  std::size_t consumed_ = 0;
  std::string error_;
};

}  // namespace drover
