// End-to-end HTTPS against Debian's nginx: the shipped
// scenarios/https-nginx.json (whose nginx makes its own certificate with
// openssl) passes with its handshakes reported apart; and nginx serving a
// certificate this test's authority signed (tests/support/tls_certs.hpp)
// shows what a user sees: not trusted by the system's store, a tls_error
// naming the target and the reason; trusted through "ca_file"; a name the
// certificate does not carry refused; "insecure" passing with a warning; a
// server that asks for a client certificate answered with "cert_file"; and
// sessions resumed on every reconnect; clients sharing pipelined
// connections over TLS. Skipped, naming the package, when
// nginx is missing.
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "tests/cli/drover_cli.hpp"
#include "tests/support/tls_certs.hpp"

namespace drover::test::https_nginx_test {
namespace {

using nlohmann::json;

bool have_nginx() {
  return ::access("/usr/sbin/nginx", X_OK) == 0;
}

json scenario_file(const char* name) {
  std::ifstream in(fs::path(DROVER_SOURCE_DIR) / "scenarios" / name);
  return json::parse(in);
}

class HttpsNginxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_nginx()) GTEST_SKIP() << "nginx is not installed (apt install nginx)";
    fs::create_directories(dir_.path() / "certs");
    certs_ = make_tls_certs(dir_.path() / "certs");
  }

  // http-nginx.json's nginx over TLS with the test authority's server
  // certificate; one GET of the static file, 2 clients for 1 s; tls as given.
  json signed_by_test_authority(json tls, const std::vector<std::string>& server_lines = {}) {
    json s = scenario_file("http-nginx.json");
    json& web = s["targets"]["web"];
    json& conf = web["files"]["nginx.conf"];
    for (std::size_t i = 0; i < conf.size(); ++i) {
      if (conf[i] != "    listen 127.0.0.1:{port};") continue;
      conf[i] = "    listen 127.0.0.1:{port} ssl;";
      std::vector<std::string> lines{"    ssl_certificate " + certs_.server_chain.string() + ";",
                                     "    ssl_certificate_key " + certs_.server_key.string() + ";"};
      lines.insert(lines.end(), server_lines.begin(), server_lines.end());
      for (const std::string& line : lines)
        conf.insert(conf.begin() + static_cast<std::ptrdiff_t>(++i), line);
      break;
    }
    if (!tls.is_null()) web["tls"] = std::move(tls);
    s["fleets"][0].erase("ops");
    s["fleets"][0]["op"] = {{"path", "/index.html"}};
    s["fleets"][0]["clients"] = 2;
    s["load"]["duration"] = "1s";
    s.erase("thresholds");
    return s;
  }

  json run(const json& scenario, const std::vector<std::string>& flags = {}) {
    fs::path run_dir = dir_.path() / ("run" + std::to_string(runs_++));
    guards_.push_back(std::make_unique<StrayProcessGuard>("DROVER_RUN_DIR", run_dir.string()));
    fs::path file = dir_.write("s" + std::to_string(runs_) + ".json", scenario.dump(2));
    std::vector<std::string> args{"run", file.string(), "--out", run_dir.string()};
    args.insert(args.end(), flags.begin(), flags.end());
    last_ = run_drover(args, dir_.path());
    EXPECT_TRUE(leftover_processes(run_dir).empty()) << "nginx left behind";
    return read_summary(run_dir);
  }

  // The rule of the first tls_error example of the fleet's only op.
  std::string tls_error_rule(const json& summary) {
    const json& op = summary["fleets"][0]["ops"][0];
    for (const json& f : op.value("failures", json::array()))
      if (f["class"] == "tls_error" && !f["first"].empty()) return f["first"][0]["rule"];
    ADD_FAILURE() << "no tls_error example in " << op.dump() << "\n" << last_.out;
    return "";
  }

  void expect_all_answered(const json& summary) {
    EXPECT_EQ(last_.exit_code, 0) << last_.out << last_.err;
    EXPECT_EQ(summary["totals"]["errors"], 0) << summary["totals"];
    EXPECT_GT(summary["totals"]["ok"].get<double>(), 10) << summary["totals"];
  }

  TempDir dir_;
  TlsCerts certs_;
  std::vector<std::unique_ptr<StrayProcessGuard>> guards_;
  Finished last_;
  int runs_ = 0;
};

TEST_F(HttpsNginxTest, TheShippedScenarioPassesAndReportsItsHandshakes) {
  // Its own 3 s: in a shorter run, each client's first request (queued
  // behind the other clients' handshakes in nginx's one worker) can be 1 %
  // of the answers on a busy machine, and its p99 threshold would judge them.
  json summary = run(scenario_file("https-nginx.json"));
  expect_all_answered(summary);
  for (const json& op : summary["fleets"][0]["ops"]) {
    ASSERT_TRUE(op.contains("tls")) << op;
    EXPECT_GE(op["tls"]["handshakes"].get<int>(), 1) << op;
    EXPECT_GT(op["tls"]["handshake_ms"]["p50"].get<double>(), 0) << op;
  }
  EXPECT_NE(last_.out.find("TLS handshakes"), std::string::npos) << last_.out;
}

TEST_F(HttpsNginxTest, ACertificateTheSystemDoesNotTrustFailsNamingTheTarget) {
  json summary = run(signed_by_test_authority(json::object()));
  EXPECT_EQ(last_.exit_code, 1) << last_.out << last_.err;
  EXPECT_EQ(summary["totals"]["ok"], 0) << summary["totals"];
  EXPECT_GT(summary["totals"]["errors_by_class"]["tls_error"].get<double>(), 0);
  const std::string rule = tls_error_rule(summary);
  EXPECT_NE(rule.find("target \"web\""), std::string::npos) << rule;
  EXPECT_NE(rule.find("certificate verify failed"), std::string::npos) << rule;
  EXPECT_NE(last_.out.find("certificate verify failed"), std::string::npos) << last_.out;
}

TEST_F(HttpsNginxTest, TheAuthorityInCaFileMakesItPass) {
  json summary = run(signed_by_test_authority({{"ca_file", certs_.ca_cert.string()}}));
  expect_all_answered(summary);
  // One per client, and one more each time nginx ends a connection after
  // its keepalive_requests (1000).
  EXPECT_GE(summary["fleets"][0]["ops"][0]["tls"]["handshakes"].get<int>(), 2)
      << summary["fleets"][0];
}

TEST_F(HttpsNginxTest, ANameTheCertificateDoesNotCarryIsRefused) {
  json summary = run(signed_by_test_authority(
      {{"ca_file", certs_.ca_cert.string()}, {"server_name", "www.example.com"}}));
  EXPECT_EQ(last_.exit_code, 1) << last_.out << last_.err;
  EXPECT_EQ(summary["totals"]["ok"], 0) << summary["totals"];
  const std::string rule = tls_error_rule(summary);
  EXPECT_NE(rule.find("www.example.com"), std::string::npos) << rule;
}

TEST_F(HttpsNginxTest, InsecurePassesAndWarns) {
  json summary = run(signed_by_test_authority({{"insecure", true}}));
  expect_all_answered(summary);
  bool warned = false;
  for (const json& w : summary["warnings"])
    warned = warned || w["message"].get<std::string>().find("insecure") != std::string::npos;
  EXPECT_TRUE(warned) << summary["warnings"];
  EXPECT_NE(last_.out.find("not verified"), std::string::npos) << last_.out;
}

TEST_F(HttpsNginxTest, AServerThatAsksForAClientCertificateGetsOne) {
  const std::vector<std::string> ask{"    ssl_client_certificate " + certs_.ca_cert.string() + ";",
                                     "    ssl_verify_client on;"};
  json summary = run(signed_by_test_authority({{"ca_file", certs_.ca_cert.string()},
                                               {"cert_file", certs_.client_cert.string()},
                                               {"key_file", certs_.client_key.string()}},
                                              ask));
  expect_all_answered(summary);
  // Without one nginx answers 400 ("No required SSL certificate was sent").
  summary = run(signed_by_test_authority({{"ca_file", certs_.ca_cert.string()}}, ask));
  EXPECT_EQ(last_.exit_code, 1) << last_.out << last_.err;
  EXPECT_EQ(summary["totals"]["ok"], 0) << summary["totals"];
}

// Clients sharing pipelined connections: those connections handshake,
// never more at once than the pool holds.
TEST_F(HttpsNginxTest, SharedPipelinedConnectionsSpeakTlsToo) {
  json s = signed_by_test_authority({{"ca_file", certs_.ca_cert.string()}});
  s["fleets"][0]["clients"] = 8;
  s["fleets"][0]["op"]["connections"] = 2;
  s["fleets"][0]["op"]["pipeline"] = 4;
  // Two load threads: a connection each.
  json summary = run(s, {"--threads", "2"});
  expect_all_answered(summary);
  const json& tls = summary["fleets"][0]["ops"][0]["tls"];
  EXPECT_GE(tls["handshakes"].get<int>(), 2) << tls;
  // nginx ends a connection after 1000 requests: one handshake for each.
  EXPECT_LE(tls["handshakes"].get<double>(), 2 + 2 * summary["totals"]["ops"].get<double>() / 1000)
      << tls << summary["totals"];
}

// Every request on a new connection: after the first, each handshake
// offers the session the server last gave, and nginx takes it.
TEST_F(HttpsNginxTest, SessionsAreResumedOnReconnect) {
  json s = signed_by_test_authority({{"ca_file", certs_.ca_cert.string()}},
                                    {"    ssl_session_cache shared:tls:1m;"});
  s["fleets"][0]["op"]["keep_alive"] = false;
  s["fleets"][0]["clients"] = 1;
  s["load"] = {{"model", "closed"}, {"iterations", 20}};
  json summary = run(s);
  expect_all_answered(summary);
  const json& tls = summary["fleets"][0]["ops"][0]["tls"];
  EXPECT_EQ(tls["handshakes"], 20) << tls;
  EXPECT_GE(tls["resumed"].get<int>(), 18) << tls;
}

}  // namespace
}  // namespace drover::test::https_nginx_test
