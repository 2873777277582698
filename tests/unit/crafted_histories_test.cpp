// Histories written by hand as an adversary would, each with the verdict a
// correct checker must reach and the words its message must (or must not)
// hold. Each case is one way a crafted or damaged history once passed.
//
// A history is given line by line in a short form, "t client type f
// value": client "@" is drover's own final query of the target (fleet
// "@t"), "n" the nemesis; a value is JSON (a number, a list, "text") or a
// bare word taken as text, none for null. A line starting with '{' or '~'
// is written as it is ('~' dropped: a line that is not an event).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "harness/checks/history_checks.hpp"
#include "tests/support/temp_dir.hpp"

namespace drover::crafted_histories_test {
namespace {

enum class Workload { kTickets, kQueue, kPool };

struct Case {
  const char* name;
  Workload workload;
  std::int64_t parameter;  // the stock, the maxsize, the workers
  std::vector<std::string> lines;
  const char* verdict;  // pass, fail, unknown, error
  std::vector<std::string> words;
  std::vector<std::string> absent = {};
  bool torn = false;    // the last line has no newline: a crash tore it
  bool remote = false;  // the fleet runs on another host, on its own clock
};

std::ostream& operator<<(std::ostream& out, const Case& c) {
  return out << c.name;
}

std::string json_line(const std::string& line) {
  if (line.starts_with("{")) return line;
  if (line.starts_with("~")) return line.substr(1);
  std::istringstream in(line);
  std::string t, client, type, f, value;
  in >> t >> client >> type >> f;
  std::getline(in >> std::ws, value);
  std::string fleet = "f";
  if (client == "@") {
    fleet = "@t";
    client = "0";
  } else if (client == "n") {
    fleet = "@nemesis";
    client = "4294967295";
  }
  if (value.empty()) {
    value = "null";
  } else if (value[0] != '[' && value[0] != '"' && value[0] != '-' && !std::isdigit(value[0])) {
    value = "\"" + value + "\"";
  }
  return "{\"t\":" + t + ",\"client\":" + client + ",\"fleet\":\"" + fleet + "\",\"type\":\"" +
         type + "\",\"f\":\"" + f + "\",\"value\":" + value + "}";
}

Scenario scenario_for(const Case& c) {
  Scenario s;
  FleetSpec fleet;
  fleet.name = "f";
  fleet.target = "t";
  if (c.remote) fleet.hosts = {"load1"};
  s.fleets.push_back(fleet);
  Invariant invariant = c.workload == Workload::kTickets ? Invariant::kNoOversell
                        : c.workload == Workload::kQueue ? Invariant::kExactlyOnce
                                                         : Invariant::kPoolComplete;
  s.checks.push_back({invariant, "t", c.parameter});
  return s;
}

class CraftedHistory : public ::testing::TestWithParam<Case> {};

TEST_P(CraftedHistory, ReachesItsVerdictWithItsWords) {
  const Case& c = GetParam();
  test::TempDir dir;
  const std::string path = (dir.path() / "history.jsonl").string();
  {
    std::ofstream out(path);
    for (std::size_t i = 0; i < c.lines.size(); ++i) {
      out << json_line(c.lines[i]);
      if (!(c.torn && i + 1 == c.lines.size())) out << '\n';
    }
  }
  auto results = check_history(scenario_for(c), path);
  std::string verdict, message;
  if (!results) {
    verdict = "error";
    message = results.error();
  } else {
    ASSERT_EQ(results->size(), 1u);
    const InvariantResult& r = results->front();
    verdict = r.ok ? "pass" : r.unknown ? "unknown" : "fail";
    message = r.detail;
  }
  EXPECT_EQ(verdict, c.verdict) << message;
  for (const std::string& word : c.words) {
    EXPECT_NE(message.find(word), std::string::npos) << "\"" << word << "\" not in: " << message;
  }
  for (const std::string& word : c.absent) {
    EXPECT_EQ(message.find(word), std::string::npos) << "\"" << word << "\" in: " << message;
  }
}

// A queue history: item a put, taken and DONE, the final JOIN and STATS.
std::vector<std::string> queue_ok() {
  return {"1 1 invoke put a",  "2 1 ok put a",
          "3 2 invoke get",    "4 2 ok get a",
          "5 2 invoke done a", "6 2 ok done a",
          "10 @ invoke join",  "11 @ ok join",
          "12 @ invoke stats", "13 @ ok stats [0,1,1,1,1]"};
}

// A tickets history: three BUYs of a stock of 3 sold, the final AUDIT.
std::vector<std::string> tickets_ok() {
  return {"1 1 invoke buy b1", "2 1 ok buy 1",   "3 2 invoke buy b2", "4 2 ok buy 2",
          "5 1 invoke buy b1", "6 1 ok buy 3",   "7 2 invoke buy b2", "8 2 fail buy soldout",
          "20 @ invoke audit", "21 @ ok audit 0"};
}

// Three PUTs acknowledged before the first GET starts, against the
// broker's STATS that claim a depth of 2 at most.
std::vector<std::string> three_puts_before_any_get() {
  return {"1 1 invoke put a",   "2 1 ok put a",
          "3 1 invoke put b",   "4 1 ok put b",
          "5 1 invoke put c",   "6 1 ok put c",
          "7 2 invoke get",     "8 2 ok get a",
          "9 2 invoke done a",  "10 2 ok done a",
          "11 2 invoke get",    "12 2 ok get b",
          "13 2 invoke done b", "14 2 ok done b",
          "15 2 invoke get",    "16 2 ok get c",
          "17 2 invoke done c", "18 2 ok done c",
          "20 @ invoke join",   "21 @ ok join",
          "22 @ invoke stats",  "23 @ ok stats [0,2,3,3,3]"};
}

std::vector<std::string> but_last(std::vector<std::string> lines, std::size_t n) {
  lines.resize(lines.size() - n);
  return lines;
}

template <class... More>
std::vector<std::string> with(std::vector<std::string> lines, More... more) {
  (lines.push_back(more), ...);
  return lines;
}

const Case kExactlyOnce[] = {
    {"QueuePasses", Workload::kQueue, 4, queue_ok(), "pass", {"1 acknowledged items"}},
    {"ConsumedAlthoughItsPutFailed",
     Workload::kQueue,
     4,
     {"1 1 invoke put a", "2 1 fail put a", "3 2 invoke get", "4 2 ok get a", "5 2 invoke done a",
      "6 2 ok done a", "10 @ invoke join", "11 @ ok join", "12 @ invoke stats",
      "13 @ ok stats [0,1,1,1,1]"},
     "fail",
     {"1 items consumed that were never put: a"}},
    {"PutOfUnknownOutcomeMayBeConsumed",
     Workload::kQueue,
     4,
     {"1 1 invoke put a", "2 1 info put a", "3 2 invoke get", "4 2 ok get a", "5 2 invoke done a",
      "6 2 ok done a", "10 @ invoke join", "11 @ ok join", "12 @ invoke stats",
      "13 @ ok stats [0,1,1,1,1]"},
     "pass",
     {}},
    {"DepthAboveMaxsizeFromTheHistoryAlone",
     Workload::kQueue,
     2,
     three_puts_before_any_get(),
     "fail",
     {"at least 3 items were in the queue", "3 PUTs acknowledged, 0 GETs started", "maxsize 2"}},
    {"OnAnotherHostsClockTheDepthIsNotBounded",
     Workload::kQueue,
     2,
     three_puts_before_any_get(),
     "pass",
     {"3 acknowledged items"},
     {},
     false,
     true},
    {"JoinReturnsWhileATakenItemWasNeverDone",
     Workload::kQueue,
     4,
     {"1 1 invoke put a", "2 1 ok put a", "3 2 invoke get", "4 2 ok get a", "10 @ invoke join",
      "11 @ ok join", "12 @ invoke stats", "13 @ ok stats [0,1,1,1,0]"},
     "fail",
     {"JOIN returned although 1 taken items were never DONE: a"}},
    {"JoinNeverRepliesAlthoughEveryItemWasDone",
     Workload::kQueue,
     4,
     {"1 1 invoke put a", "2 1 ok put a", "3 2 invoke get", "4 2 ok get a", "5 2 invoke done a",
      "6 2 ok done a", "10 @ invoke join", "11 @ info join", "12 @ invoke stats",
      "13 @ ok stats [0,1,1,1,1]"},
     "fail",
     {"JOIN never returned OK, although every taken item was DONE"}},
    {"ADoneAfterTheJoinIsMidLoad",
     Workload::kQueue,
     4,
     {"1 1 invoke put a", "2 1 ok put a", "3 2 invoke get", "4 2 ok get a", "10 @ invoke join",
      "11 @ ok join", "12 @ invoke stats", "13 @ ok stats [0,1,1,1,1]", "14 2 invoke done a",
      "15 2 ok done a"},
     "error",
     {"in the middle of the load"}},
    {"NoFinalStats",
     Workload::kQueue,
     4,
     {"1 1 invoke put a", "2 1 ok put a", "3 2 invoke get", "4 2 ok get a", "5 2 invoke done a",
      "6 2 ok done a", "10 @ invoke join", "11 @ ok join"},
     "unknown",
     {"no final STATS recorded"}},
    {"FinalStatsOnATornLine",
     Workload::kQueue,
     4,
     with(but_last(queue_ok(), 1),
          std::string("~{\"t\":13,\"client\":0,\"fleet\":\"@t\",\"type\":\"ok\",\"f\":\"st")),
     "unknown",
     {"no final STATS recorded (the last line, 10, was torn by a crash)"},
     {},
     true},
    {"EmptyQueueHistory", Workload::kQueue, 4, {}, "unknown", {"holds no PUT or GET"}},
    {"AJoinReplyOnATornLine",
     Workload::kQueue,
     4,
     with(but_last(queue_ok(), 3), std::string("~{\"t\":11,\"client\":0,\"fl")),
     "unknown",
     {"no final STATS recorded (the last line, 8, was torn by a crash)"},
     {"JOIN"},
     true},
    {"AGetOfUnknownOutcomeMayHaveTakenTheMissingItem",
     Workload::kQueue,
     4,
     {"1 1 invoke put a", "2 1 ok put a", "3 2 invoke get", "4 2 info get", "10 @ invoke join",
      "11 @ info join", "12 @ invoke stats", "13 @ ok stats [0,1,1,1,0]"},
     "pass",
     {"1 unconfirmed"}},
    {"AnItemTakenTwice",
     Workload::kQueue,
     4,
     with(but_last(queue_ok(), 4), std::string("7 3 invoke get"), std::string("8 3 ok get a"),
          std::string("9 3 invoke done a"), std::string("9 3 ok done a"),
          std::string("10 @ invoke join"), std::string("11 @ ok join"),
          std::string("12 @ invoke stats"), std::string("13 @ ok stats [0,1,1,2,2]")),
     "fail",
     {"1 items consumed more than once: a"}},
};

// Pool results: task, n, n*n, worker pid, start_us, end_us.
const Case kPoolComplete[] = {
    {"PoolPasses",
     Workload::kPool,
     2,
     {"1 1 invoke submit [1,2]", "2 1 invoke submit [2,3]", "3 1 ok submit [1,2,4,100,0,10]",
      "4 1 ok submit [2,3,9,101,5,20]"},
     "pass",
     {"2 tasks answered once each"}},
    {"AnswerForATaskNeverSubmitted",
     Workload::kPool,
     2,
     {"1 1 invoke submit [1,2]", "2 1 invoke submit [3,3]", "3 1 ok submit [1,2,4,100,0,10]",
      "4 1 ok submit [2,0,4,100,10,20]", "5 1 ok submit [3,3,9,101,5,20]"},
     "fail",
     {"1 answers for tasks never submitted: 2"},
     {"above every"}},
    {"AnswerAboveTheLastTaskSubmitted",
     Workload::kPool,
     2,
     {"1 1 invoke submit [1,2]", "2 1 ok submit [1,2,4,100,0,10]",
      "3 1 ok submit [7,0,49,100,10,20]"},
     "fail",
     {"1 answers for tasks never submitted (1 above every task submitted before them): 7"}},
    {"ImpossibleIntervalsHideAnOverlap",
     Workload::kPool,
     2,
     {"1 1 invoke submit [1,1]", "2 1 invoke submit [2,1]", "3 1 invoke submit [3,1]",
      "4 1 invoke submit [4,1]", "5 1 invoke submit [5,1]", "6 1 ok submit [1,1,1,100,0,10]",
      "7 1 ok submit [2,1,1,101,1,10]", "8 1 ok submit [3,1,1,102,2,10]",
      "9 1 ok submit [4,1,1,103,100,-1]", "10 1 ok submit [5,1,1,104,100,-1]"},
     "fail",
     {"2 answers end before they start: tasks 4, 5", "3 tasks ran at once (pool of 2)"}},
    {"ARepeatedAnswerIsNotAnOverlap",
     Workload::kPool,
     1,
     {"1 1 invoke submit [1,2]", "2 1 ok submit [1,2,4,100,0,10]",
      "3 1 ok submit [1,2,4,100,0,10]"},
     "fail",
     {"1 tasks answered more than once: 1"},
     {"ran at once"}},
    {"ATimedOutSubmitIsUnknownNotLost",
     Workload::kPool,
     2,
     {"1 1 invoke submit [1,2]", "2 1 invoke submit [2,2]", "3 1 ok submit [1,2,4,100,0,10]",
      "9 1 info submit [2,2]"},
     "unknown",
     {"1 tasks of unknown outcome (no answer in time): 2"},
     {"never answered"}},
    {"ALossBesideATimeoutIsStillALoss",
     Workload::kPool,
     2,
     {"1 1 invoke submit [1,2]", "2 1 invoke submit [2,2]", "3 2 invoke submit [3,2]",
      "9 1 info submit [2,2]", "10 1 info submit [1,2]"},
     "fail",
     {"1 tasks never answered: 3", "2 tasks of unknown outcome"}},
    {"AnAnswerOnATornLineIsUnknown",
     Workload::kPool,
     2,
     {"1 1 invoke submit [1,2]", "2 1 invoke submit [2,2]", "3 1 ok submit [1,2,4,100,0,10]",
      "~{\"t\":4,\"client\":1,\"fleet\":\"f\",\"type\":\"ok\",\"f\":\"submit\",\"value\":[2,2,4"},
     "unknown",
     {"1 tasks of unknown outcome (no answer in time, or on the torn last line 4): 2"},
     {"never answered"},
     true},
    {"EmptyPoolHistory", Workload::kPool, 2, {}, "unknown", {"holds no SUBMIT"}},
    {"AWrongSquare",
     Workload::kPool,
     2,
     {"1 1 invoke submit [1,3]", "2 1 ok submit [1,3,10,100,0,10]"},
     "fail",
     {"1 results not n*n: tasks 1"}},
    {"AnErrorAnswerSettlesItsTask",
     Workload::kPool,
     2,
     {"1 1 invoke submit [1,3]", "2 1 fail submit [1,3]"},
     "pass",
     {"1 tasks answered once each (1 with an error)"}},
};

const Case kNoOversell[] = {
    {"TicketsPass", Workload::kTickets, 3, tickets_ok(), "pass", {"sold 3 of 3"}},
    {"NoFinalAudit",
     Workload::kTickets,
     3,
     but_last(tickets_ok(), 2),
     "unknown",
     {"no final AUDIT recorded"}},
    {"FinalAuditOnATornLine",
     Workload::kTickets,
     3,
     with(but_last(tickets_ok(), 1), std::string("~{\"t\":21,\"client\":0,\"fleet\":\"@t\",\"ty")),
     "unknown",
     {"no final AUDIT recorded (the last line, 10, was torn by a crash)"},
     {},
     true},
    {"TheLatestAuditCountsNotTheLastInTheFile",
     Workload::kTickets,
     3,
     with(but_last(tickets_ok(), 2), std::string("30 @ invoke audit"),
          std::string("31 @ ok audit 1"), std::string("20 @ invoke audit"),
          std::string("21 @ ok audit 0")),
     "fail",
     {"the final AUDIT counts 1 left, so 2 sold, but 3 BUYs succeeded"}},
    {"SoldMoreThanTheStockWithUnknownOutcomes",
     Workload::kTickets,
     3,
     with(but_last(tickets_ok(), 2), std::string("9 3 invoke buy b3"),
          std::string("10 3 info buy b3"), std::string("11 4 invoke buy b4"),
          std::string("12 4 info buy b4"), std::string("20 @ invoke audit"),
          std::string("21 @ ok audit -2")),
     "fail",
     {"5 sold from a stock of 3"},
     {"expected"}},
    {"ABuyAfterTheFinalAudit",
     Workload::kTickets,
     3,
     with(tickets_ok(), std::string("30 3 invoke buy b3"), std::string("31 3 ok buy 4")),
     "error",
     {"in the middle of the load"}},
    {"Oversold",
     Workload::kTickets,
     3,
     {"1 1 invoke buy b1", "2 1 ok buy 1", "3 1 invoke buy b1", "4 1 ok buy 2", "5 1 invoke buy b1",
      "6 1 ok buy 3", "7 1 invoke buy b1", "8 1 ok buy 3", "20 @ invoke audit", "21 @ ok audit -1"},
     "fail",
     {"4 tickets sold from a stock of 3", "1 serials sold more than once: 3"}},
    {"EmptyTicketsHistory", Workload::kTickets, 3, {}, "unknown", {"holds no BUY or SEARCH"}},
    {"ASerialOutsideTheStock",
     Workload::kTickets,
     3,
     {"1 1 invoke buy b1", "2 1 ok buy 7", "20 @ invoke audit", "21 @ ok audit 2"},
     "fail",
     {"1 serials outside 1..3: 7"}},
    {"AnAuditThatGotNoAnswer",
     Workload::kTickets,
     3,
     with(but_last(tickets_ok(), 1), std::string("21 @ info audit")),
     "unknown",
     {"no final AUDIT recorded (the AUDIT got no answer)"}},
    {"TheNemesisIsNoClient",
     Workload::kTickets,
     3,
     with(tickets_ok(), std::string("5 n info kill t")),
     "pass",
     {}},
};

const Case kWellFormed[] = {
    {"ACompletionWithNoInvoke",
     Workload::kTickets,
     3,
     with(std::vector<std::string>{"1 1 ok buy 1"}, std::string("20 @ invoke audit"),
          std::string("21 @ ok audit 2")),
     "error",
     {"history.jsonl:1: malformed history", "ok \"buy\" of client 1", "no invoke"}},
    {"AnOkTimedBeforeItsInvoke",
     Workload::kTickets,
     3,
     {"5 1 invoke buy b1", "4 1 ok buy 1", "20 @ invoke audit", "21 @ ok audit 2"},
     "error",
     {"history.jsonl:2: malformed history", "before its invoke at t=5 ns (line 1)"}},
    {"AnAuditInTheMiddleOfTheLoad",
     Workload::kTickets,
     3,
     {"1 1 invoke buy b1", "2 1 ok buy 1", "3 @ invoke audit", "4 @ ok audit 2",
      "5 1 invoke buy b1", "6 1 ok buy 2"},
     "error",
     {"history.jsonl:3: malformed history", "in the middle of the load"}},
    {"TwoOperationsOpenAtOnce",
     Workload::kTickets,
     3,
     {"1 1 invoke buy b1", "2 1 invoke search", "3 1 ok buy 1", "20 @ invoke audit",
      "21 @ ok audit 2"},
     "error",
     {"history.jsonl:2: malformed history", "while its \"buy\" of line 1 is still open"}},
    {"ACompletionOfAnotherOperation",
     Workload::kQueue,
     4,
     {"1 1 invoke put a", "2 1 ok get a"},
     "error",
     {"history.jsonl:2: malformed history", "open operation is \"put\""}},
    {"APoolAnswerBeforeItsSubmit",
     Workload::kPool,
     2,
     {"5 1 invoke submit [1,2]", "3 1 ok submit [1,2,4,100,0,10]"},
     "error",
     {"history.jsonl:2: malformed history", "for task 1 is timed t=3 ns, before"}},
    {"KeysInAnyOrderAndSpacing",
     Workload::kTickets,
     1,
     {R"({ "client": 1, "t": 1, "type": "invoke", "fleet": "f", "f": "buy", "value": "b1" })",
      R"({"value":1,"f":"buy","type":"ok","fleet":"f","client":1,"t":2,"extra":[1,{"a":2}]})",
      "20 @ invoke audit", "21 @ ok audit 0"},
     "pass",
     {"sold 1 of 1"}},
    {"AClientNumberTooLarge",
     Workload::kTickets,
     1,
     {"1 1 invoke buy b1",
      R"({"t":2,"client":4294967296,"fleet":"f","type":"ok","f":"buy","value":1})",
      "20 @ invoke audit", "21 @ ok audit 0"},
     "error",
     {R"(history.jsonl:2: "client" is not an integer from 0 to 4294967295)"}},
    {"ATimeThatIsText",
     Workload::kTickets,
     1,
     {R"({"t":"1","client":1,"fleet":"f","type":"invoke","f":"buy","value":"b1"})"},
     "error",
     {R"(history.jsonl:1: "t" is not an integer from 0 to 9223372036854775807)"}},
    {"BlankLinesAreSkipped",
     Workload::kTickets,
     1,
     {"1 1 invoke buy b1", "~", "2 1 ok buy 1", "~  ", "20 @ invoke audit", "21 @ ok audit 0"},
     "pass",
     {"sold 1 of 1"}},
    {"ALineThatIsNotJson",
     Workload::kTickets,
     1,
     {"1 1 invoke buy b1", "~{\"t\":2,", "20 @ invoke audit", "21 @ ok audit 0"},
     "error",
     {"history.jsonl:2: not JSON"}},
};

std::string name_of(const ::testing::TestParamInfo<Case>& info) {
  return info.param.name;
}

INSTANTIATE_TEST_SUITE_P(ExactlyOnce, CraftedHistory, ::testing::ValuesIn(kExactlyOnce), name_of);
INSTANTIATE_TEST_SUITE_P(PoolComplete, CraftedHistory, ::testing::ValuesIn(kPoolComplete), name_of);
INSTANTIATE_TEST_SUITE_P(NoOversell, CraftedHistory, ::testing::ValuesIn(kNoOversell), name_of);
INSTANTIATE_TEST_SUITE_P(WellFormed, CraftedHistory, ::testing::ValuesIn(kWellFormed), name_of);

}  // namespace
}  // namespace drover::crafted_histories_test
