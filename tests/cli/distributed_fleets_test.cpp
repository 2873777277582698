// Fleets on SSH hosts: drover uploads drover-agent to the hosts
// ci/netns-hosts started, each runs its share of a fleet's clients against a
// target on another host, and drover merges what they recorded into one
// summary and one history, with each host's figures beside the fleet's.
#include <signal.h>

#include <set>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "harness/remote/shell_quote.hpp"
#include "tests/cli/drover_cli.hpp"
#include "tests/support/ssh_hosts.hpp"

namespace drover::test::distributed_fleets_test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using ::testing::HasSubstr;

class DistributedFleetsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loaded = test_ssh::load_ssh_hosts();
    if (!loaded) GTEST_SKIP() << test_ssh::missing_hosts_message();
    hosts_ = *loaded;
    if (hosts_.addresses.size() < 3) {
      GTEST_SKIP() << hosts_.no_netns_message("a fleet on three hosts");
    }
    run_dir_ = dir_.path() / test_ssh::run_folder_name();
  }

  // Nothing of the run is left on any host: the namespace hosts share this
  // machine's /tmp and /proc, so one host's view covers all three.
  void TearDown() override {
    if (IsSkipped()) return;
    EXPECT_EQ(test_ssh::run_folders_on(session(), run_dir_.string()), "")
        << "run folders left on the hosts";
    std::string left;
    eventually(
        [&] { return (left = test_ssh::run_processes_on(session(), run_dir_.string())).empty(); },
        5s, 100ms);
    EXPECT_EQ(left, "") << "processes of the run still there";
  }

  // drover running doc, once the agents of its fleet run their load: drover
  // tells them all to go at once, and their figures reach its progress
  // lines once they have done operations.
  std::unique_ptr<DroverProcess> start_with_agents_running(const json& doc) {
    auto drover = std::make_unique<DroverProcess>(
        std::vector<std::string>{"run", write(doc).string(), "--out", run_dir_.string(),
                                 "--progress", "json"},
        dir_.path());
    EXPECT_TRUE(drover->wait_for_load(60s)) << "the agents never did an operation\n"
                                            << drover->err();
    return drover;
  }

  test_ssh::HostSession& session() {
    if (!session_) session_ = std::make_unique<test_ssh::HostSession>(hosts_.with_key(0));
    return *session_;
  }

  // db1, load1 and load2: the three namespace hosts.
  json hosts_json() const {
    json hosts;
    const char* names[] = {"db1", "load1", "load2"};
    for (std::size_t i = 0; i < 3; ++i) hosts[names[i]] = hosts_.scenario_host(i);
    return hosts;
  }

  // ticket_db on db1, buyers split over load1 and load2.
  json tickets(const std::string& lock, int clients, const std::string& duration) const {
    json doc = json::parse(R"({"name": "tickets-distributed",
        "targets": {"tickets": {"kind": "ticket_db", "host": "db1",
                                "args": {"stock": 300, "read_delay": 2, "write_delay": 2}}},
        "fleets": [{"name": "buyers", "target": "tickets", "hosts": ["load1", "load2"],
                    "op": {"workload": "buy", "timeout": "10s"}}],
        "load": {"model": "closed", "think_time": "10ms"}})");
    doc["hosts"] = hosts_json();
    doc["targets"]["tickets"]["args"]["lock"] = lock;
    doc["fleets"][0]["clients"] = clients;
    doc["load"]["duration"] = duration;
    return doc;
  }

  fs::path write(const json& doc) {
    fs::path file = dir_.path() / "scenario.json";
    std::ofstream(file) << doc.dump(2);
    return file;
  }

  Finished run(const json& doc) {
    return run_drover({"run", write(doc).string(), "--out", run_dir_.string(), "--quiet"},
                      dir_.path(), 120s);
  }

  test_ssh::SshHosts hosts_;
  std::unique_ptr<test_ssh::HostSession> session_;
  TempDir dir_;
  fs::path run_dir_;
};

TEST_F(DistributedFleetsTest, TicketBuyersOnTwoHostsMergeIntoOneVerdictAndOneHistory) {
  Finished f = run(tickets("file", 21, "2s"));
  ASSERT_EQ(f.exit_code, 0) << f.out << f.err;
  EXPECT_THAT(f.out, HasSubstr("@load1"));
  json summary = read_summary(run_dir_);
  const json& fleet = summary["fleets"].at(0);
  EXPECT_EQ(fleet["clients"], 21);
  ASSERT_EQ(fleet["hosts"].size(), 2u) << fleet;
  const json& h1 = fleet["hosts"][0];
  const json& h2 = fleet["hosts"][1];
  EXPECT_EQ(h1["host"], "load1");
  EXPECT_EQ(h2["host"], "load2");
  EXPECT_EQ(h1["clients"], 11);  // the first host takes the odd client
  EXPECT_EQ(h2["clients"], 10);
  // Counts add up; percentiles come from the merged histogram, so the
  // fleet's lie between the hosts' own.
  auto ops = [](const json& j) { return j["totals"]["ops"].get<std::uint64_t>(); };
  EXPECT_GT(ops(h1), 0u);
  EXPECT_GT(ops(h2), 0u);
  EXPECT_EQ(ops(fleet), ops(h1) + ops(h2));
  EXPECT_EQ(summary["totals"]["ops"], ops(fleet));
  double p99 = fleet["latency_ms"]["p99"];
  double lo =
      std::min(h1["latency_ms"]["p99"].get<double>(), h2["latency_ms"]["p99"].get<double>());
  double hi =
      std::max(h1["latency_ms"]["max"].get<double>(), h2["latency_ms"]["max"].get<double>());
  EXPECT_GE(p99, lo * 0.99);
  EXPECT_LE(p99, hi * 1.01);

  const json* oversell = find_invariant(summary, "no_oversell");
  ASSERT_NE(oversell, nullptr) << summary["invariants"];
  EXPECT_TRUE((*oversell)["ok"].get<bool>()) << *oversell;

  // One history: every client of the fleet, each id once, from both hosts.
  std::set<std::uint64_t> clients;
  std::uint64_t buys = 0;
  std::istringstream history(read_file(run_dir_ / "history.jsonl"));
  for (std::string line; std::getline(history, line);) {
    json e = json::parse(line);
    if (e["fleet"] != "buyers") continue;
    clients.insert(e["client"].get<std::uint64_t>());
    if (e["f"] == "buy" && e["type"] == "ok") ++buys;
  }
  EXPECT_EQ(clients.size(), 21u);
  EXPECT_EQ(*clients.rbegin(), 20u);
  EXPECT_GT(buys, 0u);
  EXPECT_THAT(read_file(run_dir_ / "logs" / "agent-buyers@load1.stdout.log"), HasSubstr("DONE"));
  EXPECT_THAT(read_file(run_dir_ / "logs" / "agent-buyers@load2.stdout.log"), HasSubstr("DONE"));
}

TEST_F(DistributedFleetsTest, TheLiveViewShowsTheFleetsOnHostsWhileTheyRun) {
  Finished f = run_drover({"run", write(tickets("file", 6, "5s")).string(), "--out",
                           run_dir_.string(), "--progress", "json"},
                          dir_.path(), 120s);
  ASSERT_EQ(f.exit_code, 0) << f.out << f.err;
  // The agents' figures reach the progress lines (and so the metrics) a
  // second or so late, before the load ends, with operations under way in
  // some of them (a client thinks 10 ms between its operations).
  bool seen = false;
  std::uint64_t most_inflight = 0;
  std::istringstream lines(f.out + f.err);
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("{\"scenario\"")) continue;
    json p = json::parse(line);
    if (p["elapsed_s"].get<double>() < 4.9 && p["fleets"][0]["ops"].get<std::uint64_t>() > 0) {
      seen = true;
      most_inflight = std::max(most_inflight, p["fleets"][0]["inflight"].get<std::uint64_t>());
    }
  }
  EXPECT_TRUE(seen) << f.out << f.err;
  EXPECT_GT(most_inflight, 0u) << f.out << f.err;
}

TEST_F(DistributedFleetsTest, AnOversellByBuyersOnTwoHostsIsCaught) {
  json doc = tickets("none", 20, "2s");
  doc["targets"]["tickets"]["args"]["stock"] = 40;
  doc["expect"] = "violation";
  Finished f = run(doc);
  ASSERT_EQ(f.exit_code, 0) << f.out << f.err;
  json summary = read_summary(run_dir_);
  const json* oversell = find_invariant(summary, "no_oversell");
  ASSERT_NE(oversell, nullptr) << summary["invariants"];
  EXPECT_FALSE((*oversell)["ok"].get<bool>()) << *oversell;
}

TEST_F(DistributedFleetsTest, AnOpenRateIsSplitOverTheHostsAndKept) {
  json doc = json::parse(R"({"name": "echo-distributed",
      "targets": {"echo": {"kind": "tcp_fork_echo", "host": "db1"}},
      "fleets": [{"name": "senders", "target": "echo", "clients": 16, "hosts": ["load1", "load2"],
                  "op": {"send": "hello {seq}", "expect": "upper"}}],
      "load": {"model": "open", "rate": 400, "duration": "3s"}})");
  doc["hosts"] = hosts_json();
  Finished f = run(doc);
  ASSERT_EQ(f.exit_code, 0) << f.out << f.err;
  json summary = read_summary(run_dir_);
  const json& fleet = summary["fleets"].at(0);
  // 400/s for 3 s in all, 200/s from each host: every arrival on the
  // schedule either ran or is counted as a missed start (a forking target
  // on a busy machine can leave every client waiting).
  auto offered = [](const json& j) {
    return j["totals"]["ops"].get<double>() + j["totals"]["missed_starts"].get<double>();
  };
  EXPECT_NEAR(offered(fleet), 1200, 36) << fleet["totals"];
  ASSERT_EQ(fleet["hosts"].size(), 2u);
  for (const auto& host : fleet["hosts"]) EXPECT_NEAR(offered(host), 600, 18) << host;
}

// Wrong replies on the hosts come back with their examples, merged into
// the fleet's as a fleet here would keep them.
TEST_F(DistributedFleetsTest, FailureExamplesComeBackFromTheHosts) {
  json doc = json::parse(R"({"name": "echo-wrong",
      "targets": {"echo": {"kind": "tcp_fork_echo", "host": "db1"}},
      "fleets": [{"name": "senders", "target": "echo", "clients": 2, "hosts": ["load1", "load2"],
                  "op": {"send": "hello {seq}", "expect": {"equals": "nope"}}}],
      "load": {"model": "closed", "iterations": 10}})");
  doc["hosts"] = hosts_json();
  Finished f = run(doc);
  ASSERT_EQ(f.exit_code, 1) << f.out << f.err;
  json summary = read_summary(run_dir_);
  const json& op = summary["fleets"].at(0)["ops"].at(0);
  ASSERT_TRUE(op.contains("failures")) << op;
  const json& wrong = op["failures"].at(0);
  EXPECT_EQ(wrong["class"], "wrong_reply");
  EXPECT_EQ(wrong["count"], 20) << wrong;  // 10 iterations of 2 clients
  ASSERT_FALSE(wrong["first"].empty()) << wrong;
  const json& e = wrong["first"][0];
  EXPECT_EQ(e["fleet"], "senders");
  EXPECT_EQ(e["received"]["text"].get<std::string>().rfind("HELLO ", 0), 0u) << e;
  EXPECT_EQ(e["rule"].get<std::string>().rfind(R"(expected equals "nope", received "HELLO )", 0),
            0u)
      << e;
  EXPECT_NE(f.out.find("senders message wrong_reply (20)"), std::string::npos) << f.out;
}

// Consumers drain a queue only once every producer has ended, wherever
// each runs: here, on the producers' host, or on another.
TEST_F(DistributedFleetsTest, AQueueFedFromOneHostIsDrainedExactlyOnceHereAndOnAnother) {
  json doc = json::parse(R"({"name": "queue-distributed",
      "targets": {"queue": {"kind": "queue_broker", "host": "db1", "args": {"maxsize": 16}}},
      "fleets": [
        {"name": "producers", "target": "queue", "clients": 6, "hosts": ["load1"],
         "op": {"workload": "produce", "timeout": "20s"}},
        {"name": "consumers", "target": "queue", "clients": 4, "hosts": ["load2"],
         "op": {"workload": "consume"}},
        {"name": "consumers-here", "target": "queue", "clients": 2,
         "op": {"workload": "consume"}}],
      "load": {"model": "closed", "duration": "2s"}})");
  doc["hosts"] = hosts_json();
  Finished f = run(doc);
  ASSERT_EQ(f.exit_code, 0) << f.out << f.err;
  json summary = read_summary(run_dir_);
  const json* once = find_invariant(summary, "exactly_once");
  ASSERT_NE(once, nullptr) << summary["invariants"];
  EXPECT_TRUE((*once)["ok"].get<bool>()) << *once;
  EXPECT_THAT((*once)["detail"].get<std::string>(), ::testing::Not(HasSubstr(" 0 acknowledged")));
  // Told when the producers ended, not after their whole timeout: the
  // drain takes about a second of empty GETs (a few under a sanitizer), not
  // the 20 s a PUT may take here.
  EXPECT_LT(summary["duration_s"].get<double>(), 12.0);
}

TEST_F(DistributedFleetsTest, CtrlCStopsTheAgentsAndLeavesAnInterruptedReport) {
  auto drover = start_with_agents_running(tickets("file", 10, "60s"));
  drover->signal(SIGINT);
  Finished f = drover->wait(60s);
  EXPECT_EQ(f.exit_code, 130) << f.out << f.err;
  EXPECT_LT(f.seconds, 30);
  json summary = read_summary(run_dir_);
  EXPECT_TRUE(summary["interrupted"].get<bool>());
  EXPECT_GT(summary["totals"]["ops"].get<std::uint64_t>(), 0u);
  EXPECT_EQ(summary["fleets"][0]["hosts"].size(), 2u);
}

TEST_F(DistributedFleetsTest, ADroverKilledOutrightLeavesNothingOnTheHosts) {
  auto drover = start_with_agents_running(tickets("file", 10, "60s"));
  std::string running = test_ssh::run_processes_on(session(), run_dir_.string());
  EXPECT_NE(running, "") << "the target and agents should be running by now";
  // No unwinding, no goodbye: the hosts' watchers see the connections close.
  drover->signal(SIGKILL);
  drover->wait(10s);
  std::string left;
  eventually(
      [&] { return (left = test_ssh::run_folders_on(session(), run_dir_.string())).empty(); }, 15s,
      200ms);
  EXPECT_EQ(left, "") << "run folders still there 15 s after drover was killed";
  // TearDown checks that no process of the run is left either.
}

// Output of a shell command run here.
std::string local_shell(const std::string& command) {
  std::string out;
  if (FILE* p = ::popen(command.c_str(), "r")) {
    char buffer[4096];
    for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, p)) > 0;) out.append(buffer, n);
    ::pclose(p);
  }
  return out;
}

TEST_F(DistributedFleetsTest, ALostConnectionToAFleetsHostEndsTheRunNamingTheHost) {
  if (!hosts_.netns()) GTEST_SKIP() << hosts_.no_netns_message("cutting a host off");
  auto drover = start_with_agents_running(tickets("file", 10, "60s"));
  // The sshd on load1 that serves drover's connection, found by drover's
  // end of it, is killed: the connection is gone mid-run. (ci/netns-hosts
  // puts host i in namespace drover-h<i+1>, behind 10.99.0.1.)
  const std::string load1 = hosts_.addresses.at(1);
  std::string port = local_shell(fmt::format(
      "ss -tnpH dst {}:22 | grep 'pid={},' | awk '{{print $4}}' | sed 's/.*://' | head -1", load1,
      drover->pid()));
  port.erase(port.find_last_not_of("\n") + 1);
  ASSERT_FALSE(port.empty()) << "no connection from drover to " << load1;
  std::string sshd = local_shell(fmt::format(
      "ip netns exec drover-h2 ss -tnpH src :22 dst 10.99.0.1:{} | grep -o 'pid=[0-9]*' | "
      "cut -d= -f2",
      port));
  ASSERT_FALSE(sshd.empty()) << "no sshd serving port " << port << " on load1";
  for (std::istringstream pids(sshd); pids;) {
    int pid = 0;
    if (pids >> pid) ::kill(pid, SIGKILL);
  }
  Finished f = drover->wait(60s);
  EXPECT_EQ(f.exit_code, 3) << f.out << f.err;
  EXPECT_THAT(f.out + f.err, HasSubstr("on host \"load1\""));
  EXPECT_LT(f.seconds, 40) << "the run should end soon after, not run its 60 s";
  json summary = read_summary(run_dir_);
  EXPECT_EQ(summary["result"], "error");
  // TearDown: the watchers on every host cleaned up (load1's saw its
  // connection close; the others were let go by drover).
}

TEST_F(DistributedFleetsTest, AFleetOnAHostCannotDriveATargetOnThisMachinesLoopback) {
  json doc = tickets("file", 4, "1s");
  doc["targets"]["tickets"].erase("host");
  Finished f = run(doc);
  EXPECT_EQ(f.exit_code, 3) << f.out << f.err;
  EXPECT_THAT(f.out + f.err, HasSubstr("fleet \"buyers\" on host \"load1\""));
  EXPECT_THAT(f.out + f.err, HasSubstr("loopback"));
}

}  // namespace
}  // namespace drover::test::distributed_fleets_test
