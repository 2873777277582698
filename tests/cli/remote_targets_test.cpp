// Targets on SSH hosts: drover deploys a reference target to a host
// ci/netns-hosts started, runs it there, drives it from here, and leaves
// nothing behind on the host, also when the run fails.
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "harness/remote/shell_quote.hpp"
#include "tests/cli/drover_cli.hpp"
#include "tests/support/ssh_hosts.hpp"

namespace drover::test::remote_targets_test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using ::testing::HasSubstr;

class RemoteTargetsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loaded = test_ssh::load_ssh_hosts();
    if (!loaded) {
      GTEST_SKIP() << test_ssh::missing_hosts_message();
    }
    hosts_ = *loaded;
    run_dir_ = dir_.path() / test_ssh::run_folder_name();
  }

  // Nothing of this run is left on the host: no run folder, no process
  // (each carries DROVER_RUN_DIR=<run_dir_>, as local targets do).
  void TearDown() override {
    if (IsSkipped()) return;
    EXPECT_EQ(run_folders_on_host(), "") << "left on the host";
    EXPECT_EQ(test_ssh::run_processes_on(session(), run_dir_.string()), "")
        << "processes of the run still there";
  }

  test_ssh::HostSession& session() {
    if (!session_) session_ = std::make_unique<test_ssh::HostSession>(hosts_.with_key(0));
    return *session_;
  }

  // This run's folders on host 0 (/tmp/drover-run-<run folder name>-<random>).
  std::string run_folders_on_host() {
    return test_ssh::run_folders_on(session(), run_dir_.string());
  }

  // A "hosts" member declaring host 0 as db1; address and known_hosts may
  // be replaced.
  std::string host_json(const std::string& address = "", const std::string& known_hosts = "",
                        const std::string& extra = "") const {
    json host = hosts_.scenario_host(0);
    if (!address.empty()) host["address"] = address;
    if (!known_hosts.empty()) host["known_hosts"] = known_hosts;
    if (!extra.empty()) host.update(json::parse(extra));
    return json{{"db1", host}}.dump();
  }

  // tickets.json with its ticket_db on db1, shortened.
  fs::path write_scenario(const std::string& hosts, const std::string& target = "") {
    std::string tickets = target.empty() ? R"({"kind": "ticket_db", "host": "db1",
        "args": {"stock": 300, "lock": "file", "read_delay": 2, "write_delay": 2}})"
                                         : target;
    std::string text = R"({"name": "tickets-remote", "hosts": )" + hosts +
                       R"(, "targets": {"tickets": )" + tickets + R"(},
        "fleets": [{"name": "buyers", "target": "tickets", "clients": 40,
                    "op": {"workload": "buy", "timeout": "10s"}}],
        "load": {"model": "closed", "duration": "2s", "think_time": "10ms"},
        "thresholds": {"errors.rate": "< 0.01"}})";
    fs::path file = dir_.path() / "scenario.json";
    std::ofstream(file) << text;
    return file;
  }

  Finished run(const fs::path& scenario) {
    return run_drover({"run", scenario.string(), "--out", run_dir_.string(), "--quiet"},
                      dir_.path(), 90s);
  }

  test_ssh::SshHosts hosts_;
  std::unique_ptr<test_ssh::HostSession> session_;
  TempDir dir_;
  fs::path run_dir_;
};

TEST_F(RemoteTargetsTest, TicketDbOnAHostKeepsItsInvariantAndLeavesNothingBehind) {
  const fs::path& run_dir = run_dir_;
  DroverProcess drover(
      {"run", write_scenario(host_json()).string(), "--out", run_dir.string(), "--quiet"},
      dir_.path());
  // The run's folder shows up on the host while it runs (so TearDown's
  // check that it is gone looks in the right place).
  std::string during;
  eventually([&] { return !(during = run_folders_on_host()).empty(); }, 20s, 100ms);
  EXPECT_THAT(during, HasSubstr("/tmp/drover-run-" + run_dir.filename().string() + "-"));
  Finished f = drover.wait(90s);
  ASSERT_EQ(f.exit_code, 0) << f.out << f.err;
  json summary = read_summary(run_dir);
  const json* sold = find_invariant(summary, "no_oversell");
  ASSERT_NE(sold, nullptr) << summary["invariants"];
  EXPECT_TRUE((*sold)["ok"].get<bool>()) << *sold;
  const json& target = summary["targets"].at(0);
  EXPECT_THAT(target["address"].get<std::string>(),
              ::testing::StartsWith(hosts_.addresses[0] + ":"));
  EXPECT_THAT(target["logs"].dump(), HasSubstr("logs/tickets.stdout.log"));
  std::string out = read_file(run_dir / "logs" / "tickets.stdout.log");
  // Listening on the host's declared address alone, not every interface.
  EXPECT_THAT(out, ::testing::StartsWith("READY tcp " + hosts_.addresses[0] + ":"));
  EXPECT_TRUE(fs::exists(run_dir / "logs" / "tickets.stderr.log"));
  // The namespace hosts share this machine's /proc: the target carried
  // DROVER_RUN_DIR like a local one.
  EXPECT_TRUE(leftover_processes(run_dir).empty());
}

TEST_F(RemoteTargetsTest, TheNemesisKillsAndRestartsARemoteTargetAndItsWorkers) {
  // ticket_db forks a process per BUY: kill_worker finds them on the host.
  fs::path file = write_scenario(host_json());
  json doc = json::parse(read_file(file));
  doc["load"]["duration"] = "4s";
  doc.erase("thresholds");                   // a killed worker's BUY fails: that is the point
  doc["fleets"][0]["op"]["timeout"] = "2s";  // nor does its answer come
  // A worker lives for one BUY, and each try looks for one over SSH: on a
  // busy machine 8 tries once all came too late, so there are about 30.
  doc["faults"] = json::parse(R"([
      {"at": "500ms", "every": "100ms", "target": "tickets", "action": "kill_worker"},
      {"at": "1500ms", "target": "tickets", "action": "kill", "restart_after": "300ms"}])");
  std::ofstream(file) << doc.dump();
  const fs::path& run_dir = run_dir_;
  Finished f = run(file);
  ASSERT_EQ(f.exit_code, 0) << f.out << f.err;
  json summary = read_summary(run_dir);
  int workers_killed = 0;
  for (const auto& fault : summary["faults"]) {
    if (fault["action"] == "kill_worker" &&
        fault["detail"].get<std::string>().starts_with("SIGKILL to worker"))
      ++workers_killed;
  }
  EXPECT_GT(workers_killed, 0) << summary["faults"];
  const json& target = summary["targets"].at(0);
  EXPECT_EQ(target["restarts"], 1) << target;
  EXPECT_THAT(target["address"].get<std::string>(),
              ::testing::StartsWith(hosts_.addresses[0] + ":"));
  EXPECT_TRUE(fs::exists(run_dir / "logs" / "tickets.restart1.stdout.log")) << target["logs"];
  const json* sold = find_invariant(summary, "no_oversell");
  ASSERT_NE(sold, nullptr) << summary["invariants"];
  EXPECT_TRUE((*sold)["ok"].get<bool>()) << *sold;
  EXPECT_TRUE(leftover_processes(run_dir).empty());
}

TEST_F(RemoteTargetsTest, ATargetThatFailsOnTheHostLeavesNothingBehind) {
  // A command on the host that dies before it is ready: exit 3, its stderr
  // in the message and in logs/, and the host cleaned up all the same.
  std::string target = R"({"command": ["sh", "-c", "echo no tickets today >&2; exit 4"],
      "host": "db1", "protocol": "tickets", "address": "0.0.0.0:7399",
      "ready": {"stdout": "^READY", "timeout": "5s"}})";
  const fs::path& run_dir = run_dir_;
  Finished f = run(write_scenario(host_json(), target));
  EXPECT_EQ(f.exit_code, 3) << f.out << f.err;
  EXPECT_THAT(f.out + f.err, HasSubstr("no tickets today"));
  EXPECT_THAT(read_file(run_dir / "logs" / "tickets.stderr.log"), HasSubstr("no tickets today"));
}

TEST_F(RemoteTargetsTest, AMultiMegabyteReadyLineOnTheHostIsNoReadyLine) {
  // "READY tcp 0.0.0.0:" and 20 MB of digits on one line: drover reads it a
  // bounded chunk at a time and cuts it, so its ready regex (which recurses
  // per digit) never meets more than a bounded part, and it is no ready line.
  std::string target = R"({"command": ["sh", "-c",
        "printf 'READY tcp 0.0.0.0:'; head -c 20000000 /dev/zero | tr '\\0' 9; echo; sleep 30"],
      "host": "db1", "protocol": "tickets", "address": "0.0.0.0:7399",
      "ready": {"stdout": "^READY tcp [0-9.]+:[0-9]+$", "timeout": "5s"}})";
  const fs::path& run_dir = run_dir_;
  Finished f = run(write_scenario(host_json(), target));
  EXPECT_EQ(f.exit_code, 3) << f.out << f.err;
  EXPECT_THAT(f.out + f.err, HasSubstr("not ready after"));
  EXPECT_TRUE(leftover_processes(run_dir).empty());
}

TEST_F(RemoteTargetsTest, AProperReadyLineAfterAMultiMegabyteOneIsFoundOnTheHost) {
  // The namespace hosts share this machine's files: the target is the
  // reference ticket_db, run as a command after the long line.
  std::string target = R"({"command": ["sh", "-c",
        "printf 'READY tcp 0.0.0.0:'; head -c 20000000 /dev/zero | tr '\\0' 9; echo; exec )" +
                       std::string(DROVER_TARGETS_DIR) + R"(/ticket_db --host 0.0.0.0 --port 7399"],
      "host": "db1", "protocol": "tickets", "address": "0.0.0.0:7399",
      "ready": {"stdout": "^READY tcp [0-9.]+:[0-9]+$", "timeout": "20s"}})";
  Finished f = run(write_scenario(host_json(), target));
  EXPECT_EQ(f.exit_code, 0) << f.out << f.err;
  EXPECT_GT(read_summary(run_dir_)["totals"]["ok"].get<double>(), 0);
}

TEST_F(RemoteTargetsTest, AnUnreachableHostIsExit3NamingIt) {
  std::string unreachable = hosts_.var("DROVER_SSH_UNREACHABLE");
  if (unreachable.empty()) GTEST_SKIP() << "no unreachable address in " << hosts_.env_file;
  const fs::path& run_dir = run_dir_;
  Finished f = run(write_scenario(host_json(unreachable, "", R"({"connect_timeout": "1s"})")));
  EXPECT_EQ(f.exit_code, 3) << f.out << f.err;
  EXPECT_THAT(f.out + f.err, HasSubstr("db1 (" + hosts_.user() + "@" + unreachable));
  EXPECT_LT(f.seconds, 5.0);
  EXPECT_TRUE(leftover_processes(run_dir).empty());
}

TEST_F(RemoteTargetsTest, AnUnknownHostKeyIsExit3WithItsFingerprint) {
  fs::path empty = dir_.path() / "known_hosts";
  std::ofstream(empty).flush();
  const fs::path& run_dir = run_dir_;
  Finished f = run(write_scenario(host_json("", empty.string())));
  EXPECT_EQ(f.exit_code, 3) << f.out << f.err;
  EXPECT_THAT(f.out + f.err, HasSubstr("db1 ("));
  EXPECT_THAT(f.out + f.err, ::testing::ContainsRegex("not in known_hosts .* key is SHA256:"));
  EXPECT_TRUE(leftover_processes(run_dir).empty());
}

}  // namespace
}  // namespace drover::test::remote_targets_test
