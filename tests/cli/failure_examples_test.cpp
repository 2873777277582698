// End-to-end: a failing fleet leaves examples a user can read. An "equals"
// expectation ending in "\r" against the line-framed echo fails every
// reply, and summary.json and the console show what was sent, expected and
// received, with the note that line framing strips the "\r"; a server that
// never answers leaves timeout examples, a port nobody listens on connect
// errors. Both the closed model's sessions and the open model's batches
// hand over their examples.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "tests/cli/drover_cli.hpp"
#include "tests/support/loopback.hpp"

namespace drover::test::failure_examples_test {
namespace {

using nlohmann::json;

const std::string kClosed = R"({"model": "closed", "duration": "1s"})";
const std::string kOpen = R"({"model": "open", "rate": 200, "duration": "1s"})";

std::string scenario(const std::string& target, const std::string& op, const std::string& load) {
  return R"({"name": "failures", "targets": {"t": )" + target +
         R"(}, "fleets": [{"name": "c", "target": "t", "clients": 4, "op": )" + op +
         R"(}], "load": )" + load + "}";
}

std::string address(int port) {
  return R"({"address": "127.0.0.1:)" + std::to_string(port) + R"(", "protocol": "tcp"})";
}

class FailureExamplesTest : public ::testing::Test {
 protected:
  json run(const std::string& text) {
    fs::path run_dir = dir_.path() / ("run" + std::to_string(runs_++));
    last_ = run_drover(
        {"run", dir_.write("s.json", text).string(), "--out", run_dir.string(), "--quiet"},
        dir_.path());
    return read_summary(run_dir);
  }

  // The op's examples of one class, which must be there.
  static json failures_of(const json& summary, const std::string& outcome) {
    const json& op = summary["fleets"][0]["ops"][0];
    for (const json& f : op.value("failures", json::array()))
      if (f["class"] == outcome) return f;
    ADD_FAILURE() << "no " << outcome << " examples in " << op.dump();
    return json::object({{"first", json::array()}, {"sampled", json::array()}, {"count", 0}});
  }

  TempDir dir_;
  Finished last_;
  int runs_ = 0;
};

TEST_F(FailureExamplesTest, AWrongReplyShowsTheBytesAndWhatLineFramingStripped) {
  const std::string op =
      R"({"send": "+ok\r", "expect": {"equals": "+OK\r"}, "framing": "line", "timeout": "1s"})";
  const std::string rule =
      R"x(expected equals "+OK\r", received "+OK" (note: line framing strips "\r"))x";
  for (const std::string& load : {kClosed, kOpen}) {
    SCOPED_TRACE(load);
    json s = run(scenario(R"({"kind": "tcp_fork_echo"})", op, load));
    EXPECT_EQ(last_.exit_code, 1) << last_.out << last_.err;
    const json& totals = s["fleets"][0]["ops"][0]["totals"];
    ASSERT_GT(totals["ops"].get<int>(), 3) << totals;
    json wrong = failures_of(s, "wrong_reply");
    EXPECT_EQ(wrong["count"], totals["errors_by_class"]["wrong_reply"]);
    ASSERT_EQ(wrong["first"].size(), 3u) << wrong;
    EXPECT_GE(wrong["sampled"].size(), 1u) << wrong;
    EXPECT_LE(wrong["sampled"].size(), 5u) << wrong;
    const json& e = wrong["first"][0];
    EXPECT_EQ(e["fleet"], "c");
    EXPECT_EQ(e["op"], "message");
    EXPECT_EQ(e["request"]["text"], R"(+ok\r)");
    EXPECT_EQ(e["expected"]["text"], R"(+OK\r)");
    EXPECT_EQ(e["received"]["text"], "+OK");
    EXPECT_EQ(e["rule"], rule);
    EXPECT_GE(e["t_ms"].get<double>(), 0);
    EXPECT_NE(last_.out.find("c message wrong_reply"), std::string::npos) << last_.out;
    EXPECT_NE(last_.out.find(rule), std::string::npos) << last_.out;
  }
}

TEST_F(FailureExamplesTest, AServerThatNeverAnswersLeavesTimeoutExamples) {
  // Connections complete in the kernel's backlog, but nothing is answered.
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), len), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  ASSERT_EQ(::listen(fd, 4096), 0);
  const std::string op =
      R"({"send": "ping {seq}", "expect": "echo", "framing": "line", "timeout": "100ms"})";
  for (const std::string& load : {kClosed, kOpen}) {
    SCOPED_TRACE(load);
    json s = run(scenario(address(ntohs(a.sin_port)), op, load));
    json timeouts = failures_of(s, "timeout");
    ASSERT_FALSE(timeouts["first"].empty()) << timeouts;
    const json& e = timeouts["first"][0];
    EXPECT_EQ(e["rule"], "no reply within 100ms");
    EXPECT_EQ(e["request"]["text"].get<std::string>().rfind("ping ", 0), 0u) << e;
    EXPECT_EQ(e["received"]["text"], "");
    EXPECT_NE(last_.out.find("timeout"), std::string::npos) << last_.out;
  }
  ::close(fd);
}

// A reply that is not RESP under resp framing: no expectation could judge
// it, so the example says how it broke the framing, and shows what came.
TEST_F(FailureExamplesTest, AReplyThatBreaksTheFramingShowsWhatCame) {
  const std::string op =
      R"({"send": "ping\r\n", "expect": "any", "framing": "resp", "timeout": "1s"})";
  json s = run(scenario(R"({"kind": "tcp_fork_echo"})", op, kClosed));
  EXPECT_EQ(last_.exit_code, 1) << last_.out << last_.err;
  json wrong = failures_of(s, "wrong_reply");
  ASSERT_FALSE(wrong["first"].empty()) << wrong;
  const json& e = wrong["first"][0];
  EXPECT_EQ(e["request"]["text"], R"(ping\r\n)");
  EXPECT_EQ(e["received"]["text"].get<std::string>().rfind("PING", 0), 0u) << e;
  EXPECT_EQ(e["rule"].get<std::string>().rfind("the reply broke the fleet's framing: ", 0), 0u)
      << e;
  EXPECT_NE(last_.out.find(R"(; received "PING)"), std::string::npos) << last_.out;
}

// The reference workloads' line protocols, against a server that only
// echoes: each wrong reply's example says what a right one is, and shows
// what came; a SUBMIT nobody answers shows the line that was sent.
TEST_F(FailureExamplesTest, TheReferenceWorkloadsSayWhatARightReplyIs) {
  auto echo = [](const std::string& protocol) {
    return R"({"command": [")" + std::string(DROVER_TARGETS_DIR) +
           R"(/tcp_fork_echo", "--model", "async", "--port", "{port}"], "protocol": ")" + protocol +
           R"(", "ready": {"tcp": "127.0.0.1:{port}"}})";
  };
  const std::string short_load = R"({"model": "closed", "duration": "300ms"})";
  json s = run(scenario(echo("tickets"), R"({"workload": "buy", "timeout": "1s"})", short_load));
  json wrong = failures_of(s, "wrong_reply");
  ASSERT_FALSE(wrong["first"].empty()) << wrong;
  EXPECT_EQ(wrong["first"][0]["op"], "search");
  EXPECT_EQ(wrong["first"][0]["request"]["text"], "SEARCH");
  EXPECT_EQ(wrong["first"][0]["received"]["text"], "SEARCH");
  EXPECT_EQ(wrong["first"][0]["rule"], "expected COUNT <tickets left>");
  EXPECT_NE(last_.out.find(R"(sent "SEARCH": expected COUNT <tickets left>; received "SEARCH")"),
            std::string::npos)
      << last_.out;

  s = run(scenario(echo("queue"), R"({"workload": "produce", "timeout": "1s"})", short_load));
  wrong = failures_of(s, "wrong_reply");
  ASSERT_FALSE(wrong["first"].empty()) << wrong;
  EXPECT_EQ(wrong["first"][0]["request"]["text"].get<std::string>().rfind("PUT c-", 0), 0u);
  EXPECT_EQ(wrong["first"][0]["rule"], "expected OK or FULL");

  s = run(scenario(echo("pool"), R"({"workload": "submit", "timeout": "200ms"})", short_load));
  json unanswered = failures_of(s, "timeout");
  ASSERT_FALSE(unanswered["first"].empty()) << unanswered;
  EXPECT_EQ(unanswered["first"][0]["request"]["text"].get<std::string>().rfind("SUBMIT ", 0), 0u);
  EXPECT_EQ(unanswered["first"][0]["rule"], "no reply within 200ms");
}

// A server that closes every other connection after its reply: the next
// request on it is an io_error, and its examples are filed under that class
// whichever load thread recorded them (one here, as one client runs).
TEST_F(FailureExamplesTest, AConnectionTheServerClosesLeavesIoErrorExamples) {
  const std::string op = R"({"send": "hi {seq}", "expect": "upper", "timeout": "1s"})";
  std::string text = scenario(
      R"({"kind": "tcp_fork_echo", "args": {"model": "async", "close_every": 2}})", op, kClosed);
  text.replace(text.find("\"clients\": 4"), 12, "\"clients\": 1");
  json s = run(text);
  json broken = failures_of(s, "io_error");
  ASSERT_FALSE(broken["first"].empty()) << broken;
  EXPECT_EQ(broken["first"][0]["rule"].get<std::string>().rfind("the connection broke", 0), 0u)
      << broken;
  for (const json& f : s["fleets"][0]["ops"][0]["failures"]) EXPECT_NE(f["class"], "wrong_reply");
  EXPECT_NE(last_.out.find("message io_error ("), std::string::npos) << last_.out;
}

TEST_F(FailureExamplesTest, APortNobodyListensOnLeavesConnectErrorExamples) {
  int port = free_loopback_port(SOCK_STREAM);
  ASSERT_GT(port, 0);
  const std::string op = R"({"send": "x", "expect": "echo", "framing": "line", "timeout": "1s"})";
  for (const std::string& load : {kClosed, kOpen}) {
    SCOPED_TRACE(load);
    json s = run(scenario(address(port), op, load));
    json refused = failures_of(s, "connect_error");
    ASSERT_FALSE(refused["first"].empty()) << refused;
    EXPECT_EQ(refused["first"][0]["rule"], "could not connect: connection refused");
  }
}

}  // namespace
}  // namespace drover::test::failure_examples_test
