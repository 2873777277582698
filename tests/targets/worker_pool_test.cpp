// End-to-end tests of targets/worker_pool: the built executable started as a
// real process on loopback, checked for what drover's pool_complete invariant
// relies on: every task answered once with n*n by a child worker, never more
// than N running at once (from the workers' own clock), a dead worker's task
// answered with an error and the worker replaced, the broken twins caught, and
// a clean stop. Every wait is bounded; every started process is killed and
// reaped by its TestProcess, even when an assertion fails.
#include <gtest/gtest.h>
#include <sys/syscall.h>

#include <algorithm>
#include <ctime>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/eventually.hpp"
#include "tests/support/files.hpp"
#include "tests/support/loopback.hpp"
#include "tests/targets/pool_client.hpp"
#include "tests/targets/running_target.hpp"
#include "tests/targets/target_process.hpp"

namespace drover::test::worker_pool_test {
namespace {

using namespace std::chrono_literals;

bool gone(pid_t pid) {
  return !process_state(pid);
}

// True while a worker is in the middle of a task: asleep in the
// clock_nanosleep that stands for the task's work, as /proc/<pid>/syscall
// shows it (an idle worker waits in recv for its next task).
bool working(pid_t worker) {
  return read_file("/proc/" + std::to_string(worker) + "/syscall")
      .starts_with(std::to_string(SYS_clock_nanosleep) + " ");
}

// True once every one of workers is in the middle of a task (2 s at most).
bool all_working(const std::set<pid_t>& workers) {
  return eventually([&] { return std::all_of(workers.begin(), workers.end(), working); }, 2000ms);
}

// worker_pool started with flags, its READY line read.
class Pool : public RunningTarget {
 public:
  explicit Pool(const std::vector<std::string>& flags) : RunningTarget("worker_pool", flags) {}

  // The live (not zombie) workers.
  std::set<pid_t> workers() const {
    std::set<pid_t> pids;
    for (const auto& c : children_of(pid()))
      if (c.state != 'Z') pids.insert(c.pid);
    return pids;
  }
};

std::int64_t monotonic_us() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<std::int64_t>(t.tv_sec) * 1'000'000 + t.tv_nsec / 1000;
}

// Submits tasks 0..count-1 (n = base + id) in one write, and collects answers.
std::vector<PoolAnswer> run_tasks(PoolConnection& c, int count, std::int64_t base,
                                  std::int64_t work_ms, std::chrono::milliseconds wait) {
  std::string batch;
  for (int id = 0; id < count; ++id) batch += PoolConnection::submit_line(id, base + id, work_ms);
  if (!c.send(batch)) return {};
  return c.collect(static_cast<std::size_t>(count), wait);
}

// Each answer a RESULT of a distinct task in 0..count-1 with value (base+id)².
void expect_results_of(const std::vector<PoolAnswer>& answers, int count, std::int64_t base) {
  std::set<std::int64_t> seen;
  for (const auto& a : answers) {
    ASSERT_TRUE(a.ok) << a.line;
    EXPECT_TRUE(a.task >= 0 && a.task < count) << a.line;
    EXPECT_TRUE(seen.insert(a.task).second) << "answered twice: " << a.line;
    EXPECT_EQ(a.value, (base + a.task) * (base + a.task)) << a.line;
    EXPECT_LE(a.start_us, a.end_us) << a.line;
  }
}

TEST(WorkerPool, OneSubmitGetsTheSquareFromAWorkerChildOnTheSharedClock) {
  Pool pool({"--workers", "2"});
  ASSERT_TRUE(pool.ready()) << pool.said();
  PoolConnection c(pool.endpoint());
  ASSERT_TRUE(c.connected());
  const std::int64_t before = monotonic_us();
  ASSERT_TRUE(c.submit(7, 12, 150));
  auto a = c.next(3000ms);
  const std::int64_t after = monotonic_us();
  ASSERT_TRUE(a) << pool.said();
  ASSERT_TRUE(a->ok) << a->line;
  EXPECT_EQ(a->task, 7);
  EXPECT_EQ(a->value, 144);
  EXPECT_TRUE(pool.workers().contains(a->worker)) << a->line;
  EXPECT_NE(a->worker, pool.pid());
  EXPECT_GE(a->end_us - a->start_us, 150'000) << a->line;
  EXPECT_LT(a->end_us - a->start_us, 1'000'000) << a->line;
  EXPECT_LE(before, a->start_us) << "start_us is not CLOCK_MONOTONIC";
  EXPECT_LE(a->end_us, after) << "end_us is not CLOCK_MONOTONIC";

  // work_ms defaults to 0; the extremes of n still fit.
  ASSERT_TRUE(c.send("SUBMIT 8 -3037000499\n"));
  a = c.next(3000ms);
  ASSERT_TRUE(a && a->ok) << (a ? a->line : "no answer");
  EXPECT_EQ(a->task, 8);
  EXPECT_EQ(a->value, 9'223'372'030'926'249'001);
  EXPECT_LT(a->end_us - a->start_us, 100'000) << a->line;
}

TEST(WorkerPool, AnswersABadRequestWithTheLineAndKeepsServing) {
  Pool pool({});
  ASSERT_TRUE(pool.ready()) << pool.said();
  PoolConnection c(pool.endpoint());
  for (const std::string bad :
       {"HELLO", "SUBMIT", "SUBMIT 1", "SUBMIT -1 2", "SUBMIT 1 3037000500", "SUBMIT 1 2 60001",
        "SUBMIT 1 2 -5", "SUBMIT x 2", "SUBMIT 1 0x10", "SUBMIT 1 +2", "SUBMIT 1 2 3 4",
        "submit 1 2", "SUBMIT 18446744073709551615 2"}) {
    ASSERT_TRUE(c.send(bad + "\n"));
    EXPECT_EQ(c.read_line(2000ms), "ERROR - bad request: " + bad);
  }
  ASSERT_TRUE(c.send("SUBMIT 9223372036854775807 3037000499 0\r\n"));
  auto a = c.next(2000ms);
  ASSERT_TRUE(a && a->ok) << (a ? a->line : "no answer");
  EXPECT_EQ(a->task, 9'223'372'036'854'775'807);
  EXPECT_EQ(a->value, 9'223'372'030'926'249'001);
}

TEST(WorkerPool, FortyTasksAreAnsweredOnceEachNeverMoreThanFourAtOnce) {
  Pool pool({"--workers", "4"});
  ASSERT_TRUE(pool.ready()) << pool.said();
  PoolConnection c(pool.endpoint());
  const auto start = Clock::now();
  auto answers = run_tasks(c, 40, -20, 20, 5000ms);
  const auto elapsed = Clock::now() - start;
  ASSERT_EQ(answers.size(), 40u) << pool.said();
  expect_results_of(answers, 40, -20);
  for (const auto& a : answers) EXPECT_GE(a.end_us - a.start_us, 20'000) << a.line;
  EXPECT_EQ(max_overlap(answers), 4u);
  // Four at a time take 40 × 20 ms / 4 = 200 ms at least. That they ran
  // four at a time is max_overlap's to say, from the workers' own clock: an
  // upper bound on the time would also measure how busy the machine is.
  EXPECT_GE(elapsed, 200ms);
  std::set<pid_t> used;
  for (const auto& a : answers) used.insert(a.worker);
  EXPECT_EQ(used, pool.workers());
  EXPECT_FALSE(c.next(200ms)) << "a 41st answer";
}

TEST(WorkerPool, ConcurrentConnectionsEachGetOnlyTheirOwnResults) {
  Pool pool({"--workers", "3"});
  ASSERT_TRUE(pool.ready()) << pool.said();
  // The same task ids on every connection, different n: a crossed answer
  // shows as a wrong value or a task answered twice.
  constexpr int kConnections = 5, kTasks = 12;
  std::vector<std::vector<PoolAnswer>> answers(kConnections);
  std::vector<std::thread> clients;
  for (int i = 0; i < kConnections; ++i) {
    clients.emplace_back([&, i] {
      PoolConnection c(pool.endpoint());
      answers[i] = run_tasks(c, kTasks, 1000 * (i + 1), 5, 5000ms);
      if (c.next(200ms)) answers[i].push_back({});  // one too many
    });
  }
  for (auto& t : clients) t.join();
  for (int i = 0; i < kConnections; ++i) {
    EXPECT_EQ(answers[i].size(), std::size_t{kTasks}) << "connection " << i;
    expect_results_of(answers[i], kTasks, 1000 * (i + 1));
  }
}

TEST(WorkerPool, AKilledWorkersTaskIsAnsweredWithAnErrorAndTheWorkerReplaced) {
  Pool pool({"--workers", "2"});
  ASSERT_TRUE(pool.ready()) << pool.said();
  PoolConnection c(pool.endpoint());
  // Two tasks at once take both workers: their pids are the pool's.
  auto warm = run_tasks(c, 2, 5, 100, 3000ms);
  ASSERT_EQ(warm.size(), 2u);
  expect_results_of(warm, 2, 5);
  const std::set<pid_t> before{warm[0].worker, warm[1].worker};
  ASSERT_EQ(before, pool.workers());

  ASSERT_TRUE(c.submit(10, 3, 1500));
  ASSERT_TRUE(c.submit(11, 4, 1500));
  ASSERT_TRUE(all_working(before)) << "tasks 10 and 11 never reached both workers";
  const pid_t victim = warm[0].worker;
  ASSERT_EQ(kill(victim, SIGKILL), 0);
  auto error = c.next(1000ms);
  ASSERT_TRUE(error) << "no answer for the killed worker's task";
  EXPECT_FALSE(error->ok) << error->line;
  EXPECT_EQ(error->reason, "worker died") << error->line;
  EXPECT_TRUE(error->task == 10 || error->task == 11) << error->line;
  auto survivor = c.next(3000ms);
  ASSERT_TRUE(survivor && survivor->ok) << (survivor ? survivor->line : "no answer");
  EXPECT_EQ(survivor->task, error->task == 10 ? 11 : 10);
  EXPECT_EQ(survivor->worker, warm[1].worker);

  // The pool is whole again, with a fresh worker in the dead one's place.
  std::set<pid_t> now;
  EXPECT_TRUE(eventually([&] { return (now = pool.workers()).size() == 2; }, 2000ms));
  EXPECT_FALSE(now.contains(victim));
  EXPECT_TRUE(now.contains(warm[1].worker));
  EXPECT_TRUE(gone(victim)) << "the dead worker was not reaped";
  auto after = run_tasks(c, 4, 50, 20, 3000ms);
  EXPECT_EQ(after.size(), 4u);
  expect_results_of(after, 4, 50);
  for (const auto& a : after) EXPECT_TRUE(now.contains(a.worker)) << a.line;
}

TEST(WorkerPool, AGoneClientsQueuedTasksNeverRun) {
  Pool pool({"--workers", "2"});
  ASSERT_TRUE(pool.ready()) << pool.said();
  {
    // Two tasks of a second run, two of a minute wait in the queue; then
    // the client goes away.
    PoolConnection gone(pool.endpoint());
    ASSERT_TRUE(gone.submit(0, 0, 1000));
    ASSERT_TRUE(gone.submit(1, 1, 1000));
    ASSERT_TRUE(gone.submit(2, 2, 60'000));
    ASSERT_TRUE(gone.submit(3, 3, 60'000));
    ASSERT_TRUE(all_working(pool.workers())) << "tasks 0 and 1 never reached the workers";
  }
  PoolConnection c(pool.endpoint());
  ASSERT_TRUE(c.submit(99, 9, 0));
  // Behind the two running tasks only: had the queued ones run, it would
  // wait a minute for a worker.
  auto a = c.next(20'000ms);
  ASSERT_TRUE(a && a->ok) << (a ? a->line : "no answer: the gone client's queued tasks ran");
  EXPECT_EQ(a->task, 99);
}

TEST(WorkerPool, AHalfClosedClientStillGetsEveryAnswerThenTheServerCloses) {
  Pool pool({"--workers", "2"});
  ASSERT_TRUE(pool.ready()) << pool.said();
  PoolConnection c(pool.endpoint());
  ASSERT_TRUE(c.send("SUBMIT 1 12 100\nSUBMIT 2 3\nSUBMIT 3 4 50\nSUBMIT 4 5"));  // no last newline
  c.finish_sending();
  auto answers = c.collect(5, 2000ms);
  ASSERT_EQ(answers.size(), 4u) << pool.said();
  for (const auto& a : answers) EXPECT_EQ(a.value, a.task == 1 ? 144 : (a.task + 1) * (a.task + 1));
  EXPECT_EQ(answers.back().task, 1) << "the longest task answers last";
  EXPECT_TRUE(c.closed_by_server(1000ms));
}

TEST(WorkerPool, OvercommitRunsOneTaskMoreThanThePool) {
  for (int round = 0; round < 3; ++round) {
    Pool pool({"--workers", "2", "--bug", "overcommit"});
    ASSERT_TRUE(pool.ready()) << pool.said();
    PoolConnection c(pool.endpoint());
    auto answers = run_tasks(c, 9, 1, 60, 3000ms);
    ASSERT_EQ(answers.size(), 9u) << "round " << round;
    expect_results_of(answers, 9, 1);
    EXPECT_EQ(max_overlap(answers), 3u) << "round " << round;
  }
}

TEST(WorkerPool, DropLeavesEveryFifthTaskUnanswered) {
  for (int round = 0; round < 3; ++round) {
    Pool pool({"--bug", "drop", "--bug-every", "5"});
    ASSERT_TRUE(pool.ready()) << pool.said();
    PoolConnection c(pool.endpoint());
    std::string batch;
    for (int id = 0; id < 50; ++id) batch += PoolConnection::submit_line(id, id, 0);
    ASSERT_TRUE(c.send(batch));
    auto answers = c.collect(40, 5000ms);
    expect_results_of(answers, 50, 0);
    EXPECT_EQ(answers.size(), 40u) << "round " << round;
    // The fifty quick tasks end within milliseconds of each other.
    EXPECT_FALSE(c.next(300ms)) << "round " << round << ": a 41st answer";
    EXPECT_LE(max_overlap(answers), 4u);
  }
}

TEST(WorkerPool, StopSignalsEndTheWorkersAndExitZero) {
  // SIGTERM to the server, and Ctrl-C as a terminal sends it: to the group.
  for (int sig : {SIGTERM, -SIGINT}) {
    Pool pool({"--workers", "3"});
    ASSERT_TRUE(pool.ready()) << pool.said();
    PoolConnection c(pool.endpoint());
    ASSERT_TRUE(c.submit(1, 2, 10'000));  // a worker busy for longer than the test
    auto workers = pool.workers();
    ASSERT_EQ(workers.size(), 3u);
    ASSERT_TRUE(
        eventually([&] { return std::any_of(workers.begin(), workers.end(), working); }, 2000ms))
        << "task 1 never reached a worker";
    if (sig > 0) {
      pool.process().signal(sig);
    } else {
      kill(-pool.pid(), -sig);
    }
    // Well before the busy worker's task would end.
    auto status = pool.process().wait_exit(3000ms);
    ASSERT_TRUE(status) << "signal " << sig;
    EXPECT_EQ(exit_code(*status), 0) << pool.said();
    for (pid_t w : workers) EXPECT_TRUE(gone(w)) << "worker " << w << " left";
    EXPECT_TRUE(c.closed_by_server(1000ms));
    EXPECT_NE(pool.process().stderr_text().find("worker_pool: workers 3, accepted 1, submitted 1"),
              std::string::npos)
        << pool.said();
  }
}

TEST(WorkerPool, WorkersDieWithAKilledServer) {
  Pool pool({"--workers", "2"});
  ASSERT_TRUE(pool.ready()) << pool.said();
  PoolConnection c(pool.endpoint());
  // A busy worker does not read its socket: only PR_SET_PDEATHSIG can stop it.
  ASSERT_TRUE(c.submit(1, 2, 10'000));
  auto workers = pool.workers();
  ASSERT_EQ(workers.size(), 2u);
  ASSERT_TRUE(
      eventually([&] { return std::any_of(workers.begin(), workers.end(), working); }, 2000ms))
      << "task 1 never reached a worker";
  pool.process().signal(SIGKILL);
  ASSERT_TRUE(pool.process().wait_exit(1000ms));
  // Orphans come to this test process (a subreaper): dead means zombie or gone.
  for (pid_t w : workers)
    EXPECT_TRUE(eventually([&] { return process_state(w).value_or('Z') == 'Z'; }, 1000ms));
}

TEST(WorkerPool, RejectsABadFlagWithStatusTwoNamingIt) {
  for (const auto& flags : std::vector<std::vector<std::string>>{{"--workers", "0"},
                                                                 {"--workers", "257"},
                                                                 {"--workers", "four"},
                                                                 {"--bug", "sometimes"},
                                                                 {"--bug-every", "0"},
                                                                 {"--bug-every", "1000001"},
                                                                 {"--threads", "2"}}) {
    Pool pool(flags);
    EXPECT_FALSE(pool.ready());
    auto status = pool.process().wait_exit(2000ms);
    ASSERT_TRUE(status) << flags[0];
    EXPECT_EQ(exit_code(*status), 2) << flags[0];
    EXPECT_NE(pool.process().stderr_text().find(flags[0]), std::string::npos) << pool.said();
  }
}

}  // namespace
}  // namespace drover::test::worker_pool_test
