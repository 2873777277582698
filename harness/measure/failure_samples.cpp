#include "harness/measure/failure_samples.hpp"

#include <algorithm>
#include <array>
#include <iterator>
#include <vector>

namespace drover {
namespace {

// A uniform integer in [0, bound), bound > 0 (Lemire's multiply-shift).
std::uint64_t uniform_below(std::uint64_t bound, std::uint64_t& random) {
  auto wide = static_cast<unsigned __int128>(next_sample_random(random)) * bound;
  return static_cast<std::uint64_t>(wide >> 64);
}

// Failures a sample stands for: its examples, a uniform sample of them.
struct Source {
  std::vector<FailureExample>* examples;
  std::uint64_t population;
};

bool earlier(const FailureExample& a, const FailureExample& b) {
  return a.t_ms < b.t_ms;
}

// Draws up to want examples uniformly from the union of the sources'
// populations, without replacement: a source is picked with probability
// proportional to what it still stands for, then one of its examples.
std::vector<FailureExample> draw(std::array<Source, 3>& sources, std::size_t want,
                                 std::uint64_t& random) {
  std::uint64_t total = 0;
  for (const Source& s : sources) total += s.population;
  std::vector<FailureExample> drawn;
  while (drawn.size() < want && total > 0) {
    std::uint64_t r = uniform_below(total, random);
    std::size_t i = 0;
    while (r >= sources[i].population) r -= sources[i++].population;
    Source& s = sources[i];
    if (s.examples->empty()) {  // described fewer than it counted: drop it
      total -= s.population;
      s.population = 0;
      continue;
    }
    std::size_t j = uniform_below(s.examples->size(), random);
    drawn.push_back(std::move((*s.examples)[j]));
    (*s.examples)[j] = std::move(s.examples->back());
    s.examples->pop_back();
    --s.population;
    --total;
  }
  std::stable_sort(drawn.begin(), drawn.end(), earlier);
  return drawn;
}

}  // namespace

std::uint64_t next_sample_random(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

FailureExample* keep_failure(FailureSamples& samples, SampleSizes sizes, std::uint64_t& random) {
  std::uint64_t n = ++samples.count;
  if (n <= sizes.first) return &samples.first.emplace_back();
  std::uint64_t rest = n - samples.first.size();  // this one's place among the rest, from 1
  if (samples.sampled.size() < sizes.sampled) return &samples.sampled.emplace_back();
  std::uint64_t j = uniform_below(rest, random);
  return j < samples.sampled.size() ? &samples.sampled[j] : nullptr;
}

void merge_failure_samples(FailureSamples& into, FailureSamples from, SampleSizes sizes,
                           std::uint64_t& random) {
  if (from.count == 0) return;
  if (into.count == 0) into.outcome = from.outcome;
  std::uint64_t into_rest = into.count - into.first.size();
  std::uint64_t from_rest = from.count - from.first.size();

  std::vector<FailureExample> firsts = std::move(into.first);
  std::move(from.first.begin(), from.first.end(), std::back_inserter(firsts));
  std::stable_sort(firsts.begin(), firsts.end(), earlier);
  std::size_t kept = std::min(firsts.size(), sizes.first);
  std::vector<FailureExample> overflow(std::make_move_iterator(firsts.begin() + kept),
                                       std::make_move_iterator(firsts.end()));
  firsts.resize(kept);

  std::array<Source, 3> sources{Source{&into.sampled, into_rest}, Source{&from.sampled, from_rest},
                                Source{&overflow, overflow.size()}};
  std::vector<FailureExample> sampled = draw(sources, sizes.sampled, random);
  into.first = std::move(firsts);
  into.sampled = std::move(sampled);
  into.count += from.count;
}

}  // namespace drover
