// End-to-end: payloads take values from data files beside the scenario,
// and an expectation naming the same file sees its request's row; a "once"
// file that runs out stops the run with an error naming it.
#include <gtest/gtest.h>

#include <string>

#include "tests/cli/drover_cli.hpp"

namespace drover::test::data_files_test {
namespace {

using nlohmann::json;

// The upper-casing echo target answers each name with its upper column.
const std::string kUsers =
    "name,upper,note\n"
    "ada,ADA,\"plain\"\n"
    "\"bob, jr\",\"BOB, JR\",\"a comma\"\n"
    "\"say \"\"cy\"\"\",\"SAY \"\"CY\"\"\",\"quotes\"\n";

std::string scenario(const std::string& order, const std::string& expected_column,
                     const std::string& load = R"({"model": "closed", "duration": "1s"})") {
  return R"({"name": "data-files",
    "targets": {"echo": {"kind": "tcp_fork_echo"}},
    "data": {"users.csv": {"order": ")" +
         order + R"("}},
    "fleets": [{"name": "logins", "target": "echo", "clients": 2,
                "op": {"send": "{data:users.csv:name}", "framing": "line",
                       "expect": {"equals": "{data:users.csv:)" +
         expected_column + R"(}"}}}],
    "load": )" +
         load + "}";
}

class DataFilesTest : public ::testing::Test {
 protected:
  json run(const std::string& text) {
    dir_.write("users.csv", users_);
    fs::path run_dir = dir_.path() / ("run" + std::to_string(runs_++));
    last_ = run_drover(
        {"run", dir_.write("s.json", text).string(), "--out", run_dir.string(), "--quiet"},
        dir_.path());
    return read_summary(run_dir);
  }
  TempDir dir_;
  std::string users_ = kUsers;
  Finished last_;
  int runs_ = 0;
};

TEST_F(DataFilesTest, AnExpectationSeesTheRowItsRequestTook) {
  for (const char* order : {"round_robin", "random"}) {
    SCOPED_TRACE(order);
    json t = run(scenario(order, "upper"))["totals"];
    EXPECT_EQ(last_.exit_code, 0) << last_.out << last_.err;
    EXPECT_GT(t["ops"].get<double>(), 3) << t;
    EXPECT_EQ(t["ok"], t["ops"]) << t;
  }
}

// The same run, expecting the wrong column: every reply is wrong, so the
// test above would see it if rows were mixed up.
TEST_F(DataFilesTest, AnExpectationOfAnotherColumnFails) {
  json t = run(scenario("round_robin", "note"))["totals"];
  EXPECT_EQ(last_.exit_code, 1) << last_.out << last_.err;
  EXPECT_GT(t["ops"].get<double>(), 0) << t;
  EXPECT_EQ(t["errors_by_class"]["wrong_reply"], t["ops"]) << t;
}

// 40 rows handed out once each to a load that wants far more: every row is
// sent once, and answered, then the run stops with an error naming the file.
TEST_F(DataFilesTest, AOnceFileThatRunsOutStopsTheRun) {
  users_ = "name,upper\n";
  for (int i = 0; i < 40; ++i)
    users_ += "user" + std::to_string(i) + ",USER" + std::to_string(i) + "\n";
  json s = run(scenario("once", "upper", R"({"model": "closed", "duration": "30s"})"));
  EXPECT_EQ(last_.exit_code, 3) << last_.out << last_.err;
  EXPECT_EQ(s["result"], "error") << s;
  ASSERT_EQ(s["errors"].size(), 1u) << s;
  EXPECT_NE(s["errors"][0].get<std::string>().find(
                R"(data file "users.csv" ran out of rows: each of its 40 rows was used once)"),
            std::string::npos)
      << s["errors"];
  // Each row went out once and was answered right; what found none was
  // never sent.
  const json& t = s["totals"];
  double exhausted = t["errors_by_class"]["data_exhausted"].get<double>();
  EXPECT_GE(exhausted, 1) << t;
  EXPECT_EQ(t["ops"].get<double>() - exhausted, 40) << t;
  EXPECT_EQ(t["ok"], 40) << t;
  EXPECT_LT(s["duration_s"].get<double>(), 25) << "the load was not stopped";
}

}  // namespace
}  // namespace drover::test::data_files_test
