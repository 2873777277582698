// `drover compare BASE NEW` and `drover baseline SOURCE FILE`: whether a
// change made a server slower, with evidence (harness/compare). BASE and NEW
// are run folders, folders of repeats (drover run --repeat N) or baseline
// files. Exit codes: 0 no regression, 1 a regression, 2 bad flags or runs
// that cannot be compared.
#pragma once

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

namespace drover {

class CompareCommands {
 public:
  explicit CompareCommands(CLI::App& app);

  bool chosen() const { return compare_->parsed() || baseline_->parsed(); }
  int run() const;

 private:
  int run_compare() const;
  int run_baseline() const;

  CLI::App* compare_;
  CLI::App* baseline_;
  std::string base_, now_, out_, max_regression_;
  std::uint64_t seed_ = 1;
  int resamples_ = 1000;
  std::string source_, file_;
};

}  // namespace drover
