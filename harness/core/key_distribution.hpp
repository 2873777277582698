// The keys of a {key:...} placeholder: an integer in 0..N-1 per operation,
// as memtier_benchmark's --key-pattern draws them.
//   uniform:N     every key equally likely
//   zipf:N:s      key k (0-based) with probability proportional to
//                 1/(k+1)^s, s > 0: key 0 is the hottest
//   sequential:N  the operation's sequence number modulo N: in a closed
//                 model each client walks 0..N-1 in order and wraps
//
// Random keys come from the client's random stream (client_random.hpp), so
// a run with the same seed draws the same keys, and an expectation that
// replays the stream sees the request's key. Zipf keys use Hörmann and
// Derflinger's rejection-inversion sampler ("Rejection-inversion to
// generate variates from monotone discrete distributions", 1996): constant
// memory and, on average, fewer than two draws per key for any N and s, so
// N may be large (up to 10^15) without a table.
//
// A distribution is immutable after parse(): draw() only touches the state
// it is given, so one may be shared between threads.
#pragma once

#include <cstdint>
#include <string_view>

#include "harness/core/expected.hpp"

namespace drover {

class KeyDistribution {
 public:
  enum class Kind : std::uint8_t { kUniform, kZipf, kSequential };
  static constexpr std::uint64_t kMaxKeys = 1'000'000'000'000'000;  // 10^15
  static constexpr double kMaxExponent = 100;

  // spec is what follows "key:" in the placeholder ("zipf:1000:0.99");
  // the error says what is wrong with it, without the braces.
  static Expected<KeyDistribution> parse(std::string_view spec);

  // One key in [0, keys()).
  std::uint64_t draw(std::uint64_t seq, std::uint64_t& random_state) const;

  Kind kind() const { return kind_; }
  std::uint64_t keys() const { return keys_; }
  double exponent() const { return exponent_; }

 private:
  KeyDistribution(Kind kind, std::uint64_t keys, double exponent);
  std::uint64_t draw_zipf(std::uint64_t& random_state) const;
  double h(double x) const;
  double h_integral(double x) const;
  double h_integral_inverse(double x) const;

  Kind kind_;
  std::uint64_t keys_;
  double exponent_ = 0;
  // Rejection-inversion's constants for (keys_, exponent_).
  double h_integral_x1_ = 0;
  double h_integral_n_ = 0;
  double s_ = 0;
};

}  // namespace drover
