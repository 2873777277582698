#include "harness/core/key_distribution.hpp"

#include <charconv>
#include <cmath>
#include <string>

#include "harness/core/client_random.hpp"

namespace drover {
namespace {

// log1p(x)/x and expm1(x)/x, with their series near 0 where the quotients
// lose precision: rejection-inversion's helpers for exponents near 1.
double log1p_over(double x) {
  if (std::fabs(x) > 1e-8) return std::log1p(x) / x;
  return 1 - x * (0.5 - x * (1.0 / 3 - 0.25 * x));
}

double expm1_over(double x) {
  if (std::fabs(x) > 1e-8) return std::expm1(x) / x;
  return 1 + x * 0.5 * (1 + x * (1.0 / 3) * (1 + 0.25 * x));
}

bool whole_number(std::string_view text, std::uint64_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

bool real_number(std::string_view text, double& out) {
  // from_chars would take "inf", "nan" and hex floats: digits and one dot only.
  if (text.empty() || text.find_first_not_of("0123456789.") != std::string_view::npos) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

const std::string kKnown = "known: uniform:N, zipf:N:s, sequential:N";

}  // namespace

Expected<KeyDistribution> KeyDistribution::parse(std::string_view spec) {
  std::size_t colon = spec.find(':');
  std::string_view name = spec.substr(0, colon);
  std::string_view rest = colon == std::string_view::npos ? "" : spec.substr(colon + 1);
  Kind kind;
  if (name == "uniform") {
    kind = Kind::kUniform;
  } else if (name == "zipf") {
    kind = Kind::kZipf;
  } else if (name == "sequential") {
    kind = Kind::kSequential;
  } else {
    return unexpected("unknown key distribution \"" + std::string(name) + "\" (" + kKnown + ")");
  }
  std::string_view count = rest, exponent;
  if (kind == Kind::kZipf) {
    std::size_t second = rest.find(':');
    if (second == std::string_view::npos) {
      return unexpected("zipf takes the number of keys and an exponent: zipf:N:s");
    }
    count = rest.substr(0, second);
    exponent = rest.substr(second + 1);
  }
  std::uint64_t keys = 0;
  if (!whole_number(count, keys) || keys == 0 || keys > kMaxKeys) {
    return unexpected("the number of keys must be an integer from 1 to 10^15");
  }
  double s = 0;
  if (kind == Kind::kZipf && (!real_number(exponent, s) || !(s > 0) || s > kMaxExponent)) {
    return unexpected("the exponent must be a number above 0 and at most 100 (\"0.99\")");
  }
  return KeyDistribution(kind, keys, s);
}

KeyDistribution::KeyDistribution(Kind kind, std::uint64_t keys, double exponent)
    : kind_(kind), keys_(keys), exponent_(exponent) {
  if (kind_ != Kind::kZipf) return;
  double n = static_cast<double>(keys_);
  h_integral_x1_ = h_integral(1.5) - 1;
  h_integral_n_ = h_integral(n + 0.5);
  s_ = 2 - h_integral_inverse(h_integral(2.5) - h(2));
}

std::uint64_t KeyDistribution::draw(std::uint64_t seq, std::uint64_t& random_state) const {
  switch (kind_) {
    case Kind::kUniform:
      return next_below(random_state, keys_);
    case Kind::kZipf:
      return draw_zipf(random_state);
    case Kind::kSequential:
      return seq % keys_;
  }
  return 0;
}

// Ranks are 1..N here, keys 0..N-1. u falls uniformly under the hat
// function's integral; its inverse gives x, rounded to the rank k, which is
// taken at once when it lies in the region where the hat and the mass
// agree (k - x <= s_), or else when u lies under the mass of k.
std::uint64_t KeyDistribution::draw_zipf(std::uint64_t& random_state) const {
  double n = static_cast<double>(keys_);
  for (;;) {
    double u = h_integral_n_ + next_unit(random_state) * (h_integral_x1_ - h_integral_n_);
    double x = h_integral_inverse(u);
    double k = std::floor(x + 0.5);
    if (k < 1) {
      k = 1;
    } else if (k > n) {
      k = n;
    }
    if (k - x <= s_ || u >= h_integral(k + 0.5) - h(k)) {
      return static_cast<std::uint64_t>(k) - 1;
    }
  }
}

// h(x) = 1/x^s, the hat function.
double KeyDistribution::h(double x) const {
  return std::exp(-exponent_ * std::log(x));
}

// An antiderivative of h: (x^(1-s) - 1) / (1 - s), or log(x) when s is 1.
double KeyDistribution::h_integral(double x) const {
  double log_x = std::log(x);
  return expm1_over((1 - exponent_) * log_x) * log_x;
}

double KeyDistribution::h_integral_inverse(double x) const {
  double t = x * (1 - exponent_);
  if (t < -1) t = -1;  // rounding can take it just past the domain
  return std::exp(log1p_over(t) * x);
}

}  // namespace drover
