// A pool server that answers tasks nobody submitted, many of them for each
// real one: drover must report them through pool_complete, fail the run,
// and keep its own memory bounded while it reads them.
#include <sys/resource.h>

#include <fstream>

#include <gtest/gtest.h>

#include "tests/cli/drover_cli.hpp"

namespace drover::test {
namespace {

using nlohmann::json;

TEST(MisbehavingPool, AnswersToTasksNeverSubmittedAreReportedWithMemoryBounded) {
  TempDir dir;
  const fs::path server =
      fs::path(DROVER_SOURCE_DIR) / "tests/data/process" / "pool_answers_unsubmitted.py";
  const fs::path scenario = dir.path() / "scenario.json";
  std::ofstream(scenario) << R"({
    "name": "pool-answers-unsubmitted",
    "targets": { "pool": {
      "command": ["python3", ")" +
                                 server.string() + R"(", "{port}", "200"],
      "ready": { "tcp": "127.0.0.1:{port}" }, "protocol": "pool" } },
    "checks": [ { "invariant": "pool_complete", "target": "pool", "workers": 4 } ],
    "fleets": [ { "name": "submitters", "target": "pool", "clients": 1,
                  "op": { "workload": "submit", "n_max": 100, "work": "0ms" } } ],
    "load": { "model": "closed", "duration": "1s" } })";
  const fs::path run_dir = dir.path() / "run";
  Finished f =
      run_drover({"run", scenario.string(), "--out", run_dir.string(), "--quiet"}, dir.path());
  EXPECT_EQ(f.exit_code, 1) << f.out << f.err;
  json summary = read_summary(run_dir);
  EXPECT_EQ(summary["result"], "fail");
  const json* pool = find_invariant(summary, "pool_complete");
  ASSERT_NE(pool, nullptr) << summary;
  EXPECT_FALSE((*pool)["ok"].get<bool>());
  const std::string detail = (*pool)["detail"];
  EXPECT_NE(detail.find("answers for tasks never submitted"), std::string::npos) << detail;
  EXPECT_NE(detail.find("above every task submitted before them"), std::string::npos) << detail;
  EXPECT_EQ(detail.find("never answered"), std::string::npos) << detail;
  // drover was this test's only child: the largest resident set of any
  // process it waited for is drover's (or its target's) peak. The checker
  // keeps a count of stray answers, not the answers (a few MB for millions
  // of them); what remains is the history's write buffers, which hold one
  // flush's events (about 100 MB at the half million a second drover reads
  // here, against 20 MB for an honest pool run).
  rusage usage{};
  ASSERT_EQ(getrusage(RUSAGE_CHILDREN, &usage), 0);
  EXPECT_LT(usage.ru_maxrss, 256 * 1024) << "peak RSS " << usage.ru_maxrss << " KiB";
}

}  // namespace
}  // namespace drover::test
