// A pool server that answers tasks nobody submitted, many of them for each
// real one: drover must report them through pool_complete, fail the run,
// and keep its own memory bounded while it reads them.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include <gtest/gtest.h>

#include "tests/cli/drover_cli.hpp"
#include "tests/support/memory.hpp"

namespace drover::test::misbehaving_pool_test {
namespace {

using nlohmann::json;

// Runs `drover check run_dir` and returns its peak resident set in KiB
// (-1 when it did not exit with 1, the failed run's code).
long check_peak_rss_kib(const fs::path& run_dir) {
  pid_t pid = fork();
  if (pid == 0) {
    int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    execl(DROVER_EXE, DROVER_EXE, "check", run_dir.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  if (wait4(pid, &status, 0, &usage) != pid) return -1;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 1) return -1;
  return usage.ru_maxrss;
}

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
  if (kMemoryIsMeasured) {
    EXPECT_LT(usage.ru_maxrss, 256 * 1024) << "peak RSS " << usage.ru_maxrss << " KiB";
  }
  // The checker alone, judging the saved history again: hundreds of
  // thousands of stray answers are counted, not kept (kept, they took
  // about 40 bytes each, twice over while sorting).
  const long check_rss = check_peak_rss_kib(run_dir);
  EXPECT_GT(check_rss, 0);
  if (kMemoryIsMeasured) {
    EXPECT_LT(check_rss, 40 * 1024) << "drover check's peak RSS " << check_rss << " KiB";
  }
}

}  // namespace
}  // namespace drover::test::misbehaving_pool_test
