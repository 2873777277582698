// End-to-end: drover's metrics as the real Prometheus and Pushgateway from
// Debian see them. The test starts /usr/bin/prometheus (scraping drover's
// --metrics-listen every 500 ms) or /usr/bin/prometheus-pushgateway on free
// loopback ports, runs a real scenario, and reads the figures back through
// their HTTP APIs. drover publishes its final figures before it stops its
// targets and keeps serving them 2 s after the run, so a 500 ms scrape
// always catches them.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <optional>

#include "tests/cli/drover_cli.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/loopback.hpp"

namespace drover::test::metrics_test {
namespace {

using nlohmann::json;
using std::chrono::seconds;

constexpr const char* kPrometheus = "/usr/bin/prometheus";
constexpr const char* kPushgateway = "/usr/bin/prometheus-pushgateway";

std::string udp_scenario(const std::string& duration) {
  return R"({
    "name": "e2e-metrics",
    "targets": { "echo": { "kind": "udp_echo" } },
    "fleets": [ { "name": "clients", "target": "echo", "clients": 4,
                  "op": { "send": "hello {client}-{seq}", "expect": "upper",
                          "timeout": "500ms" } } ],
    "load": { "model": "closed", "duration": ")" +
         duration + R"(" } })";
}

std::string url_encode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

struct HttpReply {
  int status = 0;  // 0: no answer
  std::string body;
};

// GET http://127.0.0.1:port/path, every wait bounded by 2 s.
HttpReply http_get(int port, const std::string& path) {
  HttpReply reply;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return reply;
  }
  std::string request = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    close(fd);
    return reply;
  }
  std::string raw;
  char buf[8192];
  for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;)
    raw.append(buf, static_cast<std::size_t>(n));
  close(fd);
  auto head_end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/", 0) != 0 || head_end == std::string::npos) return reply;
  reply.status = std::atoi(raw.c_str() + raw.find(' ') + 1);
  reply.body = raw.substr(head_end + 4);
  return reply;
}

// A server the test runs, stopped (TERM, then KILL after 5 s) and reaped
// when the test ends, whatever happened; it also dies with the test.
class ServerProcess {
 public:
  ServerProcess(const std::vector<std::string>& args, const fs::path& log) {
    pid_ = fork();
    if (pid_ == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(fd, 1);
      dup2(fd, 2);
      std::vector<std::string> copy = args;
      std::vector<char*> argv;
      for (auto& a : copy) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
  }
  ~ServerProcess() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    auto deadline = std::chrono::steady_clock::now() + seconds(5);
    while (waitpid(pid_, nullptr, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

 private:
  pid_t pid_ = -1;
};

// Polls GET port/path until it answers 200, for at most timeout.
bool wait_until_ready(int port, const std::string& path, seconds timeout) {
  return eventually([&] { return http_get(port, path).status == 200; }, timeout,
                    std::chrono::milliseconds(100));
}

// The value of a PromQL query that returns one sample, if it does.
std::optional<double> query(int prometheus_port, const std::string& promql) {
  HttpReply r = http_get(prometheus_port, "/api/v1/query?query=" + url_encode(promql));
  if (r.status != 200) return std::nullopt;
  json doc = json::parse(r.body, nullptr, false);
  if (doc.is_discarded() || doc["status"] != "success") return std::nullopt;
  const json& result = doc["data"]["result"];
  if (!result.is_array() || result.size() != 1) return std::nullopt;
  return std::stod(result[0]["value"][1].get<std::string>());
}

class MetricsTest : public ::testing::Test {
 protected:
  void SetUp() override { fs::create_directories(dir_.path() / "data"); }
  fs::path run_dir() const { return dir_.path() / "run"; }
  void TearDown() override {
    EXPECT_TRUE(leftover_processes(run_dir()).empty()) << "processes outlived the run";
  }
  TempDir dir_;
};

TEST_F(MetricsTest, PrometheusScrapesTheSameTotalsAsTheSummary) {
  ASSERT_TRUE(fs::exists(kPrometheus)) << "install prometheus (ci/install-deps)";
  int drover_port = free_loopback_port(SOCK_STREAM);
  int prometheus_port = free_loopback_port(SOCK_STREAM);
  ASSERT_NE(drover_port, prometheus_port);
  fs::path config = dir_.write("prometheus.yml", fmt::format(R"(global:
  scrape_interval: 500ms
  scrape_timeout: 400ms
scrape_configs:
  - job_name: drover
    static_configs:
      - targets: ['127.0.0.1:{}']
)",
                                                             drover_port));
  ServerProcess prometheus({kPrometheus, "--config.file=" + config.string(),
                            "--storage.tsdb.path=" + (dir_.path() / "data").string(),
                            fmt::format("--web.listen-address=127.0.0.1:{}", prometheus_port)},
                           dir_.path() / "prometheus.log");
  ASSERT_TRUE(wait_until_ready(prometheus_port, "/-/ready", seconds(30)))
      << read_file(dir_.path() / "prometheus.log");

  fs::path scenario = dir_.write("scenario.json", udp_scenario("4s"));
  Finished f = run_drover({"run", scenario.string(), "--out", run_dir().string(), "--quiet",
                           "--metrics-listen", fmt::format("127.0.0.1:{}", drover_port)},
                          dir_.path());
  ASSERT_EQ(f.exit_code, 0) << f.err;
  json summary = read_summary(run_dir());
  auto ops = summary["totals"]["ops"].get<double>();
  ASSERT_GT(ops, 0);

  // The last scraped samples: the series are stale once drover is gone, so
  // an instant selector would return nothing.
  std::optional<double> scraped, histogram_count, invariants_ok, run_info;
  eventually(
      [&] {
        scraped = query(prometheus_port, "sum(last_over_time(drover_operations_total[5m]))");
        return scraped && *scraped == ops;
      },
      seconds(15), std::chrono::milliseconds(250));
  ASSERT_TRUE(scraped) << "Prometheus has no drover_operations_total\n"
                       << read_file(dir_.path() / "prometheus.log");
  EXPECT_EQ(*scraped, ops);
  histogram_count =
      query(prometheus_port, "sum(last_over_time(drover_operation_duration_seconds_count[5m]))");
  ASSERT_TRUE(histogram_count);
  EXPECT_EQ(*histogram_count, summary["latency_ms"]["count"].get<double>());
  invariants_ok = query(prometheus_port, "min(last_over_time(drover_invariant_ok[5m]))");
  ASSERT_TRUE(invariants_ok) << "no drover_invariant_ok: final figures never scraped";
  EXPECT_EQ(*invariants_ok, 1);
  // Scraped as a gauge per fleet, never above the fleet's four clients (the
  // scrapes may all fall after the load: tests/cli/run_test.cpp sees the
  // same figure mid-run through --progress json).
  std::optional<double> inflight =
      query(prometheus_port, "max(max_over_time(drover_inflight_operations[5m]))");
  ASSERT_TRUE(inflight) << "no drover_inflight_operations";
  EXPECT_LE(*inflight, 4);
  run_info = query(prometheus_port,
                   fmt::format("sum(last_over_time(drover_run_info{{scenario=\"e2e-metrics\","
                               "seed=\"{}\"}}[5m]))",
                               summary["seed"].get<std::uint64_t>()));
  ASSERT_TRUE(run_info);
  EXPECT_EQ(*run_info, 1);
}

TEST_F(MetricsTest, ATakenMetricsPortExitsTwoWithNothingStarted) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  fs::path scenario = dir_.write("scenario.json", udp_scenario("1s"));
  Finished f = run_drover({"run", scenario.string(), "--out", run_dir().string(),
                           "--metrics-listen", fmt::format("127.0.0.1:{}", ntohs(addr.sin_port))},
                          dir_.path());
  close(fd);
  EXPECT_EQ(f.exit_code, 2) << f.err;
  EXPECT_NE(f.err.find("--metrics-listen"), std::string::npos) << f.err;
  EXPECT_FALSE(fs::exists(run_dir())) << "a run started although the port was taken";
}

TEST_F(MetricsTest, AMetricsAddressThatIsNotHostPortExitsTwo) {
  fs::path scenario = dir_.write("scenario.json", udp_scenario("1s"));
  for (std::string bad : {"9464", "127.0.0.1", "127.0.0.1:99999", "::1:9464"}) {
    Finished f =
        run_drover({"run", scenario.string(), "--out", run_dir().string(), "--metrics-listen", bad},
                   dir_.path());
    EXPECT_EQ(f.exit_code, 2) << bad << ": " << f.err;
    EXPECT_NE(f.err.find("HOST:PORT"), std::string::npos) << bad << ": " << f.err;
  }
  EXPECT_FALSE(fs::exists(run_dir()));
}

// The sum of a metric's samples in the Pushgateway's exposition whose
// labels include every one of want.
double sum_samples(const std::string& exposition, const std::string& metric,
                   const std::vector<std::string>& want) {
  double sum = 0;
  std::istringstream lines(exposition);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(metric + "{", 0) != 0) continue;
    bool all = true;
    for (const std::string& w : want) all = all && line.find(w) != std::string::npos;
    if (all) sum += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return sum;
}

TEST_F(MetricsTest, PushedFiguresReachThePushgatewayGroupedByScenarioAndRun) {
  ASSERT_TRUE(fs::exists(kPushgateway)) << "install prometheus-pushgateway (ci/install-deps)";
  int port = free_loopback_port(SOCK_STREAM);
  // Debian's build persists to /var/lib/prometheus by default: keep this
  // test's pushes in its own folder.
  ServerProcess gateway({kPushgateway, fmt::format("--web.listen-address=127.0.0.1:{}", port),
                         "--persistence.file=" + (dir_.path() / "pushgateway.data").string()},
                        dir_.path() / "pushgateway.log");
  ASSERT_TRUE(wait_until_ready(port, "/-/ready", seconds(30)))
      << read_file(dir_.path() / "pushgateway.log");

  fs::path scenario = dir_.write("scenario.json", udp_scenario("2s"));
  Finished f = run_drover({"run", scenario.string(), "--out", run_dir().string(), "--quiet",
                           "--push-gateway", fmt::format("http://127.0.0.1:{}", port)},
                          dir_.path());
  ASSERT_EQ(f.exit_code, 0) << f.err;
  EXPECT_EQ(f.err.find("warning"), std::string::npos) << f.err;
  json summary = read_summary(run_dir());

  HttpReply r = http_get(port, "/metrics");
  ASSERT_EQ(r.status, 200);
  double pushed = sum_samples(r.body, "drover_operations_total",
                              {"job=\"drover\"", "run=\"run\"", "scenario=\"e2e-metrics\""});
  EXPECT_EQ(pushed, summary["totals"]["ops"].get<double>()) << r.body.substr(0, 4000);
}

// The URL's password, if it has one, is never shown: not in the warning,
// not in the run folder.
TEST_F(MetricsTest, AnUnreachablePushgatewayOnlyWarns) {
  fs::path scenario = dir_.write("scenario.json", udp_scenario("1s"));
  const std::string url = fmt::format("http://127.0.0.1:{}", free_loopback_port(SOCK_STREAM));
  Finished f = run_drover({"run", scenario.string(), "--out", run_dir().string(), "--quiet",
                           "--push-gateway", "http://drover:pushs3cret@" + url.substr(7)},
                          dir_.path());
  EXPECT_EQ(f.exit_code, 0) << f.err;
  EXPECT_NE(f.err.find("warning: --push-gateway " + url + ":"), std::string::npos) << f.err;
  EXPECT_LT(f.seconds, 15);
  EXPECT_EQ((f.out + f.err).find("pushs3cret"), std::string::npos) << f.out << f.err;
  for (const char* file : {"summary.json", "report.html", "junit.xml"}) {
    EXPECT_EQ(read_file(run_dir() / file).find("pushs3cret"), std::string::npos) << file;
  }
}

// A Pushgateway that accepts the connection and never answers: prometheus-cpp
// 1.0 would wait forever; drover gives up after its 5 s deadline.
TEST_F(MetricsTest, AHungPushgatewayDelaysTheEndOfTheRunByAtMostTheDeadline) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(fd, 16), 0);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  fs::path scenario = dir_.write("scenario.json", udp_scenario("1s"));
  Finished f =
      run_drover({"run", scenario.string(), "--out", run_dir().string(), "--quiet",
                  "--push-gateway", fmt::format("http://127.0.0.1:{}", ntohs(addr.sin_port))},
                 dir_.path(), seconds(30));
  close(fd);
  EXPECT_EQ(f.exit_code, 0) << f.err;
  EXPECT_NE(f.err.find("warning: --push-gateway"), std::string::npos) << f.err;
  EXPECT_LT(f.seconds, 12);
}

TEST_F(MetricsTest, APushGatewayThatIsNotAUrlExitsTwo) {
  fs::path scenario = dir_.write("scenario.json", udp_scenario("1s"));
  Finished f = run_drover(
      {"run", scenario.string(), "--out", run_dir().string(), "--push-gateway", "127.0.0.1:9091"},
      dir_.path());
  EXPECT_EQ(f.exit_code, 2) << f.err;
  EXPECT_NE(f.err.find("--push-gateway"), std::string::npos) << f.err;
  EXPECT_FALSE(fs::exists(run_dir()));
}

}  // namespace
}  // namespace drover::test::metrics_test
