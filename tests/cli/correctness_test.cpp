// End-to-end correctness workloads: each correct target keeps its invariant
// under load, each broken twin is caught on every run, and `drover check`
// on a saved run gives the live verdict again.
#include <gtest/gtest.h>

#include <sstream>

#include "reports/sink.hpp"
#include "tests/cli/drover_cli.hpp"

namespace drover::test::correctness_test {
namespace {

using nlohmann::json;

struct Case {
  const char* scenario;
  const char* invariant;
  bool broken;
  friend void PrintTo(const Case& c, std::ostream* os) { *os << c.scenario; }
};

class CorrectnessTest : public ::testing::TestWithParam<Case> {
 protected:
  // Runs a shipped scenario, shortened, into a fresh run folder.
  Finished run(const fs::path& run_dir) {
    fs::path file = fs::path(DROVER_SOURCE_DIR) / "scenarios" / GetParam().scenario;
    return run_drover(
        {"run", file.string(), "--out", run_dir.string(), "--quiet", "--set", "load.duration=2s"},
        dir_.path());
  }
  TempDir dir_;
};

// Each example's line of history.jsonl is the event it names.
void expect_lines_hold(const json& examples, const fs::path& run_dir) {
  std::vector<std::string> lines;
  std::istringstream history(read_file(run_dir / "history.jsonl"));
  for (std::string line; std::getline(history, line);) lines.push_back(line);
  ASSERT_FALSE(examples.empty());
  for (const json& e : examples) {
    auto line = e["line"].get<std::size_t>();
    ASSERT_GE(line, 1u) << e;
    ASSERT_LE(line, lines.size()) << e;
    json event = json::parse(lines[line - 1]);
    EXPECT_EQ(event["client"], e["client"]) << e << "\n" << lines[line - 1];
    EXPECT_EQ(event["fleet"], e["fleet"]) << e << "\n" << lines[line - 1];
    EXPECT_NE(e["event"].get<std::string>().find(event["f"].get<std::string>()), std::string::npos)
        << e << "\n"
        << lines[line - 1];
  }
}

TEST_P(CorrectnessTest, TheInvariantHoldsOnTheCorrectTargetAndCatchesTheBrokenOneEveryTime) {
  // A checker that catches a bug only sometimes fails here: three runs.
  int runs = GetParam().broken ? 3 : 1;
  for (int i = 0; i < runs; ++i) {
    fs::path run_dir = dir_.path() / ("run" + std::to_string(i));
    Finished f = run(run_dir);
    EXPECT_EQ(f.exit_code, 0) << "run " << i << "\n" << f.out << f.err;
    json summary = read_summary(run_dir);
    // Nothing in a real summary.json is lost reading it: written again, the same bytes.
    Expected<RunResult> back = read_summary_json((run_dir / "summary.json").string());
    ASSERT_TRUE(back) << back.error();
    EXPECT_EQ(render_summary_json(*back) + "\n", read_file(run_dir / "summary.json"));
    const json* invariant = find_invariant(summary, GetParam().invariant);
    ASSERT_NE(invariant, nullptr) << f.out;
    EXPECT_EQ((*invariant)["ok"].get<bool>(), !GetParam().broken) << (*invariant)["detail"];
    // A caught violation says where it first broke, with the events around.
    EXPECT_EQ(invariant->contains("anomaly"), GetParam().broken) << *invariant;
    if (GetParam().broken && invariant->contains("anomaly")) {
      const json& a = (*invariant)["anomaly"];
      int focus = 0;
      for (const auto& e : a["events"]) focus += e["focus"].get<bool>();
      EXPECT_EQ(focus, 1) << a;
      EXPECT_GE(a["events"].size(), 2u) << a;
    }
    EXPECT_TRUE(fs::exists(run_dir / "history.jsonl"));
    // And names its offending operations by their lines in history.jsonl.
    EXPECT_EQ(invariant->contains("examples"), GetParam().broken) << *invariant;
    if (invariant->contains("examples")) expect_lines_hold((*invariant)["examples"], run_dir);
    EXPECT_TRUE(leftover_processes(run_dir).empty());
  }
}

TEST_P(CorrectnessTest, CheckingTheSavedRunAgreesWithTheLiveVerdict) {
  fs::path run_dir = dir_.path() / "run";
  Finished live = run(run_dir);
  ASSERT_EQ(live.exit_code, 0) << live.out << live.err;
  Finished checked = run_drover({"check", run_dir.string()}, dir_.path());
  EXPECT_EQ(checked.exit_code, live.exit_code) << checked.out << checked.err;
  EXPECT_NE(checked.out.find("agrees with the live verdict"), std::string::npos) << checked.out;
  EXPECT_NE(checked.out.find(GetParam().invariant), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Scenarios, CorrectnessTest,
                         ::testing::Values(Case{"tickets.json", "no_oversell", false},
                                           Case{"tickets-unlocked.json", "no_oversell", true},
                                           Case{"queue.json", "exactly_once", false},
                                           Case{"queue-lossy.json", "exactly_once", true},
                                           Case{"pool.json", "pool_complete", false},
                                           Case{"pool-overcommit.json", "pool_complete", true}),
                         [](const auto& info) {
                           std::string name = info.param.scenario;
                           name = name.substr(0, name.find('.'));
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(CheckCommand, AFolderThatIsNotARunIsBadInput) {
  TempDir dir;
  Finished f = run_drover({"check", dir.path().string()}, dir.path());
  EXPECT_EQ(f.exit_code, 2);
  EXPECT_NE(f.err.find("not a run folder"), std::string::npos) << f.err;
}

}  // namespace
}  // namespace drover::test::correctness_test

namespace drover::test::correctness_test {
namespace {

// The submitted tasks (task id and n, from the history), in a stable order.
std::vector<std::string> submitted_tasks(const fs::path& run_dir) {
  std::vector<std::string> tasks;
  std::ifstream in(run_dir / "history.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    if (line.find("\"type\":\"invoke\",\"f\":\"submit\"") == std::string::npos) continue;
    tasks.push_back(line.substr(line.find("\"value\":")));
  }
  std::sort(tasks.begin(), tasks.end());
  return tasks;
}

TEST(Seed, TheSameSeedRepeatsTheRunsRandomChoicesAndAnotherChangesThem) {
  TempDir dir;
  fs::path file = fs::path(DROVER_SOURCE_DIR) / "scenarios" / "pool.json";
  auto run = [&](const char* name, const char* seed) {
    Finished f =
        run_drover({"run", file.string(), "--out", (dir.path() / name).string(), "--quiet",
                    "--seed", seed, "--set", "load.iterations=5", "--set", "load.duration=10s"},
                   dir.path());
    EXPECT_EQ(f.exit_code, 0) << f.out << f.err;
    EXPECT_EQ(read_summary(dir.path() / name)["seed"], std::stoull(seed));
    return submitted_tasks(dir.path() / name);
  };
  auto a = run("a", "42"), b = run("b", "42"), c = run("c", "43");
  ASSERT_EQ(a.size(), 16u * 5 * 2);  // 16 clients, 5 iterations, 2 tasks each
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

}  // namespace
}  // namespace drover::test::correctness_test
