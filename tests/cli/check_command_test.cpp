// `drover check RUN_DIR` on real run folders: an intact one agrees with the
// live verdict, one whose history lost operations is unknown and says how
// many, and the folder of a drover killed mid-run is checked as far as its
// history goes, saying what could not be.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "tests/cli/drover_cli.hpp"

namespace drover::test::check_command_test {
namespace {

using nlohmann::json;

// The operations summary.json counted for the fleet.
std::uint64_t counted_ops(const fs::path& run_dir, const std::string& fleet) {
  const json summary = read_summary(run_dir);
  for (const json& f : summary["fleets"])
    if (f["name"] == fleet) return f["totals"]["ops"].get<std::uint64_t>();
  ADD_FAILURE() << "no fleet " << fleet << " in " << run_dir / "summary.json";
  return 0;
}

// The fleet's completed operations (ok, fail, info) in the run's history.
std::uint64_t history_ops(const fs::path& run_dir, const std::string& fleet) {
  std::ifstream in(run_dir / "history.jsonl");
  std::uint64_t n = 0;
  for (std::string line; std::getline(in, line);) {
    json e = json::parse(line, nullptr, false);
    if (!e.is_discarded() && e.value("fleet", "") == fleet && e.value("type", "") != "invoke") ++n;
  }
  return n;
}

// The first lines of a file, the rest dropped: a history cut short.
void keep_lines(const fs::path& file, std::size_t lines) {
  std::ifstream in(file);
  std::string kept;
  std::string line;
  for (std::size_t i = 0; i < lines && std::getline(in, line); ++i) kept += line + "\n";
  in.close();
  std::ofstream(file, std::ios::trunc) << kept;
}

std::size_t line_count(const fs::path& file) {
  std::ifstream in(file);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

class CheckCommandTest : public ::testing::Test {
 protected:
  // A shipped queue run, shortened: producers and consumers, whose history
  // exactly_once decides.
  fs::path queue_run(const std::string& name) {
    fs::path run_dir = dir_.path() / name;
    Finished f = run_drover({"run", scenario("queue.json"), "--out", run_dir.string(), "--quiet",
                             "--set", "load.duration=2s"},
                            dir_.path());
    EXPECT_EQ(f.exit_code, 0) << f.out << f.err;
    EXPECT_EQ(read_summary(run_dir)["result"], "pass");
    return run_dir;
  }

  Finished check(const fs::path& run_dir) {
    return run_drover({"check", run_dir.string()}, dir_.path());
  }

  static std::string scenario(const char* file) {
    return (fs::path(DROVER_SOURCE_DIR) / "scenarios" / file).string();
  }

  TempDir dir_;
};

TEST_F(CheckCommandTest, AnIntactRunAgreesWithTheLiveVerdictAndSaysItsHistoryHoldsEveryOperation) {
  fs::path run_dir = queue_run("intact");
  const std::uint64_t producers = counted_ops(run_dir, "producers");
  const std::uint64_t consumers = counted_ops(run_dir, "consumers");
  ASSERT_GT(producers, 0u);
  // What the check compares: the history holds as many operations as
  // summary.json counts, fleet by fleet.
  EXPECT_EQ(history_ops(run_dir, "producers"), producers);
  EXPECT_EQ(history_ops(run_dir, "consumers"), consumers);

  Finished f = check(run_dir);
  EXPECT_EQ(f.exit_code, 0) << f.out << f.err;
  EXPECT_NE(f.out.find(fmt::format("history.jsonl holds all the operations summary.json counts: "
                                   "producers {} of {}, consumers {} of {}\n",
                                   producers, producers, consumers, consumers)),
            std::string::npos)
      << f.out;
  EXPECT_NE(f.out.find("  ok      exactly_once"), std::string::npos) << f.out;
  EXPECT_NE(f.out.find("\nPASS  exit code 0"), std::string::npos) << f.out;
  EXPECT_NE(f.out.find("agrees with the live verdict (pass)\n"), std::string::npos) << f.out;
  EXPECT_EQ(f.out.find("UNKNOWN"), std::string::npos) << f.out;
}

// A history emptied, or cut to half its lines, after a run that passed:
// what it no longer holds cannot be checked, so exactly_once is unknown,
// never a pass, and the message names both counts.
TEST_F(CheckCommandTest, AHistoryWithOperationsMissingLeavesItsInvariantsUnknownNamingBothCounts) {
  fs::path emptied = queue_run("emptied");
  const std::uint64_t producers = counted_ops(emptied, "producers");
  const std::uint64_t consumers = counted_ops(emptied, "consumers");
  fs::path halved = dir_.path() / "halved";
  fs::copy(emptied, halved, fs::copy_options::recursive);
  std::ofstream(emptied / "history.jsonl", std::ios::trunc).flush();
  keep_lines(halved / "history.jsonl", line_count(halved / "history.jsonl") / 2);

  Finished f = check(emptied);
  EXPECT_EQ(f.exit_code, 1) << f.out << f.err;
  EXPECT_NE(f.out.find(fmt::format("  UNKNOWN exactly_once     queue          not decided: "
                                   "history.jsonl holds only 0 of the {} operations summary.json "
                                   "counts for fleet producers, 0 of {} for fleet consumers",
                                   producers, consumers)),
            std::string::npos)
      << f.out;
  EXPECT_NE(f.out.find(fmt::format("history.jsonl holds FEWER operations than summary.json "
                                   "counts: producers 0 of {}, consumers 0 of {}\n",
                                   producers, consumers)),
            std::string::npos)
      << f.out;
  EXPECT_NE(f.out.find("\nUNKNOWN  exit code 1"), std::string::npos) << f.out;
  EXPECT_NE(f.out.find("DIFFERS from the live verdict (pass)\n"), std::string::npos) << f.out;
  EXPECT_EQ(f.out.find("agrees with"), std::string::npos) << f.out;

  Finished half = check(halved);
  EXPECT_EQ(half.exit_code, 1) << half.out << half.err;
  const std::uint64_t kept = history_ops(halved, "producers") + history_ops(halved, "consumers");
  ASSERT_LT(kept, producers + consumers);
  EXPECT_NE(half.out.find("  UNKNOWN exactly_once     queue          not decided: history.jsonl "
                          "holds only "),
            std::string::npos)
      << half.out;
  EXPECT_NE(half.out.find("DIFFERS from the live verdict (pass)\n"), std::string::npos) << half.out;
}

// A history.jsonl deleted after a run that checked it leaves its
// invariants undecided; a run made with --no-history never checked them,
// and there is nothing to decide again: bad input, as before.
TEST_F(CheckCommandTest, AHistoryThatIsGoneIsUnknownUnlessTheRunKeptNone) {
  fs::path deleted = queue_run("deleted");
  fs::remove(deleted / "history.jsonl");
  Finished f = check(deleted);
  EXPECT_EQ(f.exit_code, 1) << f.out << f.err;
  EXPECT_NE(f.out.find("  UNKNOWN exactly_once     queue          not decided: history.jsonl is "
                       "missing\n"),
            std::string::npos)
      << f.out;
  EXPECT_NE(f.out.find("DIFFERS from the live verdict (pass)\n"), std::string::npos) << f.out;

  fs::path without = dir_.path() / "without";
  Finished run = run_drover({"run", scenario("queue.json"), "--out", without.string(), "--quiet",
                             "--no-history", "--set", "load.duration=1s"},
                            dir_.path());
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  ASSERT_FALSE(fs::exists(without / "history.jsonl"));
  Finished none = check(without);
  EXPECT_EQ(none.exit_code, 2) << none.out << none.err;
  EXPECT_NE(none.err.find("no history.jsonl to check exactly_once against"), std::string::npos)
      << none.err;
}

// drover killed with SIGKILL while the load runs leaves a folder with the
// scenario and the history as far as it was flushed, and no summary.json:
// the history is checked, nothing is a pass, and what could not be
// checked is said.
TEST_F(CheckCommandTest, AKilledRunIsCheckedAsFarAsItsHistoryGoesAndSaysWhatItCouldNotCheck) {
  fs::path run_dir = dir_.path() / "killed";
  StrayProcessGuard guard("DROVER_RUN_DIR", run_dir.string());
  {
    DroverProcess drover({"run", scenario("queue.json"), "--out", run_dir.string(), "--progress",
                          "json", "--set", "load.duration=60s"},
                         dir_.path());
    ASSERT_TRUE(drover.wait_for_load(std::chrono::seconds(30))) << drover.err();
    // The first progress line comes after a second of load; the history is
    // flushed every 100 ms.
    ASSERT_TRUE(eventually([&] { return line_count(run_dir / "history.jsonl") > 0; },
                           std::chrono::seconds(10), std::chrono::milliseconds(20)));
    drover.signal(SIGKILL);
    EXPECT_EQ(drover.wait(std::chrono::seconds(10)).exit_code, -1);
  }
  ASSERT_FALSE(fs::exists(run_dir / "summary.json"));
  // The targets die with drover (their parent-death signal).
  EXPECT_TRUE(leftover_processes(run_dir).empty());

  Finished f = check(run_dir);
  EXPECT_EQ(f.exit_code, 1) << f.out << f.err;
  EXPECT_EQ(f.err.find("cannot read"), std::string::npos) << f.err;
  EXPECT_NE(f.out.find("drover queue  (did not finish: no figures, no seed)\n"), std::string::npos)
      << f.out;
  // Checked from the history, as far as it goes, and not decided.
  std::smatch held;
  ASSERT_TRUE(std::regex_search(
      f.out, held,
      std::regex("  UNKNOWN exactly_once     queue          not decided: the run did not finish "
                 "\\(no summary.json\\), so its history may stop short and the targets' final "
                 "states be missing; it holds ([0-9]+) operations")))
      << f.out;
  EXPECT_EQ(std::stoull(held[1]),
            history_ops(run_dir, "producers") + history_ops(run_dir, "consumers"));
  EXPECT_GT(std::stoull(held[1]), 0u);
  // What only the live run could say is undecided too.
  EXPECT_NE(f.out.find("  UNKNOWN fleet_answered   producers"), std::string::npos) << f.out;
  EXPECT_NE(f.out.find("  UNKNOWN target_alive     queue"), std::string::npos) << f.out;
  EXPECT_NE(f.out.find("\nUNKNOWN  exit code 1"), std::string::npos) << f.out;
  EXPECT_NE(f.out.find("no live verdict to compare with: the run did not finish"),
            std::string::npos)
      << f.out;
  EXPECT_NE(f.out.find("not checked: the figures and the thresholds on them (errors.rate < "
                       "0.001), which only summary.json holds"),
            std::string::npos)
      << f.out;
  EXPECT_NE(f.out.find("final states"), std::string::npos) << f.out;
  EXPECT_EQ(f.out.find("live verdict ("), std::string::npos) << f.out;
}

// A folder with neither summary.json nor history.jsonl nor the saved
// scenario is no drover run: bad input, as before.
TEST_F(CheckCommandTest, AFolderWithoutTheSavedScenarioIsStillBadInput) {
  fs::path folder = dir_.path() / "not-a-run";
  fs::create_directories(folder);
  std::ofstream(folder / "history.jsonl") << "";
  Finished f = check(folder);
  EXPECT_EQ(f.exit_code, 2) << f.out << f.err;
  EXPECT_NE(f.err.find("not a run folder (no inputs.json)"), std::string::npos) << f.err;
}

}  // namespace
}  // namespace drover::test::check_command_test
