// End-to-end: http fleets against a small HTTP/1.1 server on loopback
// (tests/data/http/http_server.py), which answers each path one way. Every
// framing of a body is read (Content-Length, chunked, the connection's
// close); every expectation passes when it holds; and each kind of error
// (a 500, a header, a body, a JSON value, a server that never answers, a
// reset, a reply cut short, bytes that are not HTTP, a body past max_body,
// a port nobody listens on, a server too busy to accept) ends in its own
// class with an example a user can read. Clients sharing a pool of
// connections use exactly that many, wait for a free one (which their
// latency shows), pipeline requests on them with replies matched in order,
// each fail when a connection is reset under them, and send again what a
// Connection: close left unanswered.
//
// Other tests run beside these: they assert outcomes as shares of the
// operations that ran, never rates or times.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "tests/cli/drover_cli.hpp"
#include "tests/support/loopback.hpp"

namespace drover::test::http_test {
namespace {

using nlohmann::json;

std::string server_target() {
  fs::path server = fs::path(DROVER_SOURCE_DIR) / "tests/data/http/http_server.py";
  return R"({"command": ["python3", ")" + server.string() +
         R"(", "--port", "{port}"], "protocol": "http", "address": "127.0.0.1:{port}",
             "ready": {"stdout": "^READY http"}})";
}

// The server, keeping the count of connections it accepted in stats.
std::string counting_target(const fs::path& stats) {
  std::string target = server_target();
  const std::string port = R"("--port", "{port}")";
  target.replace(target.find(port), port.size(),
                 port + R"(, "--stats", ")" + stats.string() + "\"");
  return target;
}

// One http fleet of `clients` clients running op (an object) in load.
std::string one_op_scenario(const std::string& target, int clients, const std::string& op,
                            const std::string& load = R"({"model": "closed", "duration": "1s"})") {
  return R"({"name": "http", "targets": {"web": )" + target +
         R"(}, "fleets": [{"name": "c", "target": "web", "require_answer": false, "clients": )" +
         std::to_string(clients) + R"(, "op": )" + op + R"(}], "load": )" + load + "}";
}

std::string scenario(const std::string& target, const std::string& ops,
                     const std::string& thresholds = "{}") {
  return R"({"name": "http", "targets": {"web": )" + target +
         R"(}, "fleets": [{"name": "c", "target": "web", "clients": 2, "require_answer": false,
             "ops": )" +
         ops + R"(}], "load": {"model": "closed", "duration": "1s"}, "thresholds": )" + thresholds +
         "}";
}

class HttpTest : public ::testing::Test {
 protected:
  json run(const std::string& text, const std::vector<std::string>& flags = {}) {
    fs::path run_dir = dir_.path() / ("run" + std::to_string(runs_++));
    std::vector<std::string> args{"run", dir_.write("s.json", text).string(), "--out",
                                  run_dir.string(), "--quiet"};
    args.insert(args.end(), flags.begin(), flags.end());
    last_ = run_drover(args, dir_.path());
    return read_summary(run_dir);
  }

  static const json& op_named(const json& summary, const std::string& name) {
    for (const json& op : summary["fleets"][0]["ops"])
      if (op["name"] == name) return op;
    static const json kNone;
    ADD_FAILURE() << "no op " << name;
    return kNone;
  }

  // Every operation of the op ended in `outcome`, and its first example
  // says `rule`; the example is returned.
  static json all_failed_with(const json& summary, const std::string& name,
                              const std::string& outcome, const std::string& rule) {
    const json& op = op_named(summary, name);
    const json& totals = op["totals"];
    EXPECT_GT(totals["ops"].get<double>(), 0) << name;
    EXPECT_EQ(totals["errors_by_class"][outcome], totals["ops"]) << name << ": " << op.dump();
    for (const json& f : op.value("failures", json::array())) {
      if (f["class"] != outcome) continue;
      const json& example = f["first"].at(0);
      EXPECT_NE(example["rule"].get<std::string>().find(rule), std::string::npos)
          << name << ": " << example.dump();
      return example;
    }
    ADD_FAILURE() << name << ": no " << outcome << " example in " << op.dump();
    return json::object();
  }

  TempDir dir_;
  Finished last_;
  int runs_ = 0;
};

TEST_F(HttpTest, EveryFramingIsReadAndEveryExpectationThatHoldsPasses) {
  json s = run(scenario(server_target(), R"([
      {"name": "length", "path": "/ok?n={seq}",
       "expect": {"status": 200, "headers": {"Content-Type": {"regex": "json"},
                                             "Server": {"present": true},
                                             "X-None": {"present": false}},
                  "body": {"json": "/id", "value": 7}}},
      {"name": "chunked", "path": "/chunked", "expect": {"body": {"equals": "ok chunked"}}},
      {"name": "close", "path": "/close", "expect": {"body": {"contains": "close"}}},
      {"name": "post", "method": "POST", "path": "/echo", "headers": {"X-Client": "c{client}"},
       "body": "hello {seq}", "expect": {"body": {"regex": "\"x-client\": \"c[01]\""}}},
      {"name": "once", "path": "/echo", "keep_alive": false,
       "expect": {"body": {"json": "/headers/connection", "value": "close"}}},
      {"name": "head", "method": "HEAD", "path": "/ok", "expect": {"status": [200, 204]}}])"));
  EXPECT_EQ(last_.exit_code, 0) << last_.err;
  for (const char* name : {"length", "chunked", "close", "post", "once", "head"}) {
    const json& totals = op_named(s, name)["totals"];
    EXPECT_GT(totals["ops"].get<double>(), 0) << name;
    EXPECT_EQ(totals["ok"], totals["ops"]) << name << ": " << op_named(s, name).dump();
  }
}

TEST_F(HttpTest, EachWrongReplyFailsWithARuleAUserCanRead) {
  json s = run(scenario(server_target(), R"([
      {"name": "s500", "path": "/status/500"},
      {"name": "header", "path": "/ok", "expect": {"headers": {"Content-Type": {"regex": "html"}}}},
      {"name": "body", "path": "/ok", "expect": {"body": {"contains": "nope"}}},
      {"name": "json", "path": "/ok", "expect": {"body": {"json": "/id", "value": 8}}}])",
                        R"({"http.status{op:s500,class:5xx}": "< 1",
                            "http.status{op:header,class:2xx}": ">= 1"})"));
  // Every 500 is counted in its status class, which the threshold reads.
  EXPECT_EQ(last_.exit_code, 1) << last_.err;
  const json& s500 = op_named(s, "s500")["totals"];
  EXPECT_EQ(s500["status_classes"]["5xx"], s500["ops"]);
  ASSERT_EQ(s["thresholds"].size(), 2u);
  for (const json& t : s["thresholds"]) {
    bool five = t["op_name"] == "s500";
    EXPECT_EQ(t["ok"].get<bool>(), !five) << t.dump();
    if (five) {
      EXPECT_EQ(t["value"], s500["ops"]) << t.dump();
    }
  }
  json e = all_failed_with(s, "s500", "wrong_reply", "expected status 2xx, received 500");
  EXPECT_NE(e["received"]["text"].get<std::string>().find("HTTP/1.1 500"), std::string::npos);
  EXPECT_NE(e["request"]["text"].get<std::string>().find("GET /status/500 HTTP/1.1"),
            std::string::npos);
  all_failed_with(s, "header", "wrong_reply",
                  R"(expected header Content-Type matching "html", received "application/json")");
  all_failed_with(s, "body", "wrong_reply", R"(expected the body to contain "nope")");
  all_failed_with(s, "json", "wrong_reply", "expected /id equal to 8, got 7");
}

TEST_F(HttpTest, EachBrokenExchangeEndsInItsOwnClass) {
  json s = run(scenario(server_target(), R"([
      {"name": "slow", "path": "/slow", "timeout": "200ms"},
      {"name": "reset", "path": "/reset"},
      {"name": "cut", "path": "/cut"},
      {"name": "garbage", "path": "/garbage"},
      {"name": "big", "path": "/big", "max_body": "1MiB"}])"));
  EXPECT_TRUE(last_.exit_code == 0 || last_.exit_code == 1) << last_.err;
  all_failed_with(s, "slow", "timeout", "no reply within 200ms");
  all_failed_with(s, "reset", "reset", "closed before the whole reply came");
  json cut = all_failed_with(s, "cut", "reset", "closed before the whole reply came");
  EXPECT_NE(cut["received"]["text"].get<std::string>().find("half"), std::string::npos);
  json garbage = all_failed_with(s, "garbage", "malformed_reply", "not one the protocol allows");
  EXPECT_NE(garbage["received"]["text"].get<std::string>().find("HELLO THERE"), std::string::npos);
  all_failed_with(s, "big", "reply_too_large", "longer than max_body");
}

// The open model has no batch for http: each client runs its own session,
// and every operation that ran is answered right.
TEST_F(HttpTest, TheOpenModelRunsEachClientsOwnSession) {
  std::string text = scenario(server_target(), R"([{"name": "get", "path": "/ok"}])");
  const std::string closed = R"({"model": "closed", "duration": "1s"})";
  text.replace(text.find(closed), closed.size(),
               R"({"model": "open", "rate": 100, "duration": "1s"})");
  json s = run(text);
  EXPECT_EQ(last_.exit_code, 0) << last_.err;
  const json& totals = op_named(s, "get")["totals"];
  EXPECT_GT(totals["ops"].get<double>(), 0);
  EXPECT_EQ(totals["ok"], totals["ops"]) << totals.dump();
  EXPECT_EQ(totals["status_classes"]["2xx"], totals["ops"]) << totals.dump();
}

// Eight clients share two keep-alive connections: the server accepts two
// and no more, and every request is answered.
TEST_F(HttpTest, ClientsShareExactlyTheirFleetsConnections) {
  fs::path stats = dir_.path() / "stats.json";
  json s = run(one_op_scenario(counting_target(stats), 8,
                               R"({"path": "/ok", "connections": 2, "timeout": "5s"})"));
  EXPECT_EQ(last_.exit_code, 0) << last_.err;
  const json& totals = op_named(s, "request")["totals"];
  EXPECT_GT(totals["ops"].get<double>(), 8);
  EXPECT_EQ(totals["ok"], totals["ops"]) << totals.dump();
  EXPECT_EQ(json::parse(read_file(stats))["accepted"], 2);
}

// Four clients on one load thread share one connection, each reply taking
// 50 ms, at a rate the connection cannot keep: a client waits for the
// connection, and its latency (from the intended start, in the open model)
// shows the wait on top of the server's 50 ms.
TEST_F(HttpTest, WaitingForAFreeConnectionShowsInLatency) {
  json s = run(one_op_scenario(server_target(), 4,
                               R"({"path": "/sleep/50", "connections": 1, "timeout": "3s"})",
                               R"({"model": "open", "rate": 80, "duration": "1s"})"),
               {"--threads", "1"});
  EXPECT_EQ(last_.exit_code, 0) << last_.err;
  const json& op = op_named(s, "request");
  EXPECT_EQ(op["totals"]["ok"], op["totals"]["ops"]) << op.dump();
  EXPECT_GT(op["latency_ms"]["p50"].get<double>(), 100) << op.dump();
}

// The server answers /hold/2 only once two requests came on the connection,
// so only pipelined requests are answered; each reply's body is its own
// request's path, which the op expects back in order.
TEST_F(HttpTest, PipelinedRequestsAreAnsweredInOrder) {
  json s = run(one_op_scenario(server_target(), 4,
                               R"({"path": "/hold/2/{client}", "connections": 2, "pipeline": 2,
                                   "timeout": "500ms",
                                   "expect": {"body": {"regex": "^/hold/2/[0-3]$"}}})"));
  const json& op = op_named(s, "request");
  const json& totals = op["totals"];
  EXPECT_GT(totals["ok"].get<double>(), 20) << op.dump();
  EXPECT_EQ(totals["errors_by_class"].value("wrong_reply", 0), 0) << op.dump();
  // At most each client's last request, held when the load ended.
  EXPECT_LE(totals["ops"].get<double>() - totals["ok"].get<double>(), 4) << op.dump();
}

// A server that resets a connection once two requests are on it: both
// fail as reset, each with its example (the one behind saying the one
// before it ended the connection), and the run goes on.
TEST_F(HttpTest, AResetMidPipelineFailsEveryRequestOnTheConnection) {
  json s = run(one_op_scenario(server_target(), 4,
                               R"({"path": "/cut/2", "connections": 2, "pipeline": 2})"));
  EXPECT_TRUE(last_.exit_code == 0 || last_.exit_code == 1) << last_.err;
  const json& op = op_named(s, "request");
  const json& totals = op["totals"];
  const double ops = totals["ops"].get<double>();
  const double reset = totals["errors_by_class"]["reset"].get<double>();
  EXPECT_GT(ops, 8) << op.dump();
  // Besides, at most each client's last request, alone on its connection
  // when the load ended, which the server never reads past.
  EXPECT_EQ(reset + totals["errors_by_class"]["timeout"].get<double>(), ops) << op.dump();
  EXPECT_GE(reset, ops - 4) << op.dump();
  bool front = false, behind = false;
  for (const json& f : op["failures"]) {
    if (f["class"] != "reset") continue;
    json examples = f["first"];
    for (const json& e : f.value("sampled", json::array())) examples.push_back(e);
    for (const json& e : examples) {
      const std::string rule = e["rule"];
      EXPECT_NE(rule.find("closed before the whole reply came"), std::string::npos) << rule;
      bool after = rule.find("a request sent before it on the same connection ended it") !=
                   std::string::npos;
      (after ? behind : front) = true;
    }
  }
  EXPECT_TRUE(front && behind) << op.dump();
}

// /close ends its connection after each reply (Connection: close, the body
// running to the close): the request pipelined behind it, which the server
// never reads, is sent again on a new connection, so every request is
// answered and the server accepts a connection per request.
TEST_F(HttpTest, RequestsBehindAConnectionCloseAreSentAgain) {
  fs::path stats = dir_.path() / "stats.json";
  json s = run(one_op_scenario(counting_target(stats), 4,
                               R"({"path": "/close", "connections": 2, "pipeline": 2,
                                   "expect": {"body": {"equals": "ok close"}}})"));
  EXPECT_EQ(last_.exit_code, 0) << last_.err;
  const json& totals = op_named(s, "request")["totals"];
  EXPECT_GT(totals["ops"].get<double>(), 8) << totals.dump();
  EXPECT_EQ(totals["ok"], totals["ops"]) << totals.dump();
  EXPECT_GE(json::parse(read_file(stats))["accepted"].get<double>(), totals["ops"].get<double>());
}

// A listening socket whose accept queue is full, so the kernel drops
// further SYNs and a connect waits: what a server too busy to accept is.
class FullAcceptQueue {
 public:
  FullAcceptQueue() {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    EXPECT_EQ(::bind(listener_, reinterpret_cast<sockaddr*>(&addr), len), 0);
    EXPECT_EQ(::listen(listener_, 0), 0);
    EXPECT_EQ(::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    port_ = ntohs(addr.sin_port);
    // Two connections fill a queue of backlog 0 (the kernel keeps one more).
    for (int i = 0; i < 2; ++i) {
      int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      ::connect(fd, reinterpret_cast<sockaddr*>(&addr), len);
      fillers_.push_back(fd);
    }
  }
  ~FullAcceptQueue() {
    for (int fd : fillers_) ::close(fd);
    ::close(listener_);
  }
  int port() const { return port_; }

 private:
  int listener_ = -1;
  int port_ = 0;
  std::vector<int> fillers_;
};

TEST_F(HttpTest, AServerThatNeverAcceptsIsAConnectTimeout) {
  FullAcceptQueue busy;
  json s = run(scenario(
      R"({"address": "127.0.0.1:)" + std::to_string(busy.port()) + R"(", "protocol": "http"})",
      R"([{"name": "get", "path": "/", "connect_timeout": "100ms", "timeout": "2s"}])"));
  all_failed_with(s, "get", "connect_timeout", "could not connect within 100ms");
}

TEST_F(HttpTest, APortNobodyListensOnIsAConnectError) {
  int port = free_loopback_port(SOCK_STREAM);
  json s = run(scenario(R"({"url": "http://127.0.0.1:)" + std::to_string(port) + R"(/base"})",
                        R"([{"name": "get", "path": "/x"}])"));
  EXPECT_TRUE(last_.exit_code == 0 || last_.exit_code == 1) << last_.err;
  json e = all_failed_with(s, "get", "connect_error", "could not connect");
  // The url's path goes before the op's.
  EXPECT_NE(e["request"]["text"].get<std::string>().find("GET /base/x HTTP/1.1"),
            std::string::npos);
}

}  // namespace
}  // namespace drover::test::http_test
