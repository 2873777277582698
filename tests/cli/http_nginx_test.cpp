// End-to-end against Debian's nginx, which drover starts from the shipped
// scenarios/http-nginx.json (its configuration written into the run folder):
// the scenario passes; each kind of expectation, broken on purpose, fails
// with an example showing the status line, headers and body that came back;
// a gzip-compressed reply arrives chunked and is read whole; and each error
// class comes from a real server: a location that drops the connection
// (nginx's 444), one proxied to a server that never answers, and a port
// nobody listens on. Skipped, naming the package, when nginx is missing.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "tests/cli/drover_cli.hpp"
#include "tests/support/loopback.hpp"

namespace drover::test::http_nginx_test {
namespace {

using nlohmann::json;

bool have_nginx() {
  return ::access("/usr/sbin/nginx", X_OK) == 0;
}

json shipped() {
  std::ifstream in(fs::path(DROVER_SOURCE_DIR) / "scenarios" / "http-nginx.json");
  return json::parse(in);
}

// The shipped scenario with one op, `op`, for 1 s.
json with_op(json op) {
  json s = shipped();
  s["fleets"][0].erase("ops");
  s["fleets"][0]["op"] = std::move(op);
  s["fleets"][0]["clients"] = 4;
  s["load"]["duration"] = "1s";
  s.erase("thresholds");
  return s;
}

// The shipped configuration with more lines in its server block.
void add_locations(json& s, const std::vector<std::string>& lines) {
  json& conf = s["targets"]["web"]["files"]["nginx.conf"];
  for (std::size_t i = 0; i < conf.size(); ++i) {
    if (conf[i].get<std::string>().find("listen 127.0.0.1:{port};") == std::string::npos) continue;
    for (const std::string& line : lines)
      conf.insert(conf.begin() + static_cast<std::ptrdiff_t>(++i), line);
    return;
  }
  ADD_FAILURE() << "no listen line in " << conf.dump();
}

class HttpNginxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_nginx()) GTEST_SKIP() << "nginx is not installed (apt install nginx)";
  }
  json run(const json& scenario) {
    run_dir_ = dir_.path() / ("run" + std::to_string(runs_++));
    guards_.push_back(std::make_unique<StrayProcessGuard>("DROVER_RUN_DIR", run_dir_.string()));
    fs::path file = dir_.write("s" + std::to_string(runs_) + ".json", scenario.dump(2));
    last_ = run_drover({"run", file.string(), "--out", run_dir_.string()}, dir_.path());
    EXPECT_TRUE(leftover_processes(run_dir_).empty()) << "nginx left behind";
    return read_summary(run_dir_);
  }
  // The first example of class `outcome` of the fleet's only op.
  json first_example(const json& summary, const std::string& outcome) {
    const json& op = summary["fleets"][0]["ops"][0];
    for (const json& f : op.value("failures", json::array()))
      if (f["class"] == outcome && !f["first"].empty()) return f["first"][0];
    ADD_FAILURE() << "no " << outcome << " example in " << op.dump() << "\n" << last_.out;
    return json::object({{"rule", ""}, {"received", {{"text", ""}}}});
  }
  static double count(const json& summary, const char* outcome) {
    return summary["totals"]["errors_by_class"][outcome].get<double>();
  }

  TempDir dir_;
  std::vector<std::unique_ptr<StrayProcessGuard>> guards_;
  fs::path run_dir_;
  Finished last_;
  int runs_ = 0;
};

TEST_F(HttpNginxTest, TheShippedScenarioPasses) {
  // Its own 3 s, so that its p99 threshold judges more than a start-up.
  json summary = run(shipped());
  EXPECT_EQ(last_.exit_code, 0) << last_.out << last_.err;
  EXPECT_EQ(summary["totals"]["errors"], 0) << summary["totals"];
  for (const json& op : summary["fleets"][0]["ops"])
    EXPECT_GT(op["totals"]["ok"].get<double>(), 10) << op;
}

// One expectation broken at a time: every reply is wrong, and the example
// shows the reply (status line, headers, body) and the rule it broke.
TEST_F(HttpNginxTest, EachKindOfExpectationFailsReadably) {
  struct Case {
    json expect;
    std::string rule_part;
  };
  const std::vector<Case> cases{
      {{{"status", 404}}, "404"},
      {{{"status", json::array({201, 204})}}, "201"},
      {{{"status", "5xx"}}, "5xx"},
      {{{"headers", {{"Content-Type", {{"equals", "text/plain"}}}}}}, "Content-Type"},
      {{{"headers", {{"X-Missing", {{"present", true}}}}}}, "X-Missing"},
      {{{"headers", {{"Server", {{"regex", "^apache"}}}}}}, "Server"},
      {{{"body", {{"equals", "nope"}}}}, "nope"},
      {{{"body", {{"contains", "<h2>"}}}}, "<h2>"},
      {{{"body", {{"regex", "^<html lang"}}}}, "<html lang"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.expect.dump());
    json summary = run(with_op({{"method", "GET"}, {"path", "/index.html"}, {"expect", c.expect}}));
    EXPECT_EQ(last_.exit_code, 1) << last_.out << last_.err;
    EXPECT_EQ(count(summary, "wrong_reply"), summary["totals"]["ops"].get<double>());
    json e = first_example(summary, "wrong_reply");
    const std::string received = e["received"]["text"];
    EXPECT_EQ(received.rfind("HTTP/1.1 200 OK", 0), 0u) << e;
    EXPECT_NE(received.find("<h1>drover</h1>"), std::string::npos) << e;
    EXPECT_NE(e["rule"].get<std::string>().find(c.rule_part), std::string::npos) << e;
  }
  json summary = run(with_op(
      {{"path", "/hello"}, {"expect", {{"body", {{"json", "/hello"}, {"value", "earth"}}}}}}));
  EXPECT_EQ(last_.exit_code, 1) << last_.out << last_.err;
  json e = first_example(summary, "wrong_reply");
  EXPECT_NE(e["rule"].get<std::string>().find("earth"), std::string::npos) << e;
  EXPECT_NE(e["received"]["text"].get<std::string>().find("world"), std::string::npos) << e;
}

// With Accept-Encoding: gzip nginx compresses the reply as it sends it, so
// its length is unknown up front and the body comes chunked.
TEST_F(HttpNginxTest, AChunkedBodyIsReadWhole) {
  json summary = run(with_op({{"path", "/hello"},
                              {"headers", {{"Accept-Encoding", "gzip"}}},
                              {"expect",
                               {{"status", 200},
                                {"headers",
                                 {{"Content-Encoding", {{"equals", "gzip"}}},
                                  {"Transfer-Encoding", {{"equals", "chunked"}}}}}}}}));
  EXPECT_EQ(last_.exit_code, 0) << last_.out << last_.err;
  EXPECT_EQ(summary["totals"]["errors"], 0) << summary["totals"];
  EXPECT_GT(summary["totals"]["ok"].get<double>(), 10);
}

// A request larger than a socket's send buffer: what the first write
// leaves is sent as the socket drains, and every request is answered (a
// body cut short would be read by nginx as the start of the next request's
// body, which then times out).
TEST_F(HttpNginxTest, ARequestLargerThanTheSendBufferGoesOutWhole) {
  fs::path body = dir_.write("body.bin", std::string(4 << 20, 'x'));
  json s = with_op({{"method", "POST"},
                    {"path", "/sink"},
                    {"body_file", body.string()},
                    {"timeout", "500ms"},
                    {"expect", {{"status", 200}, {"body", {{"equals", "ok"}}}}}});
  s["fleets"][0]["clients"] = 2;
  s["load"]["duration"] = "2s";
  add_locations(s, {"    location = /sink { client_max_body_size 16m; return 200 'ok'; }"});
  json summary = run(s);
  EXPECT_EQ(last_.exit_code, 0) << last_.out << last_.err;
  EXPECT_EQ(summary["totals"]["errors"], 0) << summary["totals"];
  EXPECT_GT(summary["totals"]["ok"].get<double>(), 10);
}

// nginx's "return 444" closes the connection without a reply.
TEST_F(HttpNginxTest, AConnectionClosedWithoutAReplyIsAReset) {
  json s = with_op({{"path", "/drop"}});
  add_locations(s, {"    location = /drop { return 444; }"});
  json summary = run(s);
  EXPECT_EQ(last_.exit_code, 1) << last_.out << last_.err;
  EXPECT_EQ(count(summary, "reset"), summary["totals"]["ops"].get<double>()) << summary["totals"];
  EXPECT_FALSE(first_example(summary, "reset")["rule"].get<std::string>().empty());
}

// A location proxied to a server that takes connections and never answers.
TEST_F(HttpNginxTest, AServerThatNeverAnswersIsATimeout) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), len), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  ASSERT_EQ(::listen(fd, 4096), 0);
  json s = with_op({{"path", "/silent"}, {"timeout", "200ms"}});
  add_locations(s,
                {"    location = /silent { proxy_read_timeout 60s; proxy_pass http://127.0.0.1:" +
                 std::to_string(ntohs(a.sin_port)) + "; }"});
  json summary = run(s);
  EXPECT_EQ(last_.exit_code, 1) << last_.out << last_.err;
  EXPECT_EQ(count(summary, "timeout"), summary["totals"]["ops"].get<double>()) << summary["totals"];
  EXPECT_EQ(first_example(summary, "timeout")["rule"], "no reply within 200ms");
  ::close(fd);
}

TEST_F(HttpNginxTest, APortNobodyListensOnIsAConnectError) {
  int port = free_loopback_port(SOCK_STREAM);
  json s = with_op({{"path", "/"}});
  s["targets"]["web"] = {{"address", "127.0.0.1:" + std::to_string(port)}, {"protocol", "http"}};
  json summary = run(s);
  EXPECT_EQ(last_.exit_code, 1) << last_.out << last_.err;
  EXPECT_EQ(count(summary, "connect_error"), summary["totals"]["ops"].get<double>());
  EXPECT_EQ(first_example(summary, "connect_error")["rule"],
            "could not connect: connection refused");
}

}  // namespace
}  // namespace drover::test::http_nginx_test
