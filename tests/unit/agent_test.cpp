// drover-agent's run of one job, in this process: what it says goes to the
// log it was given (never to stderr), and each way it can end gives its
// exit code. The agent waits for its signals with sigtimedwait, so each test
// runs it on a thread of its own with those signals blocked from the start,
// and signals that thread alone.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/agent/agent.hpp"
#include "harness/agent/agent_recording.hpp"
#include "harness/agent/job.hpp"
#include "harness/core/exit_code.hpp"
#include "tests/temp_dir.hpp"

namespace drover::agent_test {
namespace {

using namespace std::chrono_literals;
using test_files::TempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A loopback UDP port nothing listens on (bound, read back, closed).
int unused_udp_port() {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// One echo client, three iterations, against a port nobody answers: each
// operation ends as an error within its timeout, and the load then ends.
AgentJob small_job() {
  AgentJob job;
  job.host = "load1";
  job.fleet.name = "senders";
  job.fleet.target = "echo";
  job.fleet.clients = 1;
  job.fleet.first_op().workload = Workload::kEcho;
  job.fleet.first_op().send = "hello {seq}";
  job.fleet.first_op().timeout = 100ms;
  job.protocol = Protocol::kUdp;
  job.address = "127.0.0.1:" + std::to_string(unused_udp_port());
  job.load.model = LoadSpec::Model::kClosed;
  job.load.iterations = 3;
  job.threads = 1;
  job.bound = 60s;
  return job;
}

// run_agent on a thread of its own, its signals blocked from the start.
class AgentThread {
 public:
  AgentThread(const std::string& job_path, const std::string& out_dir) {
    sigset_t agent_signals, old;
    sigemptyset(&agent_signals);
    for (int sig : {SIGUSR1, SIGUSR2, SIGTERM, SIGINT, SIGHUP}) sigaddset(&agent_signals, sig);
    pthread_sigmask(SIG_BLOCK, &agent_signals, &old);
    thread_ = std::thread([this, job_path, out_dir] {
      code_ = run_agent(job_path, out_dir, [this](const std::string& source, const std::string& m) {
        log_.push_back(source + ": " + m);
      });
    });
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
  }
  ~AgentThread() {
    if (thread_.joinable()) thread_.join();
  }

  void signal(int sig) { pthread_kill(thread_.native_handle(), sig); }
  int exit_code() {
    thread_.join();
    return code_;
  }
  // Read after exit_code(): the agent logs from its own thread.
  const std::vector<std::string>& log() const { return log_; }

 private:
  std::thread thread_;
  int code_ = -1;
  std::vector<std::string> log_;
};

std::string write_job(const TempDir& dir, const AgentJob& job) {
  return dir.write("job.json", job_to_json(job)).string();
}

TEST(AgentTest, AJobItCannotReadIsExit2InItsLog) {
  TempDir dir;
  AgentThread agent((dir.path() / "missing.json").string(), (dir.path() / "out").string());
  EXPECT_EQ(agent.exit_code(), to_int(ExitCode::kBadInput));
  EXPECT_THAT(agent.log(), ElementsAre(HasSubstr("drover-agent: cannot read the job")));
}

TEST(AgentTest, ABrokenJobIsExit2NamingTheFile) {
  TempDir dir;
  const std::string job = dir.write("job.json", "{\"host\": 1}").string();
  AgentThread agent(job, (dir.path() / "out").string());
  EXPECT_EQ(agent.exit_code(), to_int(ExitCode::kBadInput));
  EXPECT_THAT(agent.log(), ElementsAre(HasSubstr(job)));
}

TEST(AgentTest, AnAddressThatIsNotHostPortIsExit2NamingTheFleet) {
  TempDir dir;
  AgentJob job = small_job();
  job.address = "nowhere";
  AgentThread agent(write_job(dir, job), (dir.path() / "out").string());
  EXPECT_EQ(agent.exit_code(), to_int(ExitCode::kBadInput));
  EXPECT_THAT(agent.log(), ElementsAre(HasSubstr("fleet \"senders\"")));
}

TEST(AgentTest, NoGoInTimeIsExit3) {
  TempDir dir;
  AgentJob job = small_job();
  job.go_timeout = 200ms;
  AgentThread agent(write_job(dir, job), (dir.path() / "out").string());
  EXPECT_EQ(agent.exit_code(), to_int(ExitCode::kInfrastructure));
  EXPECT_THAT(agent.log(), ElementsAre(HasSubstr("no go from drover")));
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "out" / "recording.json"));
}

TEST(AgentTest, StoppedBeforeGoIsExit3) {
  TempDir dir;
  AgentThread agent(write_job(dir, small_job()), (dir.path() / "out").string());
  agent.signal(SIGTERM);
  EXPECT_EQ(agent.exit_code(), to_int(ExitCode::kInfrastructure));
  EXPECT_THAT(agent.log(),
              ElementsAre(HasSubstr(fmt::format("stopped by signal {} before the load", SIGTERM))));
}

TEST(AgentTest, AfterGoItRunsItsJobAndLeavesItsRecording) {
  TempDir dir;
  AgentThread agent(write_job(dir, small_job()), (dir.path() / "out").string());
  agent.signal(SIGUSR1);
  EXPECT_EQ(agent.exit_code(), to_int(ExitCode::kPass));
  EXPECT_THAT(agent.log(), ::testing::IsEmpty());
  std::ifstream in(dir.path() / "out" / "recording.json");
  std::stringstream text;
  text << in.rdbuf();
  AgentRecording got = recording_from_json(text.str());
  EXPECT_THAT(got.op_names, ElementsAre("datagram"));
  ASSERT_EQ(got.recording.slots.size(), 1u);
  EXPECT_EQ(got.recording.slots[0].totals.ops(), 3u);
  EXPECT_FALSE(got.stopped_early);
}

TEST(AgentRunRecordingTest, FailureExamplesSurviveTheFile) {
  AgentRecording r;
  r.op_names = {"message"};
  r.recording.slots.resize(1);
  FailureSamples& wrong =
      r.recording.slots[0].failures[static_cast<std::size_t>(Outcome::kWrongReply)];
  wrong.outcome = Outcome::kWrongReply;
  wrong.count = 7;
  FailureExample e;
  e.t_ms = 12.5;
  e.fleet = "c";
  e.op = "message";
  e.client = 3;
  e.request = {"ping\\r", 0};
  e.expected = {"+OK", 0};
  e.received = {"-ERR", 2};
  e.rule = "expected equals";
  wrong.first = {e};
  wrong.sampled = {e, e};
  AgentRecording back = recording_from_json(recording_to_json(r));
  ASSERT_EQ(back.recording.slots.size(), 1u);
  EXPECT_EQ(back.recording.slots[0].failures, r.recording.slots[0].failures);
  nlohmann::json broken = nlohmann::json::parse(recording_to_json(r));
  broken["slots"][0]["failures"]["wrong_reply"]["first"] = 3;
  EXPECT_THROW(recording_from_json(broken.dump()), std::runtime_error);
}

}  // namespace
}  // namespace drover::agent_test
