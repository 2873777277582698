// Real partitions: drover cuts a namespace host (ci/netns-hosts) off with an
// nftables table inside its network namespace while the load runs. The
// effect is measured (operations to the target fail while it lasts and
// recover after), the correct ticket_db keeps no_oversell across it, the
// table is gone after the run, and one a SIGKILLed drover left behind is
// removed by the next run. Needs root and the hosts; skips without them.
#include <unistd.h>

#include <regex>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "harness/faults/partition_rules.hpp"
#include "harness/process/host.hpp"
#include "tests/cli/drover_cli.hpp"
#include "tests/support/ssh_hosts.hpp"

namespace drover::test::partition_test {
namespace {

// A system tool run here to its end: whether it succeeded, and its output.
struct ToolResult {
  bool succeeded = false;
  std::string output;  // stdout, then stderr
  bool ok() const { return succeeded; }
};

ToolResult run_command(const std::vector<std::string>& argv, TimePoint deadline) {
  try {
    CommandOutput r = make_local_host()->run(argv, "", deadline, 1 << 20);
    return {r.succeeded(), r.out + r.err};
  } catch (const HostError& e) {
    return {false, e.what()};
  }
}

using namespace std::chrono_literals;
using nlohmann::json;
using ::testing::HasSubstr;

class PartitionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "partitions need root (nftables in a namespace)";
    auto loaded = test_ssh::load_ssh_hosts();
    if (!loaded) GTEST_SKIP() << test_ssh::missing_hosts_message();
    hosts_ = *loaded;
    if (!hosts_.netns() || hosts_.addresses.size() < 2) {
      GTEST_SKIP() << hosts_.no_netns_message("a partition");
    }
    if (!run({"nft", "list", "tables"}).ok()) {
      GTEST_SKIP() << "nft does not work here (Debian: apt-get install nftables)";
    }
    // The last host: the other SSH tests use the first one most, and a
    // partition cuts a whole host off.
    cut_ = hosts_.addresses.size() - 1;
    netns_ = netns_of(hosts_.addresses[cut_]);
    ASSERT_FALSE(netns_.empty()) << hosts_.addresses[cut_] << " is in no network namespace";
    run_dir_ = dir_.path() / test_ssh::run_folder_name();
  }

  void TearDown() override {
    if (IsSkipped()) return;
    // Whatever a test left (a killed drover's target and remote folder).
    for (int pid : processes_with_env("DROVER_RUN_DIR", run_dir_.string())) ::kill(pid, SIGKILL);
    run_command({"sh", "-c", "rm -rf /tmp/drover-run-" + run_dir_.filename().string() + "-*"},
                Clock::now() + 10s);
  }

  static ToolResult run(const std::vector<std::string>& argv) {
    return run_command(argv, Clock::now() + 10s);
  }
  // nft in the cut host's namespace.
  ToolResult nft(const std::vector<std::string>& args) const {
    std::vector<std::string> argv{"ip", "netns", "exec", netns_, "nft"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv);
  }
  static std::string netns_of(const std::string& address) {
    ToolResult list = run({"ip", "netns", "list"});
    std::istringstream lines(list.output);
    for (std::string line; std::getline(lines, line);) {
      std::string name = line.substr(0, line.find(' '));
      ToolResult addr = run({"ip", "-n", name, "-o", "addr", "show"});
      for (const std::string& a : addresses_in_listing(addr.output))
        if (a == address) return name;
    }
    return "";
  }
  // drover's partition tables in the cut host's namespace.
  std::vector<std::string> partition_tables() const {
    std::vector<std::string> ours;
    for (const std::string& t : inet_tables(nft({"list", "tables"}).output))
      if (partition_table_owner(t)) ours.push_back(t);
    return ours;
  }
  std::vector<std::string> tables_of(int pid) const {
    std::vector<std::string> ours;
    for (const std::string& t : partition_tables())
      if (partition_table_owner(t)->pid == pid) ours.push_back(t);
    return ours;
  }
  // tables_of(pid), once there is one (30 s at most).
  std::vector<std::string> wait_for_tables_of(int pid) const {
    std::vector<std::string> tables;
    eventually([&] { return !(tables = tables_of(pid)).empty(); }, 30s, 50ms);
    return tables;
  }
  // The port the run's ticket_db listens on in the cut host's namespace, as
  // ss there shows it, once it does (10 s at most): that of the server
  // itself, not of one of the BUY processes it forks (which carry
  // DROVER_RUN_DIR too, and which an earlier pid may be, pids wrapping).
  // The namespace hosts share this machine's /proc, so ss names the pid.
  std::string target_port(std::string& listening) const {
    std::smatch port;
    eventually(
        [&] {
          const int server = run_target(run_dir_, "ticket_db");
          listening = run({"ip", "netns", "exec", netns_, "ss", "-Hltnp"}).output;
          return server != 0 &&
                 std::regex_search(
                     listening, port,
                     std::regex(":([0-9]+) [^\n]*pid=" + std::to_string(server) + ","));
        },
        10s, 50ms);
    return port.empty() ? "" : port[1].str();
  }

  std::string host_json(std::size_t i) const { return hosts_.scenario_host(i).dump(); }

  // ticket_db on the cut host ("db"), the other host declared as "peer", 5
  // buyers from here waiting `timeout` for each reply (a healthy BUY takes
  // well under 100 ms even as they queue for the file lock).
  fs::path write_scenario(const std::string& duration, const std::string& faults,
                          const std::string& timeout = "1s") {
    std::size_t peer = cut_ == 0 ? 1 : 0;
    std::string text = R"({"name": "tickets-partition", "hosts": {"db": )" + host_json(cut_) +
                       R"(, "peer": )" + host_json(peer) + R"(},
        "targets": {"tickets": {"kind": "ticket_db", "host": "db",
                                "args": {"stock": 1000000, "lock": "file"}}},
        "fleets": [{"name": "buyers", "target": "tickets", "clients": 5,
                    "op": {"workload": "buy", "timeout": ")" +
                       timeout + R"("}}],
        "load": {"model": "closed", "duration": ")" +
                       duration + R"(", "think_time": "5ms"},
        "faults": )" + faults +
                       "}";
    return dir_.write("scenario.json", text);
  }

  std::vector<std::string> run_args(const fs::path& scenario) const {
    return {"run", scenario.string(), "--out", run_dir_.string(), "--quiet"};
  }

  test_ssh::SshHosts hosts_;
  std::size_t cut_ = 0;
  std::string netns_;
  TempDir dir_;
  fs::path run_dir_;
};

// Cut off from 1.5 s to 4.5 s of an 8 s load: no errors before, no answer
// while it lasts (operations time out), answers again after; every sale is
// still accounted for, and the table is gone once the run is over. Seconds
// are judged against when the fault really started and ended, with room
// for the 1 s timeouts, so a busy machine does not fail the test.
TEST_F(PartitionTest, OperationsFailWhileCutOffAndRecoverAfter) {
  fs::path scenario = write_scenario(
      "8s", R"([{"at": "1500ms", "target": "tickets", "action": "partition", "for": "3s"}])");
  DroverProcess drover(run_args(scenario), dir_.path());
  // The table shows up in the host's namespace while it lasts.
  std::vector<std::string> during = wait_for_tables_of(drover.pid());
  ASSERT_EQ(during.size(), 1u) << "no partition table appeared in " << netns_;
  std::string rules = nft({"list", "table", "inet", during[0]}).output;
  EXPECT_THAT(rules, HasSubstr(fmt::format("tcp dport {} accept", hosts_.port)));
  EXPECT_THAT(rules, HasSubstr("drop"));
  Finished f = drover.wait(90s);
  // Timeouts are errors, but no threshold asks for none: the run passes.
  ASSERT_EQ(f.exit_code, 0) << f.out << f.err;
  EXPECT_TRUE(tables_of(drover.pid()).empty()) << "left in " << netns_;

  json s = read_summary(run_dir_);
  ASSERT_EQ(s["faults"].size(), 1u) << s["faults"];
  const json& fault = s["faults"][0];
  EXPECT_EQ(fault["action"], "partition");
  const double start = fault["start_s"].get<double>(), end = fault["end_s"].get<double>();
  EXPECT_NEAR(start, 1.5, 0.5);
  EXPECT_NEAR(end - start, 3.0, 0.5);
  EXPECT_THAT(fault["detail"].get<std::string>(), HasSubstr("netns " + netns_));
  EXPECT_THAT(fault["detail"].get<std::string>(), HasSubstr(during[0]));
  const json& series = s["series"];
  ASSERT_GE(series.size(), 7u) << series;
  std::uint64_t ok_before = 0, errors_before = 0, ok_during = 0, errors_during = 0, ok_after = 0;
  for (const json& second : series) {
    const double from = second["second"].get<double>(), to = from + 1;
    const auto errors = second["errors"].get<std::uint64_t>();
    const auto ok = second["ops"].get<std::uint64_t>() - errors;
    if (to <= start) {
      ok_before += ok;
      errors_before += errors;
    } else if (from >= start + 0.5 && to <= end) {
      // An answer already on its way when the rules went in may still land.
      ok_during += ok;
      errors_during += errors;
    } else if (from >= end + 1.5) {
      // Past the timeouts of what was in flight when the partition healed.
      ok_after += ok;
    }
  }
  // How many, before and after, depends on how busy the machine is; that
  // there are some does not.
  EXPECT_GT(ok_before, 0u) << series;
  EXPECT_EQ(errors_before, 0u) << series;
  EXPECT_EQ(ok_during, 0u) << series;
  EXPECT_GT(errors_during, 0u) << series;
  EXPECT_GT(ok_after, 0u) << series;
  const json* sold = find_invariant(s, "no_oversell");
  ASSERT_NE(sold, nullptr) << s["invariants"];
  EXPECT_TRUE((*sold)["ok"].get<bool>()) << (*sold)["detail"];
  const json* alive = find_invariant(s, "target_alive");
  ASSERT_NE(alive, nullptr);
  EXPECT_TRUE((*alive)["ok"].get<bool>()) << (*alive)["detail"];
  // The history holds the fault, and the unanswered BUYs as unknown outcomes.
  std::string history = read_file(run_dir_ / "history.jsonl");
  EXPECT_THAT(history, HasSubstr(R"("fleet":"@nemesis","type":"info","f":"partition")"));
  EXPECT_THAT(
      history,
      HasSubstr(R"("fleet":"@nemesis","type":"info","f":"partition_end","value":"tickets")"));
  EXPECT_THAT(history, HasSubstr(R"("fleet":"buyers","type":"info")"));
  std::string html = read_file(run_dir_ / "report.html");
  EXPECT_THAT(html, HasSubstr("class=\"band\""));
  EXPECT_TRUE(leftover_processes(run_dir_).empty());
}

// Cut off only from the other host: the fleets here do not notice, the
// table drops only that host's address, and the target's port, still
// reached from here, is not from the other host's namespace.
TEST_F(PartitionTest, APartitionFromAnotherHostLeavesTheFleetsAlone) {
  fs::path scenario = write_scenario(
      "3s", R"([{"at": "500ms", "target": "tickets", "action": "partition", "from": ["peer"]}])",
      "2s");
  DroverProcess drover(run_args(scenario), dir_.path());
  std::vector<std::string> during = wait_for_tables_of(drover.pid());
  ASSERT_EQ(during.size(), 1u);
  std::string peer = hosts_.addresses[cut_ == 0 ? 1 : 0];
  std::string rules = nft({"list", "table", "inet", during[0]}).output;
  EXPECT_THAT(rules, HasSubstr("ip saddr " + peer + " drop"));
  EXPECT_THAT(rules, HasSubstr("ip daddr " + peer + " drop"));
  // The target's port: reached from here, not from the peer's namespace.
  std::string listening;
  const std::string port = target_port(listening);
  ASSERT_FALSE(port.empty()) << "ticket_db (pid " << run_target(run_dir_, "ticket_db")
                             << ") never listened in " << netns_ << ":\n"
                             << listening;
  std::string connect = fmt::format("exec 3<>/dev/tcp/{}/{}", hosts_.addresses[cut_], port);
  EXPECT_TRUE(run_command({"bash", "-c", connect}, Clock::now() + 3s).ok());
  ToolResult from_peer = run_command({"ip", "netns", "exec", netns_of(peer), "bash", "-c", connect},
                                     Clock::now() + 1500ms);
  EXPECT_FALSE(from_peer.ok()) << from_peer.output;
  Finished f = drover.wait(90s);
  ASSERT_EQ(f.exit_code, 0) << f.out << f.err;
  EXPECT_TRUE(tables_of(drover.pid()).empty());
  json s = read_summary(run_dir_);
  EXPECT_EQ(s["totals"]["errors"], 0) << s["totals"];
  ASSERT_EQ(s["faults"].size(), 1u);
  EXPECT_THAT(s["faults"][0]["detail"].get<std::string>(), HasSubstr("cut off from peer"));
}

// drover SIGKILLed in the middle of a partition leaves its table (nothing
// of drover runs to remove it); the next run, whatever its scenario,
// removes it, and leaves the table of a drover still running alone.
TEST_F(PartitionTest, TheNextRunRemovesATableAKilledDroverLeft) {
  fs::path scenario = write_scenario(
      "60s", R"([{"at": "200ms", "target": "tickets", "action": "partition", "for": "50s"}])");
  int killed_pid = 0;
  std::vector<std::string> left;
  {
    DroverProcess drover(run_args(scenario), dir_.path());
    killed_pid = drover.pid();
    left = wait_for_tables_of(killed_pid);
    ASSERT_EQ(left.size(), 1u) << "no partition table appeared in " << netns_;
    drover.signal(SIGKILL);
    drover.wait(10s);
  }
  EXPECT_EQ(tables_of(killed_pid), left) << "the table went with drover: nothing to test";

  // A table whose owner still runs (this test) must stay: an empty one,
  // which drops nothing.
  TableOwner alive{static_cast<int>(::getpid()), 0};
  {
    std::ifstream stat("/proc/self/stat");
    std::string line;
    std::getline(stat, line);
    alive.start_ticks = start_ticks_from_stat(line).value_or(0);
  }
  std::string kept = partition_table_name(alive, 99);
  ASSERT_TRUE(nft({"add", "table", "inet", kept}).ok());

  // Any run as root cleans up: here one with a target on this machine only.
  fs::path plain = dir_.write("plain.json", R"({"name": "plain",
      "targets": {"echo": {"kind": "udp_echo"}},
      "fleets": [{"name": "c", "target": "echo", "clients": 1, "op": {"send": "x"}}],
      "load": {"model": "closed", "duration": "300ms"}})");
  Finished f =
      run_drover({"run", plain.string(), "--out", (dir_.path() / "plain").string(), "--quiet"},
                 dir_.path(), 60s);
  EXPECT_EQ(f.exit_code, 0) << f.out << f.err;
  EXPECT_THAT(f.err, HasSubstr("warning: partitions: removed partition table " + left[0] +
                               " in network namespace " + netns_));
  EXPECT_TRUE(tables_of(killed_pid).empty()) << "still in " << netns_;
  EXPECT_EQ(tables_of(alive.pid), std::vector<std::string>{kept});
  EXPECT_TRUE(nft({"delete", "table", "inet", kept}).ok());
}

// A second Ctrl-C exits at once, without unwinding: the partition in force
// is removed on the way out all the same.
TEST_F(PartitionTest, ASecondCtrlCRemovesThePartitionInForce) {
  fs::path scenario = write_scenario(
      "60s", R"([{"at": "200ms", "target": "tickets", "action": "partition", "for": "50s"}])");
  DroverProcess drover(run_args(scenario), dir_.path());
  std::vector<std::string> during = wait_for_tables_of(drover.pid());
  ASSERT_EQ(during.size(), 1u) << "no partition table appeared in " << netns_;
  drover.signal(SIGINT);
  // Two signals sent at once may arrive as one: the second goes once drover
  // has taken the first.
  ASSERT_TRUE(drover.wait_for_stderr("drover: interrupted", 10s)) << drover.err();
  drover.signal(SIGINT);
  Finished f = drover.wait(30s);
  EXPECT_EQ(f.exit_code, 130) << f.out << f.err;
  EXPECT_TRUE(tables_of(drover.pid()).empty()) << "left in " << netns_;
}

// A host whose address no namespace here holds cannot be partitioned: the
// run fails as infrastructure (exit 3) before any target starts.
TEST_F(PartitionTest, AHostOutsideTheNamespacesIsRefusedAtStart) {
  std::string unreachable = hosts_.var("DROVER_SSH_UNREACHABLE");
  if (unreachable.empty()) unreachable = "10.99.0.200";
  fs::path scenario = dir_.write("outside.json", R"({"name": "outside",
      "hosts": {"far": {"address": ")" + unreachable +
                                                     R"(", "user": "u",
                        "auth": {"key_file": "/nonexistent"}}},
      "targets": {"tickets": {"kind": "ticket_db", "host": "far"}},
      "fleets": [{"name": "b", "target": "tickets", "clients": 1, "op": {"workload": "buy"}}],
      "load": {"duration": "1s"},
      "faults": [{"at": "0s", "target": "tickets", "action": "partition"}]})");
  Finished f = run_drover(run_args(scenario), dir_.path(), 60s);
  EXPECT_EQ(f.exit_code, 3) << f.out << f.err;
  json s = read_summary(run_dir_);
  EXPECT_THAT(s["errors"].dump(), HasSubstr("host \\\"far\\\" (" + unreachable +
                                            ") is not in a network namespace of this machine"));
  EXPECT_LT(f.seconds, 10);
}

}  // namespace
}  // namespace drover::test::partition_test
