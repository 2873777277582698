// End-to-end tests of targets/queue_broker: the built server runs as a real
// process on loopback and is driven over TCP, checking the exact replies,
// FIFO order, the bounded waits of PUT, GET and JOIN, exactly-once delivery
// under concurrent producers and consumers, the two broken modes that drover's
// exactly_once invariant must catch, the release of closed connections, a
// prompt clean exit on SIGTERM or SIGINT, and exit status 2 for bad flags.
// Every wait is bounded; every started server is killed and reaped by its
// TestProcess, even when an assertion fails.
#include <dirent.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tests/support/eventually.hpp"
#include "tests/support/loopback.hpp"
#include "tests/targets/queue_client.hpp"
#include "tests/targets/running_target.hpp"
#include "tests/targets/target_process.hpp"

namespace drover::test::queue_broker_test {
namespace {

using namespace std::chrono_literals;

// queue_broker started with flags, its READY line read.
class Broker : public RunningTarget {
 public:
  explicit Broker(const std::vector<std::string>& flags) : RunningTarget("queue_broker", flags) {}
};

#define START_BROKER(name, ...) \
  Broker name(__VA_ARGS__);     \
  ASSERT_TRUE(name.ready()) << name.said()

// One field of a STATS reply, or -1 when it is missing.
long long stat_field(const std::string& json, const std::string& name) {
  std::smatch m;
  if (!std::regex_search(json, m, std::regex("\"" + name + "\":(\\d+)"))) return -1;
  return std::stoll(m[1].str());
}

// How long a request took to be answered, and the answer.
std::pair<std::optional<std::string>, std::chrono::milliseconds> timed(QueueClient& c,
                                                                       const std::string& line) {
  const auto start = Clock::now();
  auto reply = c.request(line);
  return {reply, std::chrono::duration_cast<milliseconds>(Clock::now() - start)};
}

TEST(QueueBroker, AnswersEachRequestWithItsExactReply) {
  START_BROKER(broker, {});
  QueueClient c(broker.endpoint());
  ASSERT_TRUE(c.connected());
  EXPECT_EQ(c.request("JOIN"), "OK");  // nothing was ever put
  EXPECT_EQ(c.request("PUT a"), "OK");
  EXPECT_EQ(c.request("STATS"),
            R"({"depth":1,"max_depth":1,"maxsize":16,"put":1,"got":0,"done":0,"unfinished":1})");
  EXPECT_EQ(c.request("DONE a"), "ERROR not taken");  // queued, not handed out
  EXPECT_EQ(c.request("GET"), "ITEM a");
  EXPECT_EQ(c.request("DONE a"), "OK");
  EXPECT_EQ(c.request("DONE a"), "ERROR not taken");  // already done
  EXPECT_EQ(c.request("DONE never-put"), "ERROR not taken");
  EXPECT_EQ(c.request("JOIN"), "OK");
  EXPECT_EQ(c.request("STATS"),
            R"({"depth":0,"max_depth":1,"maxsize":16,"put":1,"got":1,"done":1,"unfinished":0})");
  EXPECT_EQ(c.request("PUSH a"), "ERROR unknown command");
  EXPECT_EQ(c.request("GET x"), "ERROR unknown command");
  EXPECT_EQ(c.request(""), "ERROR unknown command");
  EXPECT_EQ(c.request("PUT"), "ERROR bad item");
  EXPECT_EQ(c.request("PUT a b"), "ERROR bad item");
  EXPECT_EQ(c.request("PUT " + std::string(257, 'x')), "ERROR bad item");
  EXPECT_EQ(c.request("PUT " + std::string(256, 'x') + "\r"), "OK");  // CRLF is one line end
  EXPECT_EQ(c.request("PUT " + std::string(5000, 'x')), "ERROR line too long");
  EXPECT_EQ(c.request("GET"), "ITEM " + std::string(256, 'x'));  // still in step
}

TEST(QueueBroker, HandsItemsOutInFifoOrderAcrossConnections) {
  START_BROKER(broker, {"--maxsize", "100"});
  QueueClient producer(broker.endpoint()), consumer(broker.endpoint());
  for (int i = 0; i < 50; ++i) ASSERT_EQ(producer.request("PUT i" + std::to_string(i)), "OK");
  for (int i = 0; i < 50; ++i) EXPECT_EQ(consumer.request("GET"), "ITEM i" + std::to_string(i));
}

TEST(QueueBroker, GetOnEmptyAndPutOnFullGiveUpAfterTheWait) {
  START_BROKER(broker, {"--maxsize", "2", "--wait", "100"});
  QueueClient c(broker.endpoint());
  auto [empty, empty_took] = timed(c, "GET");
  EXPECT_EQ(empty, "EMPTY");
  EXPECT_GE(empty_took, 95ms);
  ASSERT_EQ(c.request("PUT a"), "OK");
  ASSERT_EQ(c.request("PUT b"), "OK");
  auto [full, full_took] = timed(c, "PUT c");
  EXPECT_EQ(full, "FULL");
  EXPECT_GE(full_took, 95ms);
  // A refused PUT leaves nothing behind.
  EXPECT_EQ(stat_field(c.request("STATS").value_or(""), "put"), 2);
  EXPECT_EQ(c.request("GET"), "ITEM a");
  EXPECT_EQ(c.request("GET"), "ITEM b");
  EXPECT_EQ(c.request("GET"), "EMPTY");
}

// The waits are --wait's, not the default second: the GET and the PUT are
// still unanswered well past it, and answered soon after 1.8 s. (Upper
// bounds on a short wait would flake on a loaded machine; these cannot.)
TEST(QueueBroker, WaitsLastAsLongAsTheFlagSays) {
  Broker empty({"--wait", "1800"}), full({"--wait", "1800", "--maxsize", "1"});
  ASSERT_TRUE(empty.ready()) << empty.said();
  ASSERT_TRUE(full.ready()) << full.said();
  QueueClient getter(empty.endpoint()), putter(full.endpoint());
  ASSERT_EQ(putter.request("PUT a"), "OK");
  ASSERT_TRUE(getter.send("GET"));
  ASSERT_TRUE(putter.send("PUT b"));
  EXPECT_EQ(getter.reply(1300ms), std::nullopt);
  EXPECT_EQ(putter.reply(0ms), std::nullopt);
  EXPECT_EQ(getter.reply(2500ms), "EMPTY");
  EXPECT_EQ(putter.reply(2500ms), "FULL");
}

TEST(QueueBroker, WaitingPutAndGetProceedAsSoonAsTheyCan) {
  START_BROKER(broker, {"--maxsize", "1", "--wait", "5000"});
  QueueClient a(broker.endpoint()), b(broker.endpoint());
  ASSERT_EQ(a.request("PUT one"), "OK");
  ASSERT_TRUE(a.send("PUT two"));
  EXPECT_EQ(a.reply(200ms), std::nullopt);  // full: the PUT waits
  EXPECT_EQ(b.request("GET"), "ITEM one");
  EXPECT_EQ(a.reply(), "OK");
  EXPECT_EQ(b.request("GET"), "ITEM two");
  ASSERT_TRUE(b.send("GET"));
  EXPECT_EQ(b.reply(200ms), std::nullopt);  // empty: the GET waits
  EXPECT_EQ(a.request("PUT three"), "OK");
  EXPECT_EQ(b.reply(), "ITEM three");
}

TEST(QueueBroker, JoinReturnsOnlyAfterTheLastDone) {
  START_BROKER(broker, {"--join-wait", "5000"});
  QueueClient producer(broker.endpoint()), consumer(broker.endpoint()), joiner(broker.endpoint());
  ASSERT_EQ(producer.request("PUT x"), "OK");
  ASSERT_EQ(producer.request("PUT y"), "OK");
  ASSERT_EQ(consumer.request("GET"), "ITEM x");
  ASSERT_EQ(consumer.request("GET"), "ITEM y");
  ASSERT_TRUE(joiner.send("JOIN"));
  EXPECT_EQ(joiner.reply(200ms), std::nullopt);
  ASSERT_EQ(consumer.request("DONE x"), "OK");
  EXPECT_EQ(joiner.reply(200ms), std::nullopt);  // y is still out
  ASSERT_EQ(consumer.request("DONE y"), "OK");
  EXPECT_EQ(joiner.reply(), "OK");
}

TEST(QueueBroker, JoinReportsPendingTasksWhenTheWaitEnds) {
  START_BROKER(broker, {"--join-wait", "200"});
  QueueClient producer(broker.endpoint()), consumer(broker.endpoint()), joiner(broker.endpoint());
  ASSERT_EQ(producer.request("PUT held"), "OK");
  ASSERT_EQ(producer.request("PUT queued"), "OK");
  ASSERT_EQ(consumer.request("GET"), "ITEM held");
  auto [pending, took] = timed(joiner, "JOIN");
  EXPECT_EQ(pending, "PENDING 2");  // one out with a consumer, one queued
  EXPECT_GE(took, 195ms);
  ASSERT_EQ(consumer.request("DONE held"), "OK");
  EXPECT_EQ(joiner.request("JOIN"), "PENDING 1");
}

// What producers and consumers saw in one run against a broker.
struct Traffic {
  int acknowledged = 0;            // PUTs answered OK
  std::map<std::string, int> got;  // times each item was handed out
  int failures = 0;                // replies missing or unexpected
  std::string join;                // the final JOIN's reply
};

// `producers` connections PUT `per_producer` unique items each (again after
// FULL); `consumers` connections GET and DONE until the producers have
// finished and the queue answers EMPTY. Everything ends within 15 s.
Traffic run_traffic(const Endpoint& broker, int producers, int per_producer, int consumers) {
  const auto deadline = Clock::now() + 15s;
  std::atomic<int> acknowledged = 0, failures = 0, producing = producers;
  std::vector<std::map<std::string, int>> got(consumers);
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([&, p] {
      QueueClient c(broker);
      for (int i = 0; i < per_producer && Clock::now() < deadline; ++i) {
        const std::string item = "p" + std::to_string(p) + "-" + std::to_string(i);
        auto reply = c.request("PUT " + item);
        while (reply == "FULL" && Clock::now() < deadline) reply = c.request("PUT " + item);
        if (reply == "OK") {
          ++acknowledged;
        } else {
          ++failures;
          break;
        }
      }
      --producing;
    });
  }
  for (int k = 0; k < consumers; ++k) {
    threads.emplace_back([&, k] {
      QueueClient c(broker);
      while (Clock::now() < deadline) {
        const bool last_round = producing == 0;  // read before GET: nothing more can come
        auto reply = c.request("GET");
        if (reply == "EMPTY" && last_round) return;
        if (reply == "EMPTY") continue;
        if (!reply || !reply->starts_with("ITEM ")) {
          ++failures;
          return;
        }
        const std::string item = reply->substr(5);
        ++got[k][item];
        if (c.request("DONE " + item) != "OK") ++failures;
      }
      ++failures;  // ran out of time
    });
  }
  for (auto& t : threads) t.join();
  Traffic traffic;
  traffic.acknowledged = acknowledged;
  traffic.failures = failures;
  for (const auto& per_consumer : got)
    for (const auto& [item, n] : per_consumer) traffic.got[item] += n;
  QueueClient joiner(broker);
  traffic.join = joiner.request("JOIN").value_or("(no reply)");
  return traffic;
}

int count_lost(const Traffic& t, int producers, int per_producer) {
  int lost = 0;
  for (int p = 0; p < producers; ++p)
    for (int i = 0; i < per_producer; ++i)
      lost += !t.got.contains("p" + std::to_string(p) + "-" + std::to_string(i));
  return lost;
}

int count_twice(const Traffic& t) {
  int twice = 0;
  for (const auto& [item, n] : t.got) twice += n > 1;
  return twice;
}

TEST(QueueBroker, ConcurrentProducersAndConsumersSeeEveryItemExactlyOnce) {
  START_BROKER(broker, {"--maxsize", "8", "--wait", "200"});
  const Traffic t = run_traffic(broker.endpoint(), 4, 500, 4);
  EXPECT_EQ(t.failures, 0);
  EXPECT_EQ(t.acknowledged, 2000);
  EXPECT_EQ(t.got.size(), 2000u);
  EXPECT_EQ(count_lost(t, 4, 500), 0);
  EXPECT_EQ(count_twice(t), 0);
  EXPECT_EQ(t.join, "OK");
  QueueClient c(broker.endpoint());
  const std::string stats = c.request("STATS").value_or("");
  EXPECT_GE(stat_field(stats, "max_depth"), 1) << stats;
  EXPECT_LE(stat_field(stats, "max_depth"), 8) << stats;
  for (const char* field : {"put", "got", "done"}) EXPECT_EQ(stat_field(stats, field), 2000);
  EXPECT_EQ(stat_field(stats, "depth"), 0);
  EXPECT_EQ(stat_field(stats, "unfinished"), 0);
}

TEST(QueueBroker, BugEveryAloneChangesNothing) {
  START_BROKER(broker, {"--bug", "none", "--bug-every", "10", "--wait", "100"});
  const Traffic t = run_traffic(broker.endpoint(), 2, 100, 2);
  EXPECT_EQ(t.failures, 0);
  EXPECT_EQ(count_lost(t, 2, 100), 0);
  EXPECT_EQ(count_twice(t), 0);
  EXPECT_EQ(t.join, "OK");
}

TEST(QueueBroker, BugLoseDropsAcknowledgedItems) {
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    START_BROKER(broker, {"--bug", "lose", "--bug-every", "10", "--wait", "100"});
    const Traffic t = run_traffic(broker.endpoint(), 2, 100, 2);
    EXPECT_EQ(t.failures, 0);
    EXPECT_EQ(t.acknowledged, 200);
    const int lost = count_lost(t, 2, 100);
    EXPECT_GT(lost, 0);
    EXPECT_EQ(lost, 20);  // every 10th of 200 acknowledged PUTs
    EXPECT_EQ(count_twice(t), 0);
    EXPECT_EQ(t.join, "OK");  // a lost item is owed no DONE
  }
}

TEST(QueueBroker, BugRedeliverHandsSomeItemsOutTwice) {
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    START_BROKER(broker, {"--bug", "redeliver", "--bug-every", "10", "--wait", "100"});
    const Traffic t = run_traffic(broker.endpoint(), 2, 100, 2);
    EXPECT_EQ(t.failures, 0);
    EXPECT_EQ(t.acknowledged, 200);
    EXPECT_EQ(count_lost(t, 2, 100), 0);
    EXPECT_GT(count_twice(t), 0);
    EXPECT_EQ(t.join, "OK");  // each copy was done once
  }
}

// The descriptors of entries in /proc/<pid>/fd: a process's open files.
std::size_t open_files(pid_t pid) {
  std::size_t n = 0;
  if (DIR* dir = opendir(("/proc/" + std::to_string(pid) + "/fd").c_str())) {
    while (dirent* entry = readdir(dir)) n += entry->d_name[0] != '.';
    closedir(dir);
  }
  return n;
}

// A closed connection's thread is joined and its socket closed (at the next
// accept), so a long run of short connections does not pile them up.
TEST(QueueBroker, ClosedConnectionsAreReleased) {
  START_BROKER(broker, {});
  std::size_t first = 0;
  {
    QueueClient c(broker.endpoint());
    ASSERT_TRUE(c.request("STATS"));
    first = open_files(broker.process().pid());
  }
  for (int i = 0; i < 200; ++i) {
    QueueClient c(broker.endpoint());
    ASSERT_TRUE(c.request("STATS")) << "connection " << i;
  }
  // At most the last few connections' threads may not have ended yet (on a
  // busy machine, a few more): each new connection releases those that have.
  std::size_t now = 0;
  EXPECT_TRUE(eventually(
      [&] {
        QueueClient last(broker.endpoint());
        return last.request("STATS") && (now = open_files(broker.process().pid())) <= first + 3;
      },
      5000ms, 50ms))
      << now << " open files, " << first << " with the first connection open";
}

TEST(QueueBroker, StopSignalEndsItPromptlyEvenWithRequestsWaiting) {
  for (int sig : {SIGTERM, SIGINT}) {
    SCOPED_TRACE(sig == SIGTERM ? "SIGTERM" : "SIGINT");
    START_BROKER(broker, {"--wait", "60000", "--join-wait", "60000"});
    std::vector<std::unique_ptr<QueueClient>> waiting;
    QueueClient holder(broker.endpoint());
    ASSERT_EQ(holder.request("PUT x"), "OK");
    ASSERT_EQ(holder.request("GET"), "ITEM x");  // keeps JOIN waiting
    const std::size_t before = open_files(broker.process().pid());
    for (const char* request : {"GET", "GET", "GET", "JOIN"}) {
      waiting.push_back(std::make_unique<QueueClient>(broker.endpoint()));
      ASSERT_TRUE(waiting.back()->send(request));
    }
    // The broker has accepted all four: a socket each.
    ASSERT_TRUE(
        eventually([&] { return open_files(broker.process().pid()) >= before + 4; }, 3000ms));
    for (auto& c : waiting) EXPECT_EQ(c->reply(50ms), std::nullopt);  // all blocked
    const auto start = Clock::now();
    broker.process().signal(sig);
    auto status = broker.process().wait_exit(2000ms);
    const auto took = Clock::now() - start;
    ASSERT_TRUE(status.has_value()) << "still running 2 s after the signal";
    EXPECT_EQ(exit_code(*status), 0);
    // The promise is about 300 ms; the bound leaves room for a loaded
    // machine. A waiter left asleep would hold the server for a minute.
    EXPECT_LT(took, 1000ms);
    for (auto& c : waiting) EXPECT_TRUE(c->closed_by_peer(1000ms));
    const std::string err = broker.process().stderr_text();
    EXPECT_NE(err.find("queue_broker: connections 5, put 1, got 1, done 0"), std::string::npos)
        << err;
  }
}

TEST(QueueBroker, BadFlagsExitTwoWithoutServing) {
  const std::vector<std::vector<std::string>> bad = {
      {"--maxsize", "0"},     {"--maxsize", "1000001"}, {"--maxsize", "x"},
      {"--wait", "0"},        {"--wait", "60001"},      {"--join-wait", "0"},
      {"--bug", "sometimes"}, {"--bug-every", "0"},     {"--bug-every", "1000001"},
      {"--port", "70000"},    {"--no-such-flag"},       {"extra"}};
  for (const auto& flags : bad) {
    SCOPED_TRACE(flags[0] + (flags.size() > 1 ? " " + flags[1] : ""));
    Broker broker(flags);
    EXPECT_FALSE(broker.ready());
    auto status = broker.process().wait_exit(2000ms);
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(exit_code(*status), 2);
    EXPECT_NE(broker.process().stderr_text().find("queue_broker:"), std::string::npos);
  }
  Broker help({"--help"});
  auto status = help.process().wait_exit(2000ms);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(exit_code(*status), 0);
}

}  // namespace
}  // namespace drover::test::queue_broker_test
