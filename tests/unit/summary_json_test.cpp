// summary.json read back: what `drover check` and the tests rely on comes
// back as it was written, the abort of a threshold included.
#include <gtest/gtest.h>

#include "reports/sink.hpp"
#include "tests/temp_dir.hpp"

namespace drover {
namespace {

using test_files::TempDir;

RunResult failed_run() {
  RunResult run;
  run.scenario = "tickets";
  run.scenario_file = "/srv/tickets.json";
  run.expect = "violation";
  run.started_at = std::chrono::system_clock::from_time_t(1700000000);
  run.duration_s = 4.5;
  run.seed = 77;
  run.aborted = true;
  run.verdict = Verdict::kFail;
  run.exit_code = ExitCode::kFailed;
  ThresholdResult p99;
  p99.metric = "latency.p99";
  p99.fleet = "buyers";
  p99.comparison = "<";
  p99.limit = "< 20ms";
  p99.limit_value = 20;
  p99.value = 35.25;
  p99.unit = "ms";
  p99.ok = false;
  p99.aborted = true;
  p99.aborted_at_s = 3.0;
  p99.aborted_value = 41.5;
  ThresholdResult rate = p99;
  rate.metric = "errors.rate";
  rate.fleet = "";
  rate.limit = "< 0.01";
  rate.limit_value = 0.01;
  rate.value = 0;
  rate.unit = "ratio";
  rate.ok = true;
  rate.aborted = false;
  run.thresholds = {p99, rate};
  run.invariants = {{"no_oversell", "box-office", false, "2 serials sold twice: 7, 9"}};
  return run;
}

TEST(SummaryJson, ReadsBackWhatItWrote) {
  TempDir dir;
  std::string path = (dir.path() / "summary.json").string();
  make_summary_json_sink(path)->write(failed_run());
  std::string error;
  std::optional<RunResult> back = read_summary_json(path, &error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(back->scenario, "tickets");
  EXPECT_EQ(back->expect, "violation");
  EXPECT_EQ(back->seed, 77u);
  EXPECT_TRUE(back->aborted);
  EXPECT_FALSE(back->interrupted);
  EXPECT_EQ(back->verdict, Verdict::kFail);
  EXPECT_EQ(back->exit_code, ExitCode::kFailed);
  ASSERT_EQ(back->thresholds.size(), 2u);
  const ThresholdResult& t = back->thresholds[0];
  EXPECT_EQ(t.metric, "latency.p99");
  EXPECT_EQ(t.fleet, "buyers");
  EXPECT_EQ(t.limit, "< 20ms");
  EXPECT_DOUBLE_EQ(t.value, 35.25);
  EXPECT_FALSE(t.ok);
  EXPECT_TRUE(t.aborted);
  EXPECT_DOUBLE_EQ(t.aborted_at_s, 3.0);
  EXPECT_DOUBLE_EQ(t.aborted_value, 41.5);
  EXPECT_EQ(back->thresholds[1].fleet, "");
  EXPECT_FALSE(back->thresholds[1].aborted);
  ASSERT_EQ(back->invariants.size(), 1u);
  EXPECT_EQ(back->invariants[0].detail, "2 serials sold twice: 7, 9");
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
}

TEST(SummaryJson, AFileThatIsNotASummaryIsAnErrorNamingIt) {
  TempDir dir;
  std::string path = dir.write("summary.json", R"({"scenario": "x"})").string();
  std::string error;
  EXPECT_FALSE(read_summary_json(path, &error));
  EXPECT_NE(error.find(path), std::string::npos) << error;
}

}  // namespace
}  // namespace drover
