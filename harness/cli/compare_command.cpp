#include "harness/cli/compare_command.hpp"

#include <filesystem>

#include <fmt/format.h>

#include "harness/compare/compare_report.hpp"
#include "harness/compare/sample_io.hpp"
#include "harness/core/exit_code.hpp"

namespace drover {
namespace {

int bad_input(const std::string& message) {
  fmt::print(stderr, "error: {}\n", message);
  return to_int(ExitCode::kBadInput);
}

// NEW/compare when NEW is a folder, else ./compare.
std::string default_out(const std::string& now) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(now, ec)) return (fs::path(now) / "compare").string();
  return "compare";
}

}  // namespace

CompareCommands::CompareCommands(CLI::App& app) {
  compare_ = app.add_subcommand(
      "compare", "Compare two runs (or repeats, or baselines): is NEW worse than BASE?");
  compare_->add_option("base", base_, "Run folder, folder of repeats, or baseline file")
      ->required();
  compare_->add_option("new", now_, "Run folder, folder of repeats, or baseline file")->required();
  compare_->add_option("--max-regression", max_regression_,
                       "Largest change tolerated per metric, e.g. p99=10%,throughput=5%,"
                       "error_rate=0.5pp (metrics: p50, p90, p99, p99.9, throughput, error_rate; "
                       "default p50=10%,p99=10%,throughput=5%)");
  compare_->add_option("--out", out_,
                       "Folder for compare.html, compare.json, junit.xml (default: NEW/compare)");
  compare_->add_option("--seed", seed_, "Seed of the bootstrap (default 1)");
  compare_->add_option("--resamples", resamples_, "Bootstrap resamples (default 1000)")
      ->check(CLI::Range(100, 100000));

  baseline_ = app.add_subcommand(
      "baseline", "Save what compare needs of a run (or repeats) as one file to keep");
  baseline_->add_option("source", source_, "Run folder, folder of repeats, or baseline file")
      ->required();
  baseline_->add_option("file", file_, "Baseline file to write (JSON)")->required();
}

int CompareCommands::run() const {
  return compare_->parsed() ? run_compare() : run_baseline();
}

int CompareCommands::run_compare() const {
  CompareOptions options;
  options.seed = seed_;
  options.resamples = resamples_;
  if (!max_regression_.empty()) {
    auto limits = parse_max_regression(max_regression_);
    if (!limits) return bad_input(limits.error());
    options.max_regression = *limits;
  }
  auto base = load_sample(base_);
  if (!base) return bad_input(base.error());
  auto now = load_sample(now_);
  if (!now) return bad_input(now.error());
  auto comparable = check_comparable(*base, *now);
  if (!comparable) return bad_input("cannot compare: " + comparable.error());
  CompareResult result = compare_samples(*base, *now, options);
  CompareInputs in{*base, *now, options, result};
  fmt::print("{}", compare_console(in));
  std::string out = out_.empty() ? default_out(now_) : out_;
  auto written = write_compare_outputs(out, in);
  if (!written) return bad_input("--out: " + written.error());
  fmt::print("compare.html, compare.json, junit.xml in {}\n", out);
  return to_int(result.regression() ? ExitCode::kFailed : ExitCode::kPass);
}

int CompareCommands::run_baseline() const {
  auto sample = load_sample(source_);
  if (!sample) return bad_input(sample.error());
  auto saved = save_baseline(*sample, file_);
  if (!saved) return bad_input(saved.error());
  fmt::print("{}: baseline of {} ({} run{})\n", file_, source_, sample->runs.size(),
             sample->runs.size() == 1 ? "" : "s");
  return to_int(ExitCode::kPass);
}

}  // namespace drover
