// End-to-end: the shipped scenarios for servers nobody here wrote (Debian's
// redis-server and memcached) and for a length-prefixed protocol pass as a
// user runs them, shortened; a deliberately wrong expectation fails them,
// and the run's failure examples show the bytes that came back. A test whose server is not
// installed skips, naming the package.
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tests/cli/drover_cli.hpp"

namespace drover::test::real_servers_test {
namespace {

using nlohmann::json;

// Whether `program` is an executable file in one of $PATH's folders.
bool on_path(std::string_view program) {
  const char* path = std::getenv("PATH");
  std::string_view folders = path != nullptr ? path : "/usr/bin:/bin";
  while (!folders.empty()) {
    std::string_view folder = folders.substr(0, folders.find(':'));
    fs::path candidate = fs::path(folder.empty() ? "." : folder) / program;
    if (::access(candidate.c_str(), X_OK) == 0) return true;
    if (folder.size() == folders.size()) break;
    folders.remove_prefix(folder.size() + 1);
  }
  return false;
}

class RealServersTest : public ::testing::Test {
 protected:
  // Runs scenarios/<name>, its load shortened to 1 s, with `extra` flags.
  json run(const std::string& name, const std::vector<std::string>& extra = {}) {
    run_dir_ = dir_.path() / ("run" + std::to_string(runs_++));
    guards_.push_back(std::make_unique<StrayProcessGuard>("DROVER_RUN_DIR", run_dir_.string()));
    std::vector<std::string> args{
        "run",   (fs::path(DROVER_SOURCE_DIR) / "scenarios" / name).string(),
        "--out", run_dir_.string(),
        "--set", "load.duration=1s"};
    args.insert(args.end(), extra.begin(), extra.end());
    last_ = run_drover(args, dir_.path());
    EXPECT_TRUE(leftover_processes(run_dir_).empty()) << name << " left processes behind";
    return read_summary(run_dir_);
  }
  static double count(const json& summary, const char* outcome) {
    return summary["totals"]["errors_by_class"][outcome].get<double>();
  }
  // The scenario passes: replies came, and none was wrong.
  void expect_pass(const std::string& name) {
    json summary = run(name);
    EXPECT_EQ(last_.exit_code, 0) << last_.out << last_.err;
    EXPECT_GT(summary["totals"]["ok"].get<double>(), 100) << summary["totals"];
    EXPECT_EQ(count(summary, "wrong_reply"), 0) << summary["totals"];
    for (const json& op : summary["fleets"][0]["ops"])
      EXPECT_GT(op["totals"]["ok"].get<double>(), 0) << op;  // each op of a mix ran
  }
  // With `expect` overridden, every reply is wrong, the run fails, and its
  // first example shows the bytes received and the rule they broke, in
  // summary.json and on the console.
  void expect_every_reply_wrong(const std::string& name, const std::string& override,
                                const std::string& received, const std::string& rule) {
    json summary = run(name, {"--set", override});
    EXPECT_EQ(last_.exit_code, 1) << last_.out << last_.err;
    // The mix's set, whose expectation was overridden; its get still passes.
    const json& op = summary["fleets"][0]["ops"][1];
    ASSERT_EQ(op["name"], "set") << op;
    const double ops = op["totals"]["ops"].get<double>();
    EXPECT_GT(ops, 10) << op["totals"];
    EXPECT_EQ(op["totals"]["errors_by_class"]["wrong_reply"].get<double>(), ops) << op["totals"];
    EXPECT_EQ(count(summary, "wrong_reply"), ops) << summary["totals"];
    json wrong;
    for (const json& f : op.value("failures", json::array()))
      if (f["class"] == "wrong_reply") wrong = f;
    ASSERT_TRUE(wrong.is_object()) << op.dump();
    ASSERT_FALSE(wrong["first"].empty()) << wrong.dump();
    const json& example = wrong["first"][0];
    EXPECT_EQ(example["received"]["text"], received) << example;
    EXPECT_EQ(example["rule"], rule) << example;
    EXPECT_NE(last_.out.find(rule), std::string::npos) << last_.out;
  }

  TempDir dir_;
  std::vector<std::unique_ptr<StrayProcessGuard>> guards_;
  fs::path run_dir_;
  Finished last_;
  int runs_ = 0;
};

TEST_F(RealServersTest, RedisScenarioPassesAgainstRedisServer) {
  if (!on_path("redis-server"))
    GTEST_SKIP() << "redis-server is not installed (apt install redis-server)";
  expect_pass("redis.json");
}

// {"resp": "simple", "value": "OK"} turned into "QUEUED": redis-server still
// answers +OK, which is now wrong.
TEST_F(RealServersTest, RedisRepliesOtherThanExpectedFailTheRun) {
  if (!on_path("redis-server"))
    GTEST_SKIP() << "redis-server is not installed (apt install redis-server)";
  expect_every_reply_wrong("redis.json", "fleets.0.ops.1.expect.value=QUEUED", R"(+OK\r\n)",
                           R"(expected a RESP simple "QUEUED", received a RESP simple "OK")");
}

TEST_F(RealServersTest, MemcachedScenarioPassesAgainstMemcached) {
  if (!on_path("memcached")) GTEST_SKIP() << "memcached is not installed (apt install memcached)";
  expect_pass("memcached.json");
}

TEST_F(RealServersTest, MemcachedRepliesOtherThanExpectedFailTheRun) {
  if (!on_path("memcached")) GTEST_SKIP() << "memcached is not installed (apt install memcached)";
  expect_every_reply_wrong("memcached.json", "fleets.0.ops.1.expect.equals=NOT_STORED", "STORED",
                           R"(expected equals "NOT_STORED", received "STORED")");
}

// Values that hold "END\r\n", which would end a get's reply early were it
// framed by a delimiter: memcached framing reads a data block by its count.
TEST_F(RealServersTest, MemcachedValuesHoldingEndAreReadWhole) {
  if (!on_path("memcached")) GTEST_SKIP() << "memcached is not installed (apt install memcached)";
  json summary =
      run("memcached.json",
          {"--set", "fleets.0.ops.0.send=get key:{key:uniform:100}", "--set",
           "fleets.0.ops.0.expect.regex=^(VALUE key:[0-9]+ 0 10\r\nEND\r\nEND\r\n\r\n)?END$",
           "--set", "fleets.0.ops.1.send=set key:{key:uniform:100} 0 0 10\r\nEND\r\nEND\r\n"});
  EXPECT_EQ(last_.exit_code, 0) << last_.out << last_.err;
  EXPECT_GT(summary["totals"]["ok"].get<double>(), 100) << summary["totals"];
  EXPECT_EQ(count(summary, "wrong_reply"), 0) << summary["totals"];
  EXPECT_EQ(count(summary, "malformed_reply"), 0) << summary["totals"];
}

// The meta protocol: ms answers HD; mg answers a VA line and its block, or EN.
TEST_F(RealServersTest, MemcachedMetaCommandsAreFramedToo) {
  if (!on_path("memcached")) GTEST_SKIP() << "memcached is not installed (apt install memcached)";
  json summary =
      run("memcached.json", {"--set", "fleets.0.ops.0.send=mg key:{key:uniform:1000} v", "--set",
                             "fleets.0.ops.0.expect.regex=^(VA 8\r\n[A-Za-z0-9]{8}|EN)$", "--set",
                             "fleets.0.ops.1.send=ms key:{key:uniform:1000} 8\r\n{random:8}",
                             "--set", "fleets.0.ops.1.expect.equals=HD"});
  EXPECT_EQ(last_.exit_code, 0) << last_.out << last_.err;
  EXPECT_GT(summary["totals"]["ok"].get<double>(), 100) << summary["totals"];
  EXPECT_EQ(count(summary, "wrong_reply"), 0) << summary["totals"];
}

TEST_F(RealServersTest, LengthPrefixedScenarioPassesAgainstItsServer) {
  expect_pass("length-prefixed.json");
}

}  // namespace
}  // namespace drover::test::real_servers_test
