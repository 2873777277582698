// drover compare and drover baseline as a user runs them, on run folders
// made here (summary.json, scenario.json and latency-seconds.hlog written
// as a run writes them): exit codes, messages naming what is wrong, and the
// files compare writes.
#include <cstdlib>
#include <random>

#include <gtest/gtest.h>

#include "harness/measure/hdr_log.hpp"
#include "tests/cli/drover_cli.hpp"

namespace drover::test::compare_test {
namespace {

using nlohmann::json;

struct FakeRun {
  std::string scenario = "svc";
  std::string op = "ping";
  std::string model = "closed";
  double shift_ms = 0;
  std::uint64_t seed = 1;
  int seconds = 20;
};

// A run of r.seconds (20) seconds of 300 operations a second, latencies
// around 1 ms.
void write_run(const fs::path& dir, const FakeRun& r) {
  fs::create_directories(dir);
  const int seconds = r.seconds, per_second = 300;
  json series = json::array();
  for (int s = 0; s < seconds; ++s) {
    series.push_back({{"second", s}, {"ops", per_second}, {"errors", 0}});
  }
  json totals = {{"ops", seconds * per_second}, {"errors", 0}};
  json summary = {
      {"scenario", r.scenario},
      {"duration_s", double(seconds)},
      {"totals", totals},
      {"series", series},
      {"fleets", {{{"name", "clients"}, {"ops", {{{"name", r.op}, {"totals", totals}}}}}}}};
  std::ofstream(dir / "summary.json") << summary.dump();
  json scenario = {{"name", r.scenario}, {"load", {{"model", r.model}, {"duration", "20s"}}}};
  std::ofstream(dir / "scenario.json") << scenario.dump();
  auto log = IntervalLogWriter::open((dir / "latency-seconds.hlog").string(), 1.7e9);
  ASSERT_TRUE(log) << log.error();
  std::mt19937_64 rng(r.seed);
  std::lognormal_distribution<double> ms(0.0, 0.3);
  for (int s = 0; s < seconds; ++s) {
    LatencyHistogram h;
    for (int i = 0; i < per_second; ++i) {
      h.record(static_cast<std::uint64_t>((ms(rng) + r.shift_ms) * 1e6));
    }
    log->write("clients/" + r.op, s, 1, h);
  }
}

class CompareTest : public ::testing::Test {
 protected:
  fs::path run(const std::string& name, const FakeRun& r) {
    fs::path dir = dir_.path() / name;
    write_run(dir, r);
    return dir;
  }
  Finished drover(std::vector<std::string> args) { return run_drover(args, dir_.path()); }
  TempDir dir_;
};

TEST_F(CompareTest, TheSameServerTwiceIsNoRegression) {
  fs::path base = run("base", {});
  fs::path now = run("new", {.seed = 2});
  Finished f = drover({"compare", base.string(), now.string()});
  EXPECT_EQ(f.exit_code, 0) << f.out << f.err;
  EXPECT_NE(f.out.find("no regression"), std::string::npos) << f.out;
  json result = json::parse(read_file(now / "compare" / "compare.json"));
  EXPECT_FALSE(result["regression"].get<bool>());
  EXPECT_EQ(read_file(now / "compare" / "junit.xml").find("<failure"), std::string::npos);
}

TEST_F(CompareTest, TwoMillisecondsSlowerIsARegressionNamedEverywhere) {
  fs::path base = run("base", {});
  fs::path now = run("new", {.shift_ms = 2, .seed = 2});
  fs::path out = dir_.path() / "cmp";
  Finished f = drover({"compare", base.string(), now.string(), "--out", out.string()});
  EXPECT_EQ(f.exit_code, 1) << f.out << f.err;
  EXPECT_NE(f.out.find("REGRESSION"), std::string::npos) << f.out;
  json result = json::parse(read_file(out / "compare.json"));
  EXPECT_TRUE(result["regression"].get<bool>());
  const json& p99 = result["ops"][0]["metrics"][2];
  EXPECT_EQ(p99["metric"], "p99");
  EXPECT_TRUE(p99["regression"].get<bool>()) << p99;
  EXPECT_GT(p99["ci95"][0].get<double>(), 0.1) << p99;
  std::string junit = read_file(out / "junit.xml");
  EXPECT_NE(junit.find("<failure message=\"clients/ping p99: base "), std::string::npos) << junit;
  std::string validate = std::string("xmllint --noout --schema ") + DROVER_SOURCE_DIR +
                         "/tests/data/junit.xsd " + (out / "junit.xml").string();
  EXPECT_EQ(std::system(validate.c_str()), 0) << validate;
  std::string html = read_file(out / "compare.html");
  EXPECT_NE(html.find("id=\"spectrum-0\""), std::string::npos);
  EXPECT_NE(html.find(">REGRESSION<"), std::string::npos);
}

// Three seconds a side are three blocks: too few for an interval. However
// far p99 moved, nothing is judged, and every output says so.
TEST_F(CompareTest, RunsTooShortForAnIntervalAreNotJudgedAndSaySo) {
  fs::path base = run("base", {.seconds = 3});
  fs::path now = run("new", {.shift_ms = 2, .seed = 2, .seconds = 3});
  Finished f = drover({"compare", base.string(), now.string()});
  EXPECT_EQ(f.exit_code, 0) << f.out << f.err;
  EXPECT_NE(f.out.find("clients/ping: not judged: a side has 3 units to resample"),
            std::string::npos)
      << f.out;
  EXPECT_NE(f.out.find("not judged\n"), std::string::npos) << f.out;
  json result = json::parse(read_file(now / "compare" / "compare.json"));
  EXPECT_EQ(result["ops"][0]["units"], 3);
  const json& p99 = result["ops"][0]["metrics"][2];
  EXPECT_FALSE(p99["judged"].get<bool>()) << p99;
  EXPECT_FALSE(p99["regression"].get<bool>()) << p99;
  EXPECT_TRUE(p99["ci95"][0].is_null()) << p99;
  EXPECT_GT(p99["change"].get<double>(), 0.5) << p99;
  fs::path junit = now / "compare" / "junit.xml";
  EXPECT_NE(read_file(junit).find("<skipped message=\"too few units"), std::string::npos)
      << read_file(junit);
  std::string validate = std::string("xmllint --noout --schema ") + DROVER_SOURCE_DIR +
                         "/tests/data/junit.xsd " + junit.string();
  EXPECT_EQ(std::system(validate.c_str()), 0) << validate;
}

TEST_F(CompareTest, ABaselineFileComparesAsItsRunDoes) {
  fs::path base = run("base", {});
  fs::path now = run("new", {.shift_ms = 2, .seed = 2});
  fs::path file = dir_.path() / "svc.baseline.json";
  Finished saved = drover({"baseline", base.string(), file.string()});
  ASSERT_EQ(saved.exit_code, 0) << saved.out << saved.err;
  Finished from_folder =
      drover({"compare", base.string(), now.string(), "--out", (dir_.path() / "a").string()});
  Finished from_file =
      drover({"compare", file.string(), now.string(), "--out", (dir_.path() / "b").string()});
  EXPECT_EQ(from_file.exit_code, 1) << from_file.out << from_file.err;
  json a = json::parse(read_file(dir_.path() / "a" / "compare.json"));
  json b = json::parse(read_file(dir_.path() / "b" / "compare.json"));
  EXPECT_EQ(a["ops"], b["ops"]);
}

TEST_F(CompareTest, AFolderOfRepeatsIsOneSide) {
  run("base/repeat-1", {});
  run("base/repeat-2", {.seed = 3});
  fs::path now = run("new", {.seed = 2});
  Finished f = drover({"compare", (dir_.path() / "base").string(), now.string()});
  EXPECT_EQ(f.exit_code, 0) << f.out << f.err;
  EXPECT_NE(f.out.find("(2 runs)"), std::string::npos) << f.out;
}

TEST_F(CompareTest, RunsThatCannotBeComparedExitTwoNamingWhy) {
  fs::path base = run("base", {});
  struct Case {
    FakeRun run;
    std::string message;
  } cases[] = {{{.scenario = "other"}, "runs \"other\""},
               {{.op = "get"}, "different fleets and ops"},
               {{.model = "open"}, "different load models"}};
  int i = 0;
  for (const Case& c : cases) {
    fs::path now = run("new" + std::to_string(i++), c.run);
    Finished f = drover({"compare", base.string(), now.string()});
    EXPECT_EQ(f.exit_code, 2) << c.message << f.out << f.err;
    EXPECT_NE(f.err.find(c.message), std::string::npos) << f.err;
    EXPECT_NE(f.err.find(now.string()), std::string::npos) << f.err;
  }
}

TEST_F(CompareTest, TheLoadModelIsTheOneTheRunReadWithItsOverrides) {
  fs::path base = run("base", {});
  fs::path now = run("new", {.seed = 2});
  json inputs = {{"scenario_file", "svc.json"}, {"overrides", {"load.rate=900"}}};
  std::ofstream(now / "inputs.json") << inputs.dump();
  Finished f = drover({"compare", base.string(), now.string()});
  EXPECT_EQ(f.exit_code, 2) << f.out << f.err;
  EXPECT_NE(f.err.find("\"rate\":900"), std::string::npos) << f.err;
}

TEST_F(CompareTest, WhatIsNotARunOrABadFlagExitsTwoNamingIt) {
  fs::path base = run("base", {});
  fs::create_directories(dir_.path() / "empty");
  fs::path empty = dir_.path() / "empty";
  Finished f = drover({"compare", base.string(), empty.string()});
  EXPECT_EQ(f.exit_code, 2);
  EXPECT_NE(f.err.find(empty.string() + ": not a run folder"), std::string::npos) << f.err;
  Finished missing = drover({"compare", base.string(), "nowhere"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("nowhere: no such run folder"), std::string::npos) << missing.err;
  Finished flag = drover({"compare", base.string(), base.string(), "--max-regression", "p95=5%"});
  EXPECT_EQ(flag.exit_code, 2);
  EXPECT_NE(flag.err.find("--max-regression: unknown metric \"p95\""), std::string::npos)
      << flag.err;
  fs::path broken = run("broken", {});
  json summary = json::parse(read_file(broken / "summary.json"));
  summary["result"] = "error";
  std::ofstream(broken / "summary.json") << summary.dump();
  Finished error = drover({"compare", base.string(), broken.string()});
  EXPECT_EQ(error.exit_code, 2);
  EXPECT_NE(error.err.find(broken.string() + ": the run could not be carried out"),
            std::string::npos)
      << error.err;
  std::ofstream(dir_.path() / "junk.json") << "{}";
  Finished junk = drover({"compare", (dir_.path() / "junk.json").string(), base.string()});
  EXPECT_EQ(junk.exit_code, 2);
  EXPECT_NE(junk.err.find("not a drover baseline file"), std::string::npos) << junk.err;
}

// A run folder that claims a longer run than its seconds show, or whose
// latency log puts a second far past the run's end, must not make compare
// lay out that many seconds: the claim is an error naming the file, the
// late second counts in the run's last, as replies still in flight do.
TEST_F(CompareTest, ARunFolderClaimingMoreSecondsThanItHasIsNoReasonToHoldThem) {
  fs::path base = run("base", {});
  fs::path claims = run("claims", {});
  json summary = json::parse(read_file(claims / "summary.json"));
  summary["duration_s"] = 3.0e7;
  std::ofstream(claims / "summary.json") << summary.dump();
  Finished f = drover({"compare", base.string(), claims.string()});
  EXPECT_EQ(f.exit_code, 2) << f.out << f.err;
  EXPECT_NE(f.err.find(claims.string() + "/summary.json: duration_s is 30000000"),
            std::string::npos)
      << f.err;
  fs::path late = run("late", {});
  {
    auto log = IntervalLogWriter::open((late / "latency-seconds.hlog").string(), 1.7e9);
    ASSERT_TRUE(log) << log.error();
    LatencyHistogram h;
    for (int i = 0; i < 300; ++i) h.record(1'000'000);
    for (int s = 0; s < 20; ++s) log->write("clients/ping", s, 1, h);
    log->write("clients/ping", 30.0e6, 1, h);
  }
  Finished g = drover({"compare", base.string(), late.string()});
  EXPECT_EQ(g.exit_code, 0) << g.out << g.err;
  EXPECT_LT(g.seconds, 30) << "seconds past the run's end were laid out one by one";
}

}  // namespace
}  // namespace drover::test::compare_test
