// Payload templates: "hello {client}-{seq} {random:16}". Compiled once per
// fleet, rendered per operation into a caller's buffer without allocating.
// "{{" and "}}" stand for literal braces.
//
// A compiled template is immutable and safe to share between threads;
// render() only touches the buffer and the random state it is given.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "harness/core/expected.hpp"

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
    enum class Kind : std::uint8_t { kLiteral, kClient, kSeq, kRandom } kind;
    std::string literal;       // kLiteral
    std::uint32_t length = 0;  // kRandom
  };
  std::string text_;
  std::vector<Piece> pieces_;
  std::size_t max_size_ = 0;
  bool uses_seq_ = false;
};

}  // namespace drover
