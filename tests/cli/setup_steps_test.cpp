// "setup" steps, run by drover before any target starts: on this machine,
// and on the SSH hosts ci/netns-hosts started (those tests skip without
// them). Also a command target, the user's own server, run on a host.
#include <signal.h>
#include <unistd.h>

#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "harness/remote/shell_quote.hpp"
#include "tests/cli/drover_cli.hpp"
#include "tests/support/ssh_hosts.hpp"

namespace drover::test::setup_steps_test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using ::testing::HasSubstr;

// A udp_echo on this machine and a short closed load: the part of the run
// after the setup steps, which must pass.
json base_scenario() {
  return json::parse(R"({"name": "setup-steps",
      "targets": {"echo": {"kind": "udp_echo"}},
      "fleets": [{"name": "c", "target": "echo", "clients": 2,
                  "op": {"send": "hi {seq}", "expect": "upper"}}],
      "load": {"model": "closed", "duration": "300ms", "think_time": "10ms"}})");
}

class SetupStepsTest : public ::testing::Test {
 protected:
  void SetUp() override { run_dir_ = dir_.path() / test_ssh::run_folder_name(); }

  fs::path write(const json& doc) {
    fs::path file = dir_.path() / "scenario.json";
    std::ofstream(file) << doc.dump(2);
    return file;
  }

  Finished run(const json& doc) {
    return run_drover({"run", write(doc).string(), "--out", run_dir_.string(), "--quiet"},
                      dir_.path(), 90s);
  }

  TempDir dir_;
  fs::path run_dir_;
};

TEST_F(SetupStepsTest, LocalStepsRunInOrderInTheScenarioFolderBeforeTheTargets) {
  json doc = base_scenario();
  doc["setup"] = json::parse(R"([
      {"run": ["sh", "-c", "echo first >> order.txt"]},
      {"run": ["false"], "allow_failure": true},
      {"run": ["sh", "-c", "echo second >> order.txt; echo to-stdout; echo to-stderr >&2"]}])");
  Finished f = run(doc);
  ASSERT_EQ(f.exit_code, 0) << f.out << f.err;
  EXPECT_EQ(read_file(dir_.path() / "order.txt"), "first\nsecond\n");
  // The allowed failure is said, not hidden.
  EXPECT_THAT(f.err, HasSubstr("/setup/1"));

  json summary = read_summary(run_dir_);
  ASSERT_EQ(summary["setup"].size(), 3u) << summary["setup"];
  const json& failed = summary["setup"][1];
  EXPECT_EQ(failed["step"], "/setup/1");
  EXPECT_TRUE(failed["host"].is_null());
  EXPECT_EQ(failed["argv"], json::array({"false"}));
  EXPECT_EQ(failed["exit_status"], 1);
  EXPECT_EQ(failed["ok"], false);
  EXPECT_EQ(failed["allow_failure"], true);
  EXPECT_EQ(failed["log"], "logs/setup-1-local.log");
  EXPECT_EQ(summary["setup"][2]["ok"], true);
  EXPECT_GE(summary["setup"][2]["duration_s"].get<double>(), 0.0);

  std::string log = read_file(run_dir_ / "logs" / "setup-2-local.log");
  EXPECT_THAT(log, HasSubstr("command: sh -c 'echo second >> order.txt;"));
  EXPECT_THAT(log, HasSubstr("result: exited with status 0"));
  EXPECT_THAT(log, HasSubstr("--- stdout ---\nto-stdout\n"));
  EXPECT_THAT(log, HasSubstr("--- stderr ---\nto-stderr\n"));
  // The local target ran on this machine, and says so.
  EXPECT_TRUE(summary["targets"].at(0)["host"].is_null()) << summary["targets"];
  EXPECT_THAT(read_file(run_dir_ / "report.html"), HasSubstr("<h2>Setup</h2>"));
}

TEST_F(SetupStepsTest, AFailingStepIsExit3AndNoTargetStarts) {
  json doc = base_scenario();
  doc["setup"] = json::parse(R"([{"run": ["true"]},
      {"run": ["sh", "-c", "echo disk full >&2; exit 4"]},
      {"run": ["sh", "-c", "echo never > never.txt"]}])");
  Finished f = run(doc);
  EXPECT_EQ(f.exit_code, 3) << f.out << f.err;
  EXPECT_THAT(f.out + f.err, HasSubstr("setup step /setup/1 on this machine"));
  EXPECT_THAT(f.out + f.err, HasSubstr("exited with status 4"));
  EXPECT_FALSE(fs::exists(dir_.path() / "never.txt")) << "a step after the failed one ran";

  // The run folder still has its reports, marked as an infrastructure failure.
  json summary = read_summary(run_dir_);
  EXPECT_EQ(summary["result"], "error");
  EXPECT_EQ(summary["exit_code"], 3);
  EXPECT_THAT(summary["errors"].dump(), HasSubstr("/setup/1"));
  EXPECT_EQ(summary["targets"].size(), 0u) << "a target started after a failed setup";
  ASSERT_EQ(summary["setup"].size(), 2u);
  EXPECT_EQ(summary["setup"][1]["exit_status"], 4);
  EXPECT_THAT(read_file(run_dir_ / "logs" / "setup-1-local.log"), HasSubstr("disk full"));
  EXPECT_TRUE(fs::exists(run_dir_ / "report.html"));
  // junit.xml has both steps that ran, the failed one as an error.
  const std::string junit = read_file(run_dir_ / "junit.xml");
  EXPECT_THAT(junit, HasSubstr("name=\"/setup/0 on this machine: true\""));
  EXPECT_THAT(junit, HasSubstr("<error message=\"exited with status 4\" type=\"setup\">"));
  EXPECT_TRUE(leftover_processes(run_dir_).empty());
}

TEST_F(SetupStepsTest, AStepPastItsTimeoutIsKilledWithWhatItStarted) {
  const std::string marker = fmt::format("setup-timeout-{}", ::getpid());
  json doc = base_scenario();
  doc["setup"] = json::array(
      {{{"run", {"sh", "-c", "sh -c 'sleep 30; : " + marker + "' & sleep 30; : " + marker}},
        {"timeout", "500ms"}}});
  Finished f = run(doc);
  EXPECT_EQ(f.exit_code, 3) << f.out << f.err;
  EXPECT_LT(f.seconds, 10.0);
  EXPECT_THAT(f.out + f.err, HasSubstr("timed out after 0.5 s"));
  json summary = read_summary(run_dir_);
  EXPECT_TRUE(summary["setup"][0]["exit_status"].is_null());
  EXPECT_THAT(summary["setup"][0]["outcome"].get<std::string>(), HasSubstr("timed out"));
  EXPECT_TRUE(processes_with_arg(marker).empty());
}

TEST_F(SetupStepsTest, AnInterruptLetsTheCurrentStepEndAndStartsNoOther) {
  json doc = base_scenario();
  // The first step runs until this test lets it end (30 s at most).
  doc["setup"] = json::parse(R"([{"run": ["sh", "-c",
      "touch started; i=0; while [ ! -e go ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done"]},
      {"run": ["touch", "second"]}])");
  DroverProcess drover({"run", write(doc).string(), "--out", run_dir_.string(), "--quiet"},
                       dir_.path());
  ASSERT_TRUE(eventually([&] { return fs::exists(dir_.path() / "started"); }, 20s))
      << "the first step never started";
  drover.signal(SIGINT);
  ASSERT_TRUE(drover.wait_for_stderr("drover: interrupted", 10s)) << drover.err();
  dir_.write("go", "");
  Finished f = drover.wait(30s);
  EXPECT_EQ(f.exit_code, 3) << f.out << f.err;
  EXPECT_FALSE(fs::exists(dir_.path() / "second"));
  json summary = read_summary(run_dir_);
  EXPECT_EQ(summary["interrupted"], true);
  EXPECT_THAT(summary["errors"].dump(), HasSubstr("interrupted before setup step /setup/1"));
  ASSERT_EQ(summary["setup"].size(), 1u);
  EXPECT_EQ(summary["setup"][0]["ok"], true);
  EXPECT_EQ(summary["targets"].size(), 0u);
}

TEST_F(SetupStepsTest, OutputIsBoundedInTheLog) {
  json doc = base_scenario();
  // 3 MiB on stdout: more than a step keeps (1 MiB), all of it read.
  doc["setup"] = json::parse(R"([{"run": ["sh", "-c", "head -c 3145728 /dev/zero"]}])");
  Finished f = run(doc);
  ASSERT_EQ(f.exit_code, 0) << f.out << f.err;
  std::string log = read_file(run_dir_ / "logs" / "setup-0-local.log");
  EXPECT_THAT(log, HasSubstr("(output truncated: 1048576 bytes kept of each stream)"));
  EXPECT_LT(log.size(), 1100000u);
  EXPECT_GT(log.size(), 1048576u);
}

// The secrets drover reads for its hosts' logins (the variables a
// password_env and a passphrase_env name, SSH_AUTH_SOCK for an agent
// login) stay drover's: a local step and a local command target, each
// dumping its environment, get the rest of it but not them.
TEST_F(SetupStepsTest, LocalStepsAndTargetsNeverGetTheHostsSecrets) {
  json doc = base_scenario();
  doc["hosts"] = json::parse(R"({
      "db": {"address": "10.99.0.2", "user": "u",
             "auth": {"password_env": "DROVER_TEST_DB_PASSWORD"}},
      "load": {"address": "10.99.0.3", "user": "u",
               "auth": {"agent": true, "key_file": "/nonexistent/id_ed25519",
                        "passphrase_env": "DROVER_TEST_KEY_PASSPHRASE"}}})");
  doc["setup"] = json::parse(R"([{"run": ["sh", "-c", "env > step-env.txt"]}])");
  doc["targets"]["dump"] = json::parse(R"({
      "command": ["sh", "-c", "env > target-env.txt; echo up; exec sleep 600"],
      "ready": {"stdout": "^up$"}, "protocol": "udp", "address": "127.0.0.1:9"})");
  const char* agent = std::getenv("SSH_AUTH_SOCK");
  const std::string saved_agent = agent ? agent : "";
  ::setenv("DROVER_TEST_DB_PASSWORD", "db-s3cret", 1);
  ::setenv("DROVER_TEST_KEY_PASSPHRASE", "key-s3cret", 1);
  ::setenv("SSH_AUTH_SOCK", "/tmp/agent-s3cret.sock", 1);
  ::setenv("DROVER_TEST_NOT_SECRET", "shown", 1);
  Finished f = run(doc);
  ::unsetenv("DROVER_TEST_DB_PASSWORD");
  ::unsetenv("DROVER_TEST_KEY_PASSPHRASE");
  ::unsetenv("DROVER_TEST_NOT_SECRET");
  if (agent) {
    ::setenv("SSH_AUTH_SOCK", saved_agent.c_str(), 1);
  } else {
    ::unsetenv("SSH_AUTH_SOCK");
  }
  ASSERT_EQ(f.exit_code, 0) << f.out << f.err;
  for (const char* file : {"step-env.txt", "target-env.txt"}) {
    const std::string env = "\n" + read_file(dir_.path() / file);
    EXPECT_THAT(env, HasSubstr("\nDROVER_TEST_NOT_SECRET=shown\n")) << file;
    EXPECT_THAT(env, ::testing::Not(HasSubstr("s3cret"))) << file;
  }
  EXPECT_THAT(read_file(dir_.path() / "target-env.txt"), HasSubstr("\nDROVER_RUN_DIR="));
}

TEST_F(SetupStepsTest, AMissingProgramFailsTheStep) {
  json doc = base_scenario();
  doc["setup"] = json::parse(R"([{"run": ["no-such-program-drover"]}])");
  Finished f = run(doc);
  EXPECT_EQ(f.exit_code, 3) << f.out << f.err;
  EXPECT_THAT(f.out + f.err, HasSubstr("no-such-program-drover"));
  EXPECT_THAT(read_summary(run_dir_)["setup"][0]["outcome"].get<std::string>(),
              HasSubstr("could not run"));
}

// On the SSH hosts: host 0 is declared as db1.
class RemoteSetupStepsTest : public SetupStepsTest {
 protected:
  void SetUp() override {
    auto loaded = test_ssh::load_ssh_hosts();
    if (!loaded) GTEST_SKIP() << test_ssh::missing_hosts_message();
    hosts_ = *loaded;
    SetupStepsTest::SetUp();
  }

  // Nothing of this run is left on the host: no run folder, no process.
  void TearDown() override {
    if (IsSkipped()) return;
    EXPECT_EQ(test_ssh::run_folders_on(session(), run_dir_.string()), "") << "left on the host";
    EXPECT_EQ(test_ssh::run_processes_on(session(), run_dir_.string()), "")
        << "processes of the run still there";
  }

  test_ssh::HostSession& session() {
    if (!session_) session_ = std::make_unique<test_ssh::HostSession>(hosts_.with_key(0));
    return *session_;
  }

  json with_db1(json doc) const {
    doc["hosts"] = {{"db1", hosts_.scenario_host(0)}};
    return doc;
  }

  test_ssh::SshHosts hosts_;
  std::unique_ptr<test_ssh::HostSession> session_;
};

TEST_F(RemoteSetupStepsTest, StepsOnAHostAndHereRunInOrderWithTheirOutputLogged) {
  json doc = with_db1(base_scenario());
  doc["setup"] = json::parse(R"([
      {"host": "db1", "run": ["df", "-h", "/"]},
      {"host": "db1", "run": ["false"], "allow_failure": true},
      {"run": ["echo", "local"]},
      {"host": "db1", "run": ["sh", "-c", "id -un; echo oops >&2"]}])");
  Finished f = run(doc);
  ASSERT_EQ(f.exit_code, 0) << f.out << f.err;
  json summary = read_summary(run_dir_);
  ASSERT_EQ(summary["setup"].size(), 4u) << summary["setup"];
  const json& df = summary["setup"][0];
  EXPECT_EQ(df["host"], "db1");
  EXPECT_EQ(df["host_address"], hosts_.addresses.at(0));
  EXPECT_EQ(df["argv"], json::array({"df", "-h", "/"}));
  EXPECT_EQ(df["exit_status"], 0);
  EXPECT_EQ(df["ok"], true);
  EXPECT_EQ(summary["setup"][1]["exit_status"], 1);
  EXPECT_TRUE(summary["setup"][2]["host"].is_null());
  EXPECT_THAT(read_file(run_dir_ / "logs" / "setup-0-db1.log"), HasSubstr("Filesystem"));
  EXPECT_THAT(read_file(run_dir_ / "logs" / "setup-0-db1.log"),
              HasSubstr("on: host \"db1\" (" + hosts_.user() + "@" + hosts_.addresses.at(0)));
  EXPECT_THAT(read_file(run_dir_ / "logs" / "setup-2-local.log"), HasSubstr("local"));
  // It ran as the scenario's user on the host, with both streams kept apart.
  std::string log = read_file(run_dir_ / "logs" / "setup-3-db1.log");
  EXPECT_THAT(log, HasSubstr("--- stdout ---\n" + hosts_.user() + "\n--- stderr ---\noops\n"));
}

TEST_F(RemoteSetupStepsTest, ArgumentsReachTheHostAsTheyAreNeverAsShellSyntax) {
  const std::string pwned = fmt::format("/tmp/drover-pwned-{}", ::getpid());
  json doc = with_db1(base_scenario());
  doc["setup"] = json::array({{{"host", "db1"},
                               {"run",
                                {"echo", "$(touch " + pwned + ")", ";", "rm", "*", "`id`", "a b",
                                 "'q'", "\"d\"", "&&", "|", "\\", "", "$HOME"}}}});
  Finished f = run(doc);
  ASSERT_EQ(f.exit_code, 0) << f.out << f.err;
  std::string log = read_file(run_dir_ / "logs" / "setup-0-db1.log");
  EXPECT_THAT(log, HasSubstr("--- stdout ---\n$(touch " + pwned +
                             ") ; rm * `id` a b 'q' \"d\" && | \\  $HOME\n"));
  auto touched = session().exec({"test", "-e", pwned}, Clock::now() + 10s);
  EXPECT_FALSE(touched.succeeded()) << pwned << " was created on the host";
  EXPECT_FALSE(fs::exists(pwned));
}

TEST_F(RemoteSetupStepsTest, OutputFromAHostIsBoundedInTheLog) {
  json doc = with_db1(base_scenario());
  doc["setup"] = json::parse(R"([{"host": "db1",
      "run": ["sh", "-c", "head -c 3145728 /dev/zero; echo tail >&2"]}])");
  Finished f = run(doc);
  ASSERT_EQ(f.exit_code, 0) << f.out << f.err;
  std::string log = read_file(run_dir_ / "logs" / "setup-0-db1.log");
  EXPECT_THAT(log, HasSubstr("(output truncated: 1048576 bytes kept of each stream)"));
  EXPECT_THAT(log, HasSubstr("--- stderr ---\ntail\n"));
  EXPECT_LT(log.size(), 1100000u);
  EXPECT_GT(log.size(), 1048576u);
}

TEST_F(RemoteSetupStepsTest, AFailingStepOnAHostIsExit3NamingTheHostAndTheStep) {
  json doc = with_db1(base_scenario());
  // A target on the host too: it must never be deployed or started.
  doc["targets"]["remote"] = {{"kind", "tcp_fork_echo"}, {"host", "db1"}};
  doc["setup"] = json::parse(R"([{"host": "db1", "run": ["true"]},
      {"host": "db1", "run": ["sh", "-c", "echo no space left >&2; exit 5"]}])");
  Finished f = run(doc);
  EXPECT_EQ(f.exit_code, 3) << f.out << f.err;
  EXPECT_THAT(f.out + f.err, HasSubstr("setup step /setup/1 on host \"db1\" (" + hosts_.user() +
                                       "@" + hosts_.addresses.at(0)));
  EXPECT_THAT(f.out + f.err, HasSubstr("exited with status 5"));
  json summary = read_summary(run_dir_);
  EXPECT_EQ(summary["result"], "error");
  EXPECT_EQ(summary["targets"].size(), 0u);
  EXPECT_EQ(summary["setup"][1]["exit_status"], 5);
  EXPECT_THAT(read_file(run_dir_ / "logs" / "setup-1-db1.log"), HasSubstr("no space left"));
  EXPECT_TRUE(fs::exists(run_dir_ / "report.html"));
  EXPECT_TRUE(leftover_processes(run_dir_).empty());
}

TEST_F(RemoteSetupStepsTest, AStepPastItsTimeoutOnAHostIsKilledThere) {
  const std::string marker = fmt::format("remote-setup-timeout-{}", ::getpid());
  json doc = with_db1(base_scenario());
  doc["setup"] = json::array(
      {{{"host", "db1"}, {"run", {"sh", "-c", "sleep 30; : " + marker}}, {"timeout", "1s"}}});
  Finished f = run(doc);
  EXPECT_EQ(f.exit_code, 3) << f.out << f.err;
  EXPECT_LT(f.seconds, 15.0);
  EXPECT_THAT(f.out + f.err, HasSubstr("timed out after 1.0 s"));
  EXPECT_THAT(f.out + f.err, HasSubstr("db1"));
  // "[r]" keeps pgrep from finding the shell that runs it.
  std::string pattern = "[r]" + marker.substr(1);
  auto left =
      session().exec_shell("pgrep -f " + shell_quote(pattern) + "; true", Clock::now() + 10s);
  EXPECT_EQ(left.out, "") << "the step's process is still on the host";
}

TEST_F(RemoteSetupStepsTest, AnUnreachableHostFailsTheStepNamingIt) {
  std::string unreachable = hosts_.var("DROVER_SSH_UNREACHABLE");
  if (unreachable.empty()) GTEST_SKIP() << "no unreachable address in " << hosts_.env_file;
  json doc = with_db1(base_scenario());
  doc["hosts"]["db1"]["address"] = unreachable;
  doc["hosts"]["db1"]["connect_timeout"] = "1s";
  doc["setup"] = json::parse(R"([{"host": "db1", "run": ["true"]}])");
  Finished f = run(doc);
  EXPECT_EQ(f.exit_code, 3) << f.out << f.err;
  EXPECT_THAT(f.out + f.err, HasSubstr("setup step /setup/0 on host \"db1\""));
  EXPECT_THAT(f.out + f.err, HasSubstr("could not run"));
  EXPECT_LT(f.seconds, 10.0);
}

// The user's own server, given as a command, on a host: here one of the
// reference executables by its absolute path (the namespace hosts share
// this machine's files), with its own flags, as a user would start theirs.
TEST_F(RemoteSetupStepsTest, ACommandTargetOnAHostPassesAndLeavesNothingBehind) {
  const int port = 20000 + ::getpid() % 20000;
  const std::string executable = targets_dir() + "/tcp_fork_echo";
  json doc = with_db1(base_scenario());
  doc["targets"] = {
      {"server",
       {{"command", {executable, "--host", "0.0.0.0", "--port", std::to_string(port)}},
        {"host", "db1"},
        {"protocol", "tcp"},
        {"ready", {{"tcp", fmt::format("0.0.0.0:{}", port)}, {"timeout", "10s"}}}}}};
  doc["fleets"] = json::parse(R"([{"name": "c", "target": "server", "clients": 4,
      "op": {"send": "hello {client}-{seq}", "expect": "upper", "framing": "line"}}])");
  doc["load"] = json::parse(R"({"model": "closed", "duration": "1s", "think_time": "5ms"})");
  doc["thresholds"] = json::parse(R"({"errors.rate": "< 0.01", "ops": "> 20"})");
  doc["setup"] = json::array({{{"host", "db1"}, {"run", {"test", "-x", executable}}}});
  Finished f = run(doc);
  ASSERT_EQ(f.exit_code, 0) << f.out << f.err;
  json summary = read_summary(run_dir_);
  const json& target = summary["targets"].at(0);
  EXPECT_EQ(target["kind"], "command");
  EXPECT_EQ(target["host"], "db1");
  EXPECT_EQ(target["host_address"], hosts_.addresses.at(0));
  EXPECT_EQ(target["address"], fmt::format("{}:{}", hosts_.addresses.at(0), port));
  EXPECT_GT(summary["totals"]["ok"].get<int>(), 20);
  for (const auto& i : summary["invariants"]) EXPECT_TRUE(i["ok"].get<bool>()) << i;
  EXPECT_THAT(read_file(run_dir_ / "logs" / "server.stdout.log"),
              ::testing::ContainsRegex("READY tcp 0\\.0\\.0\\.0:" + std::to_string(port)));
  EXPECT_THAT(read_file(run_dir_ / "report.html"),
              HasSubstr("on db1 (" + hosts_.addresses.at(0) + ")"));
  // Nothing listens on the port any more (TearDown checks the folder and
  // the processes).
  auto listening = session().exec_shell(
      fmt::format("ss -Htln 'sport = :{}' 2>/dev/null; true", port), Clock::now() + 10s);
  EXPECT_EQ(listening.out, "");
}

}  // namespace
}  // namespace drover::test::setup_steps_test
