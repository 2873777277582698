#include "harness/core/payload_template.hpp"

#include <charconv>

#include "harness/core/client_random.hpp"

namespace drover {
namespace {

constexpr std::uint32_t kMaxRandom = 65536;
constexpr std::string_view kAlphabet =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

void append_number(std::string& out, std::uint64_t n) {
  char digits[20];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
  out.append(digits, end);
}

std::size_t digits_of(std::uint64_t n) {
  std::size_t digits = 1;
  for (; n >= 10; n /= 10) ++digits;
  return digits;
}

}  // namespace

Expected<PayloadTemplate> PayloadTemplate::compile(std::string_view text) {
  PayloadTemplate t;
  t.text_ = text;
  std::string literal;
  auto flush = [&] {
    if (!literal.empty()) {
      t.max_size_ += literal.size();
      t.pieces_.push_back({Piece::Kind::kLiteral, std::move(literal), 0});
      literal.clear();
    }
  };
  auto fail = [](std::string message) -> Expected<PayloadTemplate> {
    return unexpected(std::move(message));
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '}') {
      if (i + 1 < text.size() && text[i + 1] == '}') {
        literal += '}';
        ++i;
        continue;
      }
      return fail("unmatched \"}\" (write \"}}\" for a literal brace)");
    }
    if (c != '{') {
      literal += c;
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '{') {
      literal += '{';
      ++i;
      continue;
    }
    std::size_t close = text.find('}', i);
    if (close == std::string_view::npos) {
      return fail("unclosed \"{\" (write \"{{\" for a literal brace)");
    }
    flush();
    if (auto added = add_placeholder(t, text.substr(i + 1, close - i - 1)); !added) {
      return unexpected(added.take_error());
    }
    i = close;
  }
  flush();
  return t;
}

Expected<void> PayloadTemplate::add_placeholder(PayloadTemplate& t, std::string_view name) {
  if (name == "client") {
    t.pieces_.push_back({Piece::Kind::kClient, {}, 0});
    t.max_size_ += 20;
  } else if (name == "seq") {
    t.pieces_.push_back({Piece::Kind::kSeq, {}, 0});
    t.max_size_ += 20;
    t.uses_seq_ = true;
  } else if (name.substr(0, 7) == "random:") {
    std::string_view digits = name.substr(7);
    std::uint32_t n = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || n == 0 ||
        n > kMaxRandom) {
      return unexpected("{" + std::string(name) +
                        "}: the length must be an integer from 1 to 65536");
    }
    t.pieces_.push_back({Piece::Kind::kRandom, {}, n});
    t.max_size_ += n;
  } else if (name.substr(0, 4) == "key:") {
    Expected<KeyDistribution> keys = KeyDistribution::parse(name.substr(4));
    if (!keys) return unexpected("{" + std::string(name) + "}: " + keys.error());
    t.max_size_ += digits_of(keys->keys() - 1);
    t.pieces_.push_back({Piece::Kind::kKey, {}, static_cast<std::uint32_t>(t.keys_.size())});
    t.keys_.push_back(*keys);
    t.uses_seq_ = t.uses_seq_ || keys->kind() == KeyDistribution::Kind::kSequential;
  } else {
    return unexpected("unknown placeholder {" + std::string(name) +
                      "} (known: {client}, {seq}, {random:N}, {key:uniform:N}, "
                      "{key:zipf:N:s}, {key:sequential:N})");
  }
  return {};
}

void PayloadTemplate::render(std::string& out, std::uint64_t client, std::uint64_t seq,
                             std::uint64_t& random_state) const {
  out.clear();
  for (const Piece& p : pieces_) {
    switch (p.kind) {
      case Piece::Kind::kLiteral:
        out += p.literal;
        break;
      case Piece::Kind::kClient:
        append_number(out, client);
        break;
      case Piece::Kind::kSeq:
        append_number(out, seq);
        break;
      case Piece::Kind::kRandom: {
        std::size_t start = out.size();
        out.resize(start + p.length);
        char* dst = out.data() + start;
        std::uint32_t left = p.length;
        while (left > 0) {
          std::uint64_t r = next_random(random_state);
          // Ten characters from each 64-bit draw (6 bits apiece).
          for (int k = 0; k < 10 && left > 0; ++k, --left) {
            *dst++ = kAlphabet[(r & 63) % kAlphabet.size()];
            r >>= 6;
          }
        }
        break;
      }
      case Piece::Kind::kKey:
        append_number(out, keys_[p.length].draw(seq, random_state));
        break;
    }
  }
}

}  // namespace drover
