// The run folder's lossless latency (latency-seconds.hlog, latency-run.hlog)
// and the windowed thresholds judged from its seconds: live, with
// abort_on_fail, and again by `drover check` from the log alone.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "harness/measure/hdr_log.hpp"
#include "tests/cli/drover_cli.hpp"
#include "tests/support/memory.hpp"

namespace drover::test::latency_logs_test {
namespace {

using nlohmann::json;

// Each tag's total count over the log's lines.
std::map<std::string, std::uint64_t> counts_by_tag(const fs::path& log) {
  std::map<std::string, std::uint64_t> out;
  auto reader = IntervalLogReader::open(log.string());
  EXPECT_TRUE(reader) << reader.error();
  while (reader) {
    auto next = reader->next();
    EXPECT_TRUE(next) << next.error();
    if (!next || !*next) break;
    out[(*next)->tag] += (*next)->histogram.count();
  }
  return out;
}

// A closed load of 8 TCP clients whose target's network adds 20 ms to every
// request from 3 s to 4 s of an 8 s run: a stretch the whole run's p99
// does not see (it answers about 400 operations while slowed, under 1 % of
// the run's), and a 2 s window does (several % of its operations).
std::string slowed_scenario(const std::string& thresholds) {
  return R"({
  "name": "slowed",
  "targets": {"tcp": {"kind": "tcp_fork_echo", "args": {"model": "async"}}},
  "fleets": [{"name": "c", "target": "tcp", "clients": 8,
              "op": {"send": "hi {seq}", "expect": "upper", "framing": "line"}}],
  "load": {"model": "closed", "duration": "8s"},
  "faults": [{"action": "network", "target": "tcp", "at": "3s", "for": "1s",
              "mode": "latency", "latency": "20ms"}],
  "thresholds": )" +
         thresholds + "\n}";
}

const json* threshold(const json& summary, const std::string& metric) {
  for (const json& t : summary["thresholds"])
    if (t["metric"] == metric) return &t;
  return nullptr;
}

class LatencyLogsTest : public ::testing::Test {
 protected:
  Finished run(const std::string& text, const std::string& name) {
    fs::path file = dir_.write(name + ".json", text);
    return run_drover({"run", file.string(), "--out", (dir_.path() / name).string(), "--quiet"},
                      dir_.path());
  }
  TempDir dir_;
};

TEST_F(LatencyLogsTest, TheLogsHoldEveryAnsweredOperationOfEachOp) {
  Finished f = run(R"({
  "name": "mix",
  "targets": {"udp": {"kind": "udp_echo"}},
  "fleets": [{"name": "u", "target": "udp", "clients": 8,
              "ops": [{"name": "short", "send": "a {seq}", "expect": "upper"},
                      {"name": "long", "send": "b {seq} {random:64}", "expect": "upper"}]}],
  "load": {"model": "closed", "duration": "3s"}
})",
                   "mix");
  ASSERT_EQ(f.exit_code, 0) << f.out << f.err;
  json summary = read_summary(dir_.path() / "mix");
  std::map<std::string, std::uint64_t> answered;
  for (const json& op : summary["fleets"][0]["ops"]) {
    answered["u/" + op["name"].get<std::string>()] = op["latency_ms"]["count"].get<std::uint64_t>();
  }
  ASSERT_EQ(answered.size(), 2u);
  auto seconds = counts_by_tag(dir_.path() / "mix" / "latency-seconds.hlog");
  auto whole = counts_by_tag(dir_.path() / "mix" / "latency-run.hlog");
  for (const auto& [tag, count] : answered) {
    EXPECT_GT(count, 0u) << tag;
    EXPECT_EQ(seconds[tag], count) << tag << ": the seconds' lines, summed";
    EXPECT_EQ(whole[tag], count) << tag << ": the whole run's line";
  }
  EXPECT_EQ(whole["u"], answered["u/short"] + answered["u/long"]) << "the fleet's line";

  // drover report draws each op's distribution from latency-run.hlog.
  fs::path folder = dir_.path() / "mix";
  fs::remove(folder / "report.html");
  ASSERT_EQ(run_drover({"report", folder.string()}, dir_.path()).exit_code, 0);
  std::string html = read_file(folder / "report.html");
  EXPECT_NE(html.find("u/short p50"), std::string::npos);
  EXPECT_NE(html.find("u/long p99:"), std::string::npos);
  std::ofstream(folder / "latency-run.hlog", std::ios::app) << "Tag=u/x,0,1,0,HISTFnotbase64\n";
  Finished broken = run_drover({"report", folder.string()}, dir_.path());
  EXPECT_EQ(broken.exit_code, 2);
  EXPECT_NE(broken.err.find("latency-run.hlog:"), std::string::npos) << broken.err;
}

TEST_F(LatencyLogsTest, AWindowedThresholdFailsOnAStretchTheWholeRunHides) {
  Finished f =
      run(slowed_scenario(R"({"latency.p99": "< 20ms", "latency.p99[2s]": "< 20ms"})"), "slowed");
  ASSERT_EQ(f.exit_code, 1) << f.out << f.err;
  json summary = read_summary(dir_.path() / "slowed");
  const json* whole = threshold(summary, "latency.p99");
  const json* windowed = threshold(summary, "latency.p99[2s]");
  ASSERT_TRUE(whole && windowed) << summary["thresholds"].dump();
  EXPECT_TRUE((*whole)["ok"].get<bool>()) << whole->dump();
  EXPECT_FALSE((*windowed)["ok"].get<bool>()) << windowed->dump();
  EXPECT_GE((*windowed)["value"].get<double>(), 20.0);
  // The worst window lies over the slowed stretch.
  double from = (*windowed)["worst_window"]["at_s"].get<double>();
  EXPECT_GE(from, 1.0);
  EXPECT_LE(from, 4.0);

  // drover check judges the windows again from the log alone.
  fs::path folder = dir_.path() / "slowed";
  fs::remove(folder / "summary.json");
  Finished check = run_drover({"check", folder.string()}, dir_.path());
  EXPECT_NE(check.out.find("latency.p99[2s]"), std::string::npos) << check.out;
  EXPECT_NE(check.out.find("worst 2s window from"), std::string::npos) << check.out;
  EXPECT_NE(check.out.find("judged again from latency-seconds.hlog"), std::string::npos)
      << check.out;
}

TEST_F(LatencyLogsTest, AWindowedThresholdWithAbortOnFailStopsTheLoadOnceAWindowFails) {
  Finished f =
      run(slowed_scenario(R"({"latency.p99[1s]": {"threshold": "< 15ms", "abort_on_fail": true}})"),
          "aborted");
  ASSERT_EQ(f.exit_code, 1) << f.out << f.err;
  json summary = read_summary(dir_.path() / "aborted");
  const json* windowed = threshold(summary, "latency.p99[1s]");
  ASSERT_TRUE(windowed) << summary["thresholds"].dump();
  ASSERT_TRUE(windowed->contains("aborted")) << windowed->dump();
  double at = (*windowed)["aborted"]["at_s"].get<double>();
  EXPECT_GE(at, 3.0);
  EXPECT_LT(at, 7.9) << "judged live, before the load's end";
  EXPECT_LT(summary["duration_s"].get<double>(), 7.9);
}

// A soak must not grow drover's memory: the seconds go to disk as they
// close. 20k operations a second of four ops for 40 s; drover's resident
// set is read every second, and from 10 s on (the warm-up over) it may grow
// by 300 kB at most. Holding the seconds in memory grew it by about 25 kB a
// second, 750 kB over these 30 s.
TEST_F(LatencyLogsTest, MemoryStaysFlatOverALongSteadyRun) {
  // Under AddressSanitizer the memory is mostly the sanitizer's: the 40 s
  // would measure nothing.
  if (!kMemoryIsMeasured) GTEST_SKIP() << "memory is not measured under AddressSanitizer";
  fs::path file = dir_.write("soak.json", R"({
  "name": "soak",
  "targets": {"udp": {"kind": "udp_echo", "args": {"model": "workers", "threads": 1}}},
  "fleets": [{"name": "c", "target": "udp", "clients": 64,
              "ops": [{"name": "a", "send": "a {seq} {random:8}", "expect": "upper"},
                      {"name": "b", "send": "b {seq} {random:16}", "expect": "upper"},
                      {"name": "c", "send": "c {seq} {random:32}", "expect": "upper"},
                      {"name": "d", "send": "d {seq} {random:64}", "expect": "upper"}]}],
  "load": {"model": "open", "rate": 20000, "duration": "40s", "max_inflight": 64}
})");
  DroverProcess drover({"run", file.string(), "--out", (dir_.path() / "soak").string(), "--quiet"},
                       dir_.path());
  std::map<int, long> rss_kb;  // by second
  for (int second = 1; second <= 39; ++second) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    if (auto rss = status_kb(drover.pid(), "VmRSS")) rss_kb[second] = *rss;
  }
  Finished f = drover.wait(std::chrono::seconds(30));
  ASSERT_EQ(f.exit_code, 0) << f.out << f.err;
  ASSERT_TRUE(rss_kb.count(10) && rss_kb.count(38)) << "drover ended early";
  long grew = rss_kb[38] - rss_kb[10];
  std::string trace;
  for (const auto& [second, kb] : rss_kb) trace += fmt::format("{}s:{} ", second, kb);
  EXPECT_LE(grew, 300) << "kB from 10 s to 38 s: " << trace;
  auto lines = counts_by_tag(dir_.path() / "soak" / "latency-seconds.hlog");
  EXPECT_EQ(lines.size(), 4u) << "a tag per op";
}

TEST_F(LatencyLogsTest, AWindowKeyThatDoesNotReadIsABadInput) {
  fs::path file = dir_.write("bad.json", slowed_scenario(R"({"errors.rate[30s]": "< 0.1"})"));
  Finished f = run_drover({"validate", file.string()}, dir_.path());
  EXPECT_EQ(f.exit_code, 2);
  EXPECT_NE(f.err.find("only latency metrics have windows"), std::string::npos) << f.err;
}

}  // namespace
}  // namespace drover::test::latency_logs_test
