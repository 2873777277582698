// Child processes never outlive drover: not when it is interrupted, not when
// it is killed outright (the targets' parent-death signal takes them down,
// and a forking target's own children go with it).
#include <gtest/gtest.h>

#include "tests/cli/drover_cli.hpp"

namespace drover::test::process_cleanup_test {
namespace {

using std::chrono::seconds;

// Both kinds of target, and connections open to the forking one, so there
// are grandchildren too.
constexpr const char* kLongRun = R"({
  "name": "e2e-cleanup",
  "targets": { "udp": { "kind": "udp_echo" }, "tcp": { "kind": "tcp_fork_echo" } },
  "fleets": [ { "name": "u", "target": "udp", "clients": 4, "op": { "send": "a{seq}", "expect": "upper" } },
              { "name": "t", "target": "tcp", "clients": 4, "op": { "send": "b{seq}", "expect": "upper" } } ],
  "load": { "duration": "30s" } })";

class ProcessCleanupTest : public ::testing::Test {
 protected:
  fs::path run_dir() const { return dir_.path() / "run"; }
  DroverProcess start(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"run",        dir_.write("s.json", kLongRun).string(),
                                  "--out",      run_dir().string(),
                                  "--progress", "json"};
    args.insert(args.end(), extra.begin(), extra.end());
    return DroverProcess(args, dir_.path());
  }
  // Whether the load runs (within 15 s): both targets and some connection
  // children exist, and operations have been done.
  ::testing::AssertionResult load_runs(const DroverProcess& drover) const {
    if (!eventually(
            [&] { return processes_with_env("DROVER_RUN_DIR", run_dir().string()).size() >= 4; },
            seconds(15)))
      return ::testing::AssertionFailure() << "the run never started its targets and connections";
    if (!drover.wait_for_load(seconds(15)))
      return ::testing::AssertionFailure() << "no operation done\n" << drover.err();
    return ::testing::AssertionSuccess();
  }
  TempDir dir_;
};

TEST_F(ProcessCleanupTest, InterruptStopsTheLoadWritesTheReportAndStopsTargets) {
  DroverProcess drover = start();
  ASSERT_TRUE(load_runs(drover));
  drover.signal(SIGINT);
  Finished f = drover.wait(seconds(20));
  EXPECT_EQ(f.exit_code, 130) << f.out << f.err;
  EXPECT_LT(f.seconds, 20.0);
  auto summary = read_summary(run_dir());
  EXPECT_TRUE(summary["interrupted"].get<bool>());
  EXPECT_GT(summary["totals"]["ops"].get<int>(), 0);
  EXPECT_TRUE(leftover_processes(run_dir()).empty());
}

TEST_F(ProcessCleanupTest, SigtermIsAnInterruptToo) {
  DroverProcess drover = start();
  ASSERT_TRUE(load_runs(drover));
  drover.signal(SIGTERM);
  Finished f = drover.wait(seconds(20));
  EXPECT_EQ(f.exit_code, 130) << f.out << f.err;
  EXPECT_TRUE(leftover_processes(run_dir()).empty());
}

TEST_F(ProcessCleanupTest, KillingDroverTakesItsTargetsAndTheirChildrenDown) {
  DroverProcess drover = start();
  ASSERT_TRUE(load_runs(drover));
  auto before = processes_with_env("DROVER_RUN_DIR", run_dir().string());
  ASSERT_GE(before.size(), 4u);
  drover.signal(SIGKILL);
  drover.wait(seconds(5));
  EXPECT_TRUE(leftover_processes(run_dir(), std::chrono::milliseconds(3000)).empty())
      << before.size() << " processes were running before drover was killed";
}

// The watchdog bounds a run: past --max-run-time (by default its load, its
// targets' timeouts and some room) the run stops as for an interrupt, still
// checks and reports, and ends as an infrastructure failure.
TEST_F(ProcessCleanupTest, TheWatchdogStopsARunPastItsBound) {
  DroverProcess drover = start({"--max-run-time", "2s"});
  Finished f = drover.wait(seconds(20));
  EXPECT_EQ(f.exit_code, 3) << f.out << f.err;
  EXPECT_LT(f.seconds, 8.0);
  EXPECT_NE(f.err.find("its bound: stopping it (the watchdog)"), std::string::npos) << f.err;
  auto summary = read_summary(run_dir());
  EXPECT_EQ(summary["result"], "error");
  EXPECT_NE(summary["errors"].dump().find("watchdog"), std::string::npos) << summary["errors"];
  EXPECT_GT(summary["totals"]["ops"].get<int>(), 0);
  EXPECT_TRUE(leftover_processes(run_dir()).empty());
}

TEST_F(ProcessCleanupTest, ABadMaxRunTimeIsBadInput) {
  Finished f = run_drover({"run", dir_.write("s.json", kLongRun).string(), "--out",
                           run_dir().string(), "--max-run-time", "soon"},
                          dir_.path());
  EXPECT_EQ(f.exit_code, 2) << f.err;
  EXPECT_NE(f.err.find("--max-run-time: \"soon\" is not a duration"), std::string::npos) << f.err;
  EXPECT_FALSE(fs::exists(run_dir()));
}

}  // namespace
}  // namespace drover::test::process_cleanup_test
