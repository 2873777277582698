// End-to-end: the open models keep their schedule, measure latency from
// each request's intended start (so a stalled server shows at its true
// size), ramp with their stages, and count the starts they had to miss.
#include <sys/resource.h>

#include <cmath>

#include <gtest/gtest.h>

#include "tests/cli/drover_cli.hpp"

namespace drover::test::open_loop_test {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

std::string udp_scenario(int clients, const std::string& load, const std::string& timeout) {
  return R"({"name": "open-e2e",
    "targets": {"echo": {"kind": "udp_echo", "args": {"threads": 1}}},
    "fleets": [{"name": "c", "target": "echo", "clients": )" +
         std::to_string(clients) + R"(,
                "op": {"send": "{seq} {random:16}", "expect": "upper", "timeout": ")" +
         timeout + R"("}}],
    "load": )" +
         load + "}";
}

class OpenLoopTest : public ::testing::Test {
 protected:
  fs::path run_dir(const char* name) const { return dir_.path() / name; }
  Finished run(const std::string& text, const char* name) {
    return run_drover({"run", dir_.write(std::string(name) + ".json", text).string(), "--out",
                       run_dir(name).string(), "--quiet"},
                      dir_.path());
  }
  // Runs the scenario and stops its target for `pause`, `at` after the
  // load's first second.
  json run_with_stall(const std::string& text, const char* name, milliseconds at,
                      milliseconds pause) {
    DroverProcess drover({"run", dir_.write(std::string(name) + ".json", text).string(), "--out",
                          run_dir(name).string(), "--progress", "json"},
                         dir_.path());
    int target = wait_for_run_target(run_dir(name), "udp_echo", seconds(10));
    EXPECT_GT(target, 0) << "udp_echo never started";
    // The first progress line comes a second into the load.
    EXPECT_TRUE(drover.wait_for_load(seconds(10))) << "the load never started\n" << drover.err();
    std::this_thread::sleep_for(at);
    kill(target, SIGSTOP);
    std::this_thread::sleep_for(pause);
    kill(target, SIGCONT);
    Finished f = drover.wait(seconds(60));
    EXPECT_EQ(f.exit_code, 0) << f.out << f.err;
    return read_summary(run_dir(name));
  }
  TempDir dir_;
};

TEST_F(OpenLoopTest, TheAchievedRateIsWithinTwoPercentOfTheTarget) {
  Finished f =
      run(udp_scenario(64, R"({"model": "open", "rate": 2000, "duration": "5s"})", "1s"), "rate");
  ASSERT_EQ(f.exit_code, 0) << f.out << f.err;
  json s = read_summary(run_dir("rate"));
  auto ops = s["totals"]["ops"].get<double>();
  EXPECT_NEAR(ops / 5.0, 2000, 2000 * 0.02) << "ops " << ops;
  EXPECT_EQ(s["totals"]["missed_starts"], 0);
  EXPECT_EQ(s["totals"]["errors"], 0);
}

double children_cpu_s() {
  rusage u{};
  getrusage(RUSAGE_CHILDREN, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// --busy-poll: the load thread never sleeps, so at a light 2000/s it still
// takes about a core for the whole load (asleep between arrivals it takes a
// few percent), and it keeps the schedule as the sleeping thread does.
TEST_F(OpenLoopTest, BusyPollKeepsTheScheduleWithAThreadThatNeverSleeps) {
  const double cpu_before = children_cpu_s();
  Finished f = run_drover(
      {"run",
       dir_.write("busy.json",
                  udp_scenario(64, R"({"model": "open", "rate": 2000, "duration": "4s"})", "1s"))
           .string(),
       "--out", run_dir("busy").string(), "--quiet", "--threads", "1", "--busy-poll"},
      dir_.path());
  const double cpu = children_cpu_s() - cpu_before;
  ASSERT_EQ(f.exit_code, 0) << f.out << f.err;
  json s = read_summary(run_dir("busy"));
  EXPECT_NEAR(s["totals"]["ops"].get<double>() / 4.0, 2000, 2000 * 0.02) << s["totals"];
  EXPECT_EQ(s["totals"]["missed_starts"], 0);
  EXPECT_EQ(s["totals"]["errors"], 0);
  EXPECT_GE(cpu, 3.0) << "drover and its target took " << cpu << " s of CPU in a 4 s load";
}

// The difference the two models make, measured: a 1 s stall of the server.
// The open model keeps sending 500 requests a second into the stall, and
// each waits from its intended start, so about a sixth of all requests see
// hundreds of milliseconds: the p99 shows the stall. The closed model's
// clients simply wait: only the few requests in flight see it, so the stall
// shows as the max while the p99 stays low (coordinated omission).
TEST_F(OpenLoopTest, AStalledServerShowsInTheOpenModelsP99AndOnlyInTheClosedModelsMax) {
  json open = run_with_stall(
      udp_scenario(1000, R"({"model": "open", "rate": 500, "duration": "6s"})", "5s"), "open",
      milliseconds(1500), milliseconds(1000));
  EXPECT_GE(open["latency_ms"]["p99"].get<double>(), 400) << open["latency_ms"];
  EXPECT_EQ(open["totals"]["errors"], 0);

  json closed = run_with_stall(udp_scenario(16, R"({"model": "closed", "duration": "6s"})", "5s"),
                               "closed", milliseconds(1500), milliseconds(1000));
  EXPECT_GE(closed["latency_ms"]["max"].get<double>(), 800) << closed["latency_ms"];
  EXPECT_LT(closed["latency_ms"]["p99"].get<double>(), open["latency_ms"]["p99"].get<double>())
      << "closed " << closed["latency_ms"] << " open " << open["latency_ms"];
}

TEST_F(OpenLoopTest, TheStagesRampIsFollowedSecondBySecond) {
  Finished f = run(udp_scenario(64, R"({"model": "stages",
      "stages": [{"duration": "3s", "rate": 1000}, {"duration": "2s", "rate": 1000}]})",
                                "1s"),
                   "stages");
  ASSERT_EQ(f.exit_code, 0) << f.out << f.err;
  json s = read_summary(run_dir("stages"));
  // Second k of the ramp holds 1000 * (k + 0.5) / 3 arrivals; then 1000.
  const double expected[] = {1000 * 0.5 / 3, 1000 * 1.5 / 3, 1000 * 2.5 / 3, 1000, 1000};
  ASSERT_GE(s["series"].size(), 5u);
  for (int k = 1; k < 5; ++k) {
    double ops = s["series"][k]["ops"].get<double>();
    EXPECT_NEAR(ops, expected[k], expected[k] * 0.05) << "second " << k;
  }
}

// The closed model's stages ramp the number of active clients: with a
// think time that sets each client's pace, each second's operations follow
// the client count, measured against the plateau (seconds 2 and 3, 20
// clients): a quarter of it while ramping 0 to 10, three quarters while
// ramping 10 to 20, half while ramping down from 20 to 0.
TEST_F(OpenLoopTest, TheClosedModelsClientStagesAreFollowedSecondBySecond) {
  Finished f = run(udp_scenario(20, R"({"model": "closed", "think_time": "50ms",
      "stages": [{"duration": "2s", "clients": 20}, {"duration": "2s", "clients": 20},
                 {"duration": "1s", "clients": 0}]})",
                                "1s"),
                   "closed-stages");
  ASSERT_EQ(f.exit_code, 0) << f.out << f.err;
  json s = read_summary(run_dir("closed-stages"));
  ASSERT_GE(s["series"].size(), 5u) << s["series"];
  auto ops = [&](int second) { return s["series"][second]["ops"].get<double>(); };
  double plateau = (ops(2) + ops(3)) / 2;
  ASSERT_GT(plateau, 200) << s["series"];
  EXPECT_NEAR(ops(0) / plateau, 0.25, 0.08) << s["series"];
  EXPECT_NEAR(ops(1) / plateau, 0.75, 0.08) << s["series"];
  EXPECT_NEAR(ops(4) / plateau, 0.5, 0.08) << s["series"];
}

TEST_F(OpenLoopTest, StartsThatFindNoIdleClientAreCountedAndCanBeThresholded) {
  // One client and a server that takes about 20 ms per BUY cannot serve
  // 200 arrivals a second: most starts are missed, and said so.
  Finished f = run(R"({"name": "missed",
    "targets": {"db": {"kind": "ticket_db", "args": {"read_delay": 10, "write_delay": 10}}},
    "fleets": [{"name": "buyers", "target": "db", "clients": 1, "op": {"workload": "buy", "search": false}}],
    "load": {"model": "open", "rate": 200, "duration": "2s"},
    "thresholds": {"missed_starts": "< 1"}})",
                   "missed");
  EXPECT_EQ(f.exit_code, 1) << f.out << f.err;
  json s = read_summary(run_dir("missed"));
  EXPECT_GT(s["totals"]["missed_starts"].get<int>(), 100);
  EXPECT_FALSE(s["thresholds"][0]["ok"].get<bool>());
  EXPECT_NE(f.out.find("missed starts"), std::string::npos);
}

}  // namespace
}  // namespace drover::test::open_loop_test

namespace drover::test::open_loop_test {
namespace {

// The question the classic UDP lesson leaves open, answered for both of
// udp_echo's models: at what rate does each stop meeting the objective?
// The search starts at 250/s and quadruples, bisecting to within 25%, and
// the objective is p99 under 50 ms rather than the scenario's 20 ms; the two models' capacities
// (thousands against tens of thousands per second) still fall on different
// steps. A thread per datagram waits for a CPU on a busy machine (a build
// beside the test: p99 above 100 ms at 250/s, seen), so a search sunk by
// the machine is tried again, up to three times; a finder that never
// reports both, or never ranks workers first, still fails.
TEST(CapacityTest, TheFinderReportsACapacityForEachModelAndWorkersSustainMore) {
  TempDir dir;
  fs::path file = fs::path(DROVER_SOURCE_DIR) / "scenarios" / "udp-capacity.json";
  std::string curves;
  auto capacity = [&](const std::string& model, int attempt) {
    fs::path out = dir.path() / (model + "-" + std::to_string(attempt));
    Finished f = run_drover(
        {"run", file.string(), "--out", out.string(), "--quiet", "--set",
         "targets.echo.args.model=" + model, "--set", "load.from=250", "--set", "load.factor=4",
         "--set", "load.slo.latency.p99=< 50ms", "--set", "load.resolution=0.25"},
        dir.path(), seconds(120));
    EXPECT_EQ(f.exit_code, 0) << f.out << f.err;
    json s = read_summary(out);
    EXPECT_GE(s["capacity"]["curve"].size(), 1u) << f.out;
    curves += model + ": " + s["capacity"].dump() + "\n";
    return s["capacity"]["capacity_per_s"].get<double>();
  };
  bool ranked = false;
  for (int attempt = 1; attempt <= 3 && !ranked; ++attempt) {
    double workers = capacity("workers", attempt);
    double per_datagram = capacity("thread-per-datagram", attempt);
    ranked = per_datagram > 0 && workers > per_datagram;
  }
  EXPECT_TRUE(ranked) << curves;
}

// A knee known from arithmetic: worker_pool with one worker runs one 10 ms
// task at a time, so it serves at most 100 tasks a second, however fast the
// machine. Offered r > 100 a second for a 1 s step, the last arrivals wait
// (r - 100) / 100 s for the worker, so every rate above 103/s misses a p99
// of 40 ms whatever the schedule (a busy machine only lowers the knee). The
// search doubles 25, 50, 100, ... to the first miss, then bisects until the
// interval is within 10%; the reported interval must hold the steps that
// set it and be that narrow. A first step sunk by a busy machine (no
// capacity at all) is tried again, up to three times. Task ids never
// repeat across steps, so a task a step left unanswered (open in the
// history) is never submitted again by a later step.
TEST(CapacityTest, TheSearchBisectsTheKneeToWithinItsResolution) {
  TempDir dir;
  fs::path file = dir.write("knee.json", R"({"name": "knee",
    "targets": {"pool": {"kind": "worker_pool", "args": {"workers": 1}}},
    "fleets": [{"name": "submitters", "target": "pool", "clients": 64,
                "op": {"workload": "submit", "n_max": 1, "work": "10ms", "timeout": "5s"}}],
    "load": {"model": "capacity", "from": 25, "to": 800, "factor": 2, "step_duration": "1s",
             "resolution": 0.1, "slo": {"latency.p99": "< 40ms"}}})");
  fs::path out;
  Finished f;
  for (int attempt = 1; attempt <= 3; ++attempt) {
    out = dir.path() / ("run-" + std::to_string(attempt));
    f = run_drover({"run", file.string(), "--out", out.string()}, dir.path(), seconds(90));
    ASSERT_EQ(f.exit_code, 0) << f.out << f.err;
    if (read_summary(out)["capacity"]["capacity_per_s"].get<double>() > 0) break;
  }
  json c = read_summary(out)["capacity"];
  const double capacity = c["capacity_per_s"].get<double>();
  const double upper = c["upper_bound_per_s"].get<double>();
  ASSERT_GT(capacity, 0) << c;
  EXPECT_LT(capacity, 103.1) << c;
  ASSERT_GT(upper, capacity) << c;
  EXPECT_LE((upper - capacity) / capacity, 0.1 + 1e-9) << c;
  EXPECT_NEAR(c["resolution"].get<double>(), (upper - capacity) / capacity, 1e-6) << c;
  // The steps in the order run: rising from 25, then between the rising
  // rates; the two that set the interval among them.
  const json& curve = c["curve"];
  ASSERT_GE(curve.size(), 3u) << c;
  EXPECT_EQ(curve[0]["offered_per_s"].get<double>(), 25) << c;
  bool bisected = false, met_at_capacity = false, missed_at_upper = false;
  for (const json& step : curve) {
    const double rate = step["offered_per_s"].get<double>();
    const double doublings = std::log2(rate / 25);
    bisected |= std::abs(doublings - std::round(doublings)) > 1e-6;
    met_at_capacity |= rate == capacity && step["ok"].get<bool>();
    missed_at_upper |= rate == upper && !step["ok"].get<bool>();
  }
  EXPECT_TRUE(bisected) << c;
  EXPECT_TRUE(met_at_capacity) << c;
  EXPECT_TRUE(missed_at_upper) << c;
  // Each step's seconds follow the one before's in the run's series.
  EXPECT_GE(read_summary(out)["series"].size(), curve.size()) << c;
  EXPECT_NE(f.out.find("ops/s: "), std::string::npos) << f.out;
  std::string report = read_file(out / "report.html");
  EXPECT_NE(report.find("id=\"capacity-curve\""), std::string::npos);
  EXPECT_NE(report.find("id=\"capacity-knee\""), std::string::npos);
}

}  // namespace
}  // namespace drover::test::open_loop_test
