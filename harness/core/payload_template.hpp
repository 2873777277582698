// Payload templates: "hello {client}-{seq} {random:16}". Compiled once per
// fleet, rendered per operation into a caller's buffer without allocating.
// "{{" and "}}" stand for literal braces. {key:uniform:N}, {key:zipf:N:s}
// and {key:sequential:N} are keys from 0 to N-1 (key_distribution.hpp).
//
// {random:N} and random keys draw from the client's random stream in the
// order the template names them, so rendering again from the same state
// (an expectation replaying its request) gives the same text.
//
// A compiled template is immutable and safe to share between threads;
// render() only touches the buffer and the random state it is given.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "harness/core/expected.hpp"
#include "harness/core/key_distribution.hpp"

namespace drover {

class PayloadTemplate {
 public:
  // What is wrong ("unknown placeholder {sq} ...") when text is invalid.
  static Expected<PayloadTemplate> compile(std::string_view text);

  // Appends the rendered payload to out (which it clears first).
  // random_state is a per-client xorshift state, never 0.
  void render(std::string& out, std::uint64_t client, std::uint64_t seq,
              std::uint64_t& random_state) const;

  // The longest payload render() can produce (numbers at 20 digits).
  std::size_t max_size() const { return max_size_; }
  bool uses_seq() const { return uses_seq_; }
  const std::string& text() const { return text_; }

 private:
  struct Piece {
    enum class Kind : std::uint8_t { kLiteral, kClient, kSeq, kRandom, kKey } kind;
    std::string literal;       // kLiteral
    std::uint32_t length = 0;  // kRandom; kKey: the index in keys_
  };
  // Reads the placeholder `name` (the text between the braces) into t.
  static Expected<void> add_placeholder(PayloadTemplate& t, std::string_view name);

  std::string text_;
  std::vector<Piece> pieces_;
  std::vector<KeyDistribution> keys_;
  std::size_t max_size_ = 0;
  bool uses_seq_ = false;
};

}  // namespace drover
