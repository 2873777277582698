// End-to-end tests of targets/ticket_db: the built server started as a real
// process on loopback, its file in a fresh temp folder per test. They check
// what drover's no_oversell invariant relies on: serials N..1 sold once each
// with --lock file, the oversell of --lock none, a file that stays valid JSON
// however the server is killed, --keep, a clean SIGTERM and bad flags.
// Every wait is bounded; every started process is killed and reaped by its
// TestProcess, even when an assertion fails.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/eventually.hpp"
#include "tests/support/files.hpp"
#include "tests/support/loopback.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/targets/running_target.hpp"
#include "tests/targets/target_process.hpp"
#include "tests/targets/tickets_client.hpp"

namespace drover::test::ticket_db_test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// The ticket file of a test's folder.
std::string tickets_file(const TempDir& folder) {
  return (folder.path() / "tickets.json").string();
}

// The file's count as an independent JSON parser reads it; -1 when the file
// is not exactly {"count": <integer>}.
long long file_count(const std::string& path) {
  const auto json = nlohmann::json::parse(read_file(path), nullptr, false);
  if (!json.is_object() || json.size() != 1 || !json.contains("count") ||
      !json["count"].is_number_integer())
    return -1;
  return json["count"].get<long long>();
}

// ticket_db started on a free port with its file in `folder`, READY read.
class TicketDb : public RunningTarget {
 public:
  TicketDb(const TempDir& folder, std::vector<std::string> flags)
      : RunningTarget("ticket_db", with_file(folder, std::move(flags))) {}
  std::optional<std::string> ask(const std::string& line) {
    TicketsClient client(endpoint(), 1000ms);
    return client.request(line, 3000ms);
  }

 private:
  static std::vector<std::string> with_file(const TempDir& folder, std::vector<std::string> flags) {
    flags.insert(flags.begin(), {"--file", tickets_file(folder)});
    return flags;
  }
};

// True once no process of group `pgid` is left, zombies included: they were
// orphaned to this test (a child subreaper), so waitpid reaps them.
bool group_gone(pid_t pgid, std::chrono::milliseconds timeout) {
  return eventually([&] { return waitpid(-pgid, nullptr, WNOHANG) < 0 && errno == ECHILD; },
                    timeout);
}

// How many children of `pid` are alive (not zombies). The server is single-
// threaded, so its main thread's children are all of them.
int live_children(pid_t pid) {
  const std::string id = std::to_string(pid);
  std::istringstream children(read_file("/proc/" + id + "/task/" + id + "/children"));
  int alive = 0;
  for (pid_t child; children >> child;) {
    const std::string stat = read_file("/proc/" + std::to_string(child) + "/stat");
    const auto paren = stat.rfind(')');  // "pid (comm) S ...": comm may hold ')'
    alive += paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
  }
  return alive;
}

// What a fleet of buyers saw.
struct Sales {
  std::vector<long long> serials;       // one per OK reply
  int soldout = 0;                      // clients that ended on SOLDOUT
  int unanswered = 0;                   // BUYs whose reply never came
  std::vector<std::string> unexpected;  // any other reply
};

// `clients` connections at once, each buying until SOLDOUT or until the
// server stops answering.
// `sold`, when given, counts the OK replies as they come in.
Sales buy_concurrently(const Endpoint& server, int clients,
                       std::atomic<long long>* sold = nullptr) {
  std::vector<Sales> seen(clients);
  std::vector<std::thread> threads;
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&server, &mine = seen[i], i, sold] {
      TicketsClient client(server, 1000ms);
      const std::string buy = "BUY buyer" + std::to_string(i);
      while (client.connected()) {
        auto reply = client.request(buy, 3000ms);
        if (!reply) {
          ++mine.unanswered;
          return;
        }
        if (reply->starts_with("OK ")) {
          mine.serials.push_back(std::stoll(reply->substr(3)));
          if (sold) ++*sold;
        } else {
          if (*reply == "SOLDOUT")
            ++mine.soldout;
          else
            mine.unexpected.push_back(*reply);
          return;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  Sales all;
  for (auto& s : seen) {
    all.serials.insert(all.serials.end(), s.serials.begin(), s.serials.end());
    all.soldout += s.soldout;
    all.unanswered += s.unanswered;
    all.unexpected.insert(all.unexpected.end(), s.unexpected.begin(), s.unexpected.end());
  }
  return all;
}

bool has_duplicates(std::vector<long long> serials) {
  std::sort(serials.begin(), serials.end());
  return std::adjacent_find(serials.begin(), serials.end()) != serials.end();
}

// ---- the protocol, one client ------------------------------------------------

TEST(TicketDb, SearchAndAuditReportTheStockAndABuyTakesOne) {
  TempDir folder("ticket_db_test.");
  TicketDb db(folder, {"--stock", "7"});
  ASSERT_TRUE(db.ready()) << db.said();
  TicketsClient client(db.endpoint(), 1000ms);
  EXPECT_EQ(client.request("SEARCH", 3000ms), "COUNT 7");
  EXPECT_EQ(client.request("AUDIT", 3000ms), "COUNT 7");
  EXPECT_EQ(client.request("BUY alice", 3000ms), "OK 7");
  EXPECT_EQ(client.request("SEARCH", 3000ms), "COUNT 6");
  EXPECT_EQ(client.request("AUDIT", 3000ms), "COUNT 6");
  EXPECT_EQ(read_file(tickets_file(folder)), "{\"count\": 6}\n");
}

TEST(TicketDb, SequentialBuysSellSerialsFromStockDownToOneThenSoldOut) {
  TempDir folder("ticket_db_test.");
  TicketDb db(folder, {"--stock", "5", "--read-delay", "0", "--write-delay", "0"});
  ASSERT_TRUE(db.ready()) << db.said();
  TicketsClient client(db.endpoint(), 1000ms);
  for (int serial = 5; serial >= 1; --serial)
    EXPECT_EQ(client.request("BUY bob", 3000ms), "OK " + std::to_string(serial));
  EXPECT_EQ(client.request("BUY bob", 3000ms), "SOLDOUT");
  EXPECT_EQ(client.request("BUY carol", 3000ms), "SOLDOUT");
  EXPECT_EQ(client.request("AUDIT", 3000ms), "COUNT 0");
  EXPECT_EQ(file_count(tickets_file(folder)), 0);
}

TEST(TicketDb, UnknownCommandsGetAnErrorAndTheConnectionGoesOn) {
  TempDir folder("ticket_db_test.");
  TicketDb db(folder, {"--stock", "3"});
  ASSERT_TRUE(db.ready()) << db.said();
  TicketsClient client(db.endpoint(), 1000ms);
  for (const char* line : {"FOO", "search", "BUY", "BUY ", "", "SEARCH now"})
    EXPECT_EQ(client.request(line, 3000ms), "ERROR unknown command") << "request: " << line;
  EXPECT_EQ(client.request("SEARCH\r", 3000ms), "COUNT 3");  // a CRLF line end is accepted
  EXPECT_EQ(file_count(tickets_file(folder)), 3);
}

// Requests written at once are answered in order: the SEARCH after a BUY must
// wait for that BUY's process, or it would see the count before the sale.
TEST(TicketDb, PipelinedRequestsAreAnsweredInOrder) {
  TempDir folder("ticket_db_test.");
  TicketDb db(folder, {"--stock", "3", "--read-delay", "50", "--write-delay", "50"});
  ASSERT_TRUE(db.ready()) << db.said();
  TicketsClient client(db.endpoint(), 1000ms);
  ASSERT_TRUE(client.send("SEARCH\nBUY a\nSEARCH\nBUY b\nAUDIT\nNOPE\nSEARCH\n", 1000ms));
  for (const char* expected :
       {"COUNT 3", "OK 3", "COUNT 2", "OK 2", "COUNT 1", "ERROR unknown command", "COUNT 1"})
    EXPECT_EQ(client.reply(3000ms), expected);
}

TEST(TicketDb, CorruptFileIsReportedNotGuessed) {
  TempDir folder("ticket_db_test.");
  TicketDb db(folder, {"--stock", "4"});
  ASSERT_TRUE(db.ready()) << db.said();
  folder.write("tickets.json", "{\"count\": ");
  EXPECT_EQ(db.ask("SEARCH"), "ERROR corrupt file");
  EXPECT_EQ(db.ask("BUY dave"), "ERROR corrupt file");
  EXPECT_EQ(db.ask("AUDIT"), "ERROR corrupt file");
  EXPECT_NE(db.process().stderr_text().find("corrupt file"), std::string::npos);
  // Restarting from it with --keep refuses to serve.
  TicketDb again(folder, {"--keep"});
  EXPECT_FALSE(again.ready());
  auto status = again.process().wait_exit(3000ms);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(exit_code(*status), 1);
}

TEST(TicketDb, KeepContinuesFromTheFileOtherwiseTheStockIsWritten) {
  TempDir folder("ticket_db_test.");
  folder.write("tickets.json", "{\"count\": 7}");
  {
    TicketDb kept(folder, {"--keep", "--stock", "100"});
    ASSERT_TRUE(kept.ready()) << kept.said();
    EXPECT_EQ(kept.ask("SEARCH"), "COUNT 7");
  }
  {
    TicketDb fresh(folder, {"--stock", "100"});
    ASSERT_TRUE(fresh.ready()) << fresh.said();
    EXPECT_EQ(fresh.ask("SEARCH"), "COUNT 100");
  }
  fs::remove(tickets_file(folder));
  TicketDb missing(folder, {"--keep", "--stock", "9"});
  ASSERT_TRUE(missing.ready()) << missing.said();
  EXPECT_EQ(missing.ask("SEARCH"), "COUNT 9");
}

// ---- concurrency -------------------------------------------------------------

TEST(TicketDb, FileLockSellsEachTicketExactlyOnceUnderConcurrency) {
  TempDir folder("ticket_db_test.");
  TicketDb db(folder, {"--stock", "50", "--read-delay", "2", "--write-delay", "2"});
  ASSERT_TRUE(db.ready()) << db.said();
  Sales sales = buy_concurrently(db.endpoint(), 20);
  EXPECT_EQ(sales.unexpected, std::vector<std::string>{});
  EXPECT_EQ(sales.unanswered, 0);
  EXPECT_EQ(sales.soldout, 20);
  std::sort(sales.serials.begin(), sales.serials.end());
  std::vector<long long> all(50);
  for (int i = 0; i < 50; ++i) all[i] = i + 1;
  EXPECT_EQ(sales.serials, all);
  EXPECT_EQ(db.ask("AUDIT"), "COUNT 0");
  EXPECT_EQ(read_file(tickets_file(folder)), "{\"count\": 0}\n");
}

// The broken twin under the load above: each BUY writes the count it read
// 4 ms and an fsync later, so concurrent buyers read the same count and sell
// the same serial (hundreds of sales of a stock of 50, in practice).
TEST(TicketDb, NoLockOversellsUnderConcurrencyEveryTime) {
  for (int round = 0; round < 3; ++round) {
    TempDir folder("ticket_db_test.");
    TicketDb db(folder,
                {"--stock", "50", "--lock", "none", "--read-delay", "2", "--write-delay", "2"});
    ASSERT_TRUE(db.ready()) << db.said();
    Sales sales = buy_concurrently(db.endpoint(), 20);
    EXPECT_EQ(sales.unexpected, std::vector<std::string>{});
    EXPECT_TRUE(sales.serials.size() > 50 || has_duplicates(sales.serials))
        << "round " << round << ": " << sales.serials.size() << " sold, no serial twice";
    EXPECT_EQ(file_count(tickets_file(folder)), 0) << "a valid file even when broken";
  }
}

// ---- crashes and stopping ----------------------------------------------------

// The server and its BUY processes are SIGKILLed at random moments of a busy
// run, ten times, each restart continuing with --keep. Every time the file is
// valid JSON, and its count is consistent with the replies: every OK'd sale
// is in it (count <= before - OKs), and nothing beyond the BUYs sent is.
// Odd rounds wait for a first answered sale before the random moment, so a
// slow (sanitized) build still sells something the file must account for.
TEST(TicketDb, FileStaysValidJsonWhenKilledMidPurchase) {
  TempDir folder("ticket_db_test.");
  const std::string file = tickets_file(folder);
  const long long stock = 1000;
  long long count = stock;
  std::vector<long long> every_serial;
  int unanswered = 0;
  std::mt19937 random(std::random_device{}());
  for (int round = 0; round < 10; ++round) {
    std::vector<std::string> flags{"--stock", std::to_string(stock)};
    if (round > 0) flags.push_back("--keep");
    TicketDb db(folder, flags);
    ASSERT_TRUE(db.ready()) << db.said();
    ASSERT_EQ(db.ask("SEARCH"), "COUNT " + std::to_string(count)) << "round " << round;
    for (const auto& entry : fs::directory_iterator(folder.path()))
      EXPECT_EQ(entry.path().filename().string().find(".tmp."), std::string::npos)
          << "a killed writer's temp file survived the restart: " << entry.path();
    Sales sales;
    std::atomic<long long> sold{0};
    std::thread fleet([&] { sales = buy_concurrently(db.endpoint(), 8, &sold); });
    // Once purchases are under way, at a random moment of them.
    const bool buying = eventually([&] { return live_children(db.process().pid()) > 0; }, 3000ms);
    if (round % 2 == 1) eventually([&] { return sold > 0; }, 3000ms);
    std::this_thread::sleep_for(milliseconds(std::uniform_int_distribution<int>(0, 40)(random)));
    kill(-db.process().pid(), SIGKILL);
    fleet.join();
    ASSERT_TRUE(db.process().wait_exit(3000ms).has_value());
    ASSERT_TRUE(group_gone(db.process().pid(), 3000ms)) << "a BUY process outlived the kill";
    EXPECT_TRUE(buying) << "round " << round << ": no purchase started within 3 s";

    const long long now = file_count(file);
    const long long sent = static_cast<long long>(sales.serials.size()) + sales.unanswered;
    ASSERT_GE(now, 0) << "round " << round << ": not {\"count\": N}: " << read_file(file);
    EXPECT_LE(now, count - static_cast<long long>(sales.serials.size())) << "round " << round;
    EXPECT_GE(now, count - sent) << "round " << round;
    EXPECT_EQ(sales.unexpected, std::vector<std::string>{});
    every_serial.insert(every_serial.end(), sales.serials.begin(), sales.serials.end());
    unanswered += sales.unanswered;
    count = now;
  }
  EXPECT_FALSE(has_duplicates(every_serial)) << "a serial was sold twice across restarts";
  EXPECT_GT(every_serial.size(), 0u) << "no sale at all: the test proved nothing";
  EXPECT_GT(unanswered, 0) << "no kill hit a BUY in flight: the test proved nothing";
}

// Purchases running at SIGTERM are finished and answered, then it exits 0.
TEST(TicketDb, SigtermLetsRunningPurchasesFinishThenExitsZero) {
  TempDir folder("ticket_db_test.");
  TicketDb db(folder, {"--stock", "10", "--read-delay", "200"});
  ASSERT_TRUE(db.ready()) << db.said();
  std::vector<std::unique_ptr<TicketsClient>> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(std::make_unique<TicketsClient>(db.endpoint(), 1000ms));
    ASSERT_TRUE(clients.back()->send("BUY early\n", 1000ms));
  }
  const pid_t server = db.process().pid();
  ASSERT_TRUE(eventually([&] { return live_children(server) == 3; }, 2000ms));
  db.process().signal(SIGTERM);
  std::set<std::string> replies;
  for (auto& c : clients) replies.insert(c->reply(3000ms).value_or("(none)"));
  EXPECT_EQ(replies, (std::set<std::string>{"OK 10", "OK 9", "OK 8"}));
  auto status = db.process().wait_exit(3000ms);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(exit_code(*status), 0);
  EXPECT_TRUE(group_gone(server, 1000ms)) << "a child outlived the server";
  EXPECT_NE(db.process().stderr_text().find("buys 3, sold 3, soldout 0"), std::string::npos)
      << db.said();
  EXPECT_EQ(file_count(tickets_file(folder)), 7);
}

// A purchase still running 2 s after SIGTERM is killed; the file is intact.
TEST(TicketDb, SigtermKillsAStragglerAfterTwoSeconds) {
  TempDir folder("ticket_db_test.");
  TicketDb db(folder, {"--stock", "10", "--read-delay", "10000"});
  ASSERT_TRUE(db.ready()) << db.said();
  TicketsClient client(db.endpoint(), 1000ms);
  ASSERT_TRUE(client.send("BUY slow\n", 1000ms));
  const pid_t server = db.process().pid();
  ASSERT_TRUE(eventually([&] { return live_children(server) == 1; }, 2000ms));
  const auto start = Clock::now();
  db.process().signal(SIGTERM);
  auto status = db.process().wait_exit(4000ms);
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(exit_code(*status), 0);
  EXPECT_GE(Clock::now() - start, 1900ms);
  EXPECT_TRUE(group_gone(server, 1000ms)) << "the straggler outlived the server";
  EXPECT_TRUE(client.closed_by_server(1000ms));
  EXPECT_NE(db.process().stderr_text().find("killed 1"), std::string::npos) << db.said();
  EXPECT_EQ(read_file(tickets_file(folder)), "{\"count\": 10}\n");
}

TEST(TicketDb, RejectsABadFlagWithStatusTwoNamingIt) {
  const std::vector<std::vector<std::string>> bad{{"--lock", "maybe"},
                                                  {"--stock", "0"},
                                                  {"--stock", "1000000001"},
                                                  {"--stock", "ten"},
                                                  {"--read-delay", "10001"},
                                                  {"--write-delay", "-1"},
                                                  {"--keep=yes"},
                                                  {"--file", ""},
                                                  {"--bogus"}};
  for (const auto& flags : bad) {
    TempDir folder("ticket_db_test.");
    TicketDb db(folder, flags);
    EXPECT_FALSE(db.ready()) << flags[0];
    auto status = db.process().wait_exit(3000ms);
    ASSERT_TRUE(status.has_value()) << flags[0];
    EXPECT_EQ(exit_code(*status), 2) << flags[0];
    const std::string flag = flags[0].substr(0, flags[0].find('='));
    EXPECT_NE(db.process().stderr_text().find(flag), std::string::npos) << db.said();
    EXPECT_FALSE(fs::exists(tickets_file(folder))) << flags[0] << " still wrote the file";
  }
}

}  // namespace
}  // namespace drover::test::ticket_db_test
