// report.html from a hand-built run: the verdict, the four charts, every
// text escaped, and nothing fetched from the network.
#include <gtest/gtest.h>

#include <filesystem>

#include "reports/sink.hpp"
#include "tests/temp_dir.hpp"

namespace drover::report_html_test {
namespace {

using test_files::TempDir;

RunResult sample_run() {
  RunResult run;
  run.scenario = "tickets";
  run.scenario_file = "scenarios/tickets.json";
  run.started_at = std::chrono::system_clock::from_time_t(1700000000);
  run.duration_s = 3.0;
  run.seed = 4242;
  run.verdict = Verdict::kFail;
  run.exit_code = ExitCode::kFailed;
  run.totals.by_outcome[static_cast<std::size_t>(Outcome::kOk)] = 2900;
  run.totals.by_outcome[static_cast<std::size_t>(Outcome::kTimeout)] = 100;
  run.rate_per_s = 1000;
  run.latency = {2900, 0.1, 1.2, 1.0, 2.0, 5.0, 9.0, 12.0};
  for (int s = 0; s < 3; ++s) {
    run.series.push_back({s, 1000, static_cast<std::uint64_t>(s * 50), 1.0, 5.0, 12.0});
  }
  run.distribution = {{0, 0.1}, {50, 1.0}, {90, 2.0}, {99, 5.0}, {99.9, 9.0}, {100, 12.0}};
  FleetResult buyers;
  buyers.name = "buyers";
  buyers.target = "box-office";
  buyers.clients = 8;
  buyers.totals = run.totals;
  buyers.latency = run.latency;
  buyers.rate_per_s = 1000;
  run.fleets = {buyers};
  ThresholdResult p99;
  p99.metric = "latency.p99";
  p99.comparison = "<";
  p99.limit = "< 2ms";
  p99.limit_value = 2;
  p99.value = 5;
  p99.unit = "ms";
  p99.aborted = true;
  p99.aborted_at_s = 2.5;
  p99.aborted_value = 6.5;
  run.thresholds = {p99};
  run.invariants = {{Invariant::kNoOversell,
                     "box-office",
                     false,
                     "serial 7 sold twice <script>alert(1)</script>",
                     {}}};
  run.targets = {{"box-office",
                  "ticket_db",
                  "127.0.0.1:4000",
                  99,
                  true,
                  "killed by signal 9",
                  {"logs/box-office.stderr.log"}}};
  return run;
}

TEST(ReportHtml, ShowsTheVerdictAndTheRun) {
  std::string html = render_report_html(sample_run());
  EXPECT_NE(html.find("<!DOCTYPE html>"), std::string::npos);
  EXPECT_NE(html.find("class=\"verdict fail\" id=\"verdict\">FAIL<"), std::string::npos);
  EXPECT_NE(html.find("scenarios/tickets.json"), std::string::npos);
  EXPECT_NE(html.find("4242"), std::string::npos);
  EXPECT_NE(html.find("buyers"), std::string::npos);
  EXPECT_NE(html.find("aborted the run at 2.5 s"), std::string::npos);
  EXPECT_NE(html.find("killed by signal 9"), std::string::npos);
}

// An undecided invariant: the banner says UNKNOWN in its own colour, a
// line under it names what was not decided, and its row is marked UNKNOWN,
// neither ok nor FAIL.
TEST(ReportHtml, ShowsAnUnknownVerdictAndMarksTheUndecidedInvariant) {
  RunResult run = sample_run();
  run.verdict = Verdict::kUnknown;
  run.invariants[0].unknown = true;
  run.invariants[0].detail = "not decided: the final AUDIT is missing";
  run.invariants.push_back({Invariant::kTargetAlive, "box-office", true, "", {}});
  std::string html = render_report_html(run);
  EXPECT_NE(html.find("class=\"verdict unknown\" id=\"verdict\">UNKNOWN<"), std::string::npos)
      << html;
  EXPECT_NE(html.find(".unknown{background:"), std::string::npos);
  EXPECT_NE(html.find("<title>drover tickets: UNKNOWN</title>"), std::string::npos);
  EXPECT_NE(html.find("<p class=\"undecided\" id=\"undecided\">Not decided, its evidence "
                      "missing: no_oversell (box-office)."),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<td class=\"text\"><span class=\"undecided\">UNKNOWN</span></td>"
                      "<td class=\"text\"><pre>not decided: the final AUDIT is missing</pre>"),
            std::string::npos)
      << html;
  EXPECT_EQ(html.find("<span class=\"bad\">FAIL</span></td><td class=\"text\"><pre>not decided"),
            std::string::npos);
}

TEST(ReportHtml, SaysNothingOfUndecidedInvariantsWhenThereAreNone) {
  std::string html = render_report_html(sample_run());
  EXPECT_EQ(html.find("id=\"undecided\""), std::string::npos);
  EXPECT_EQ(html.find(">UNKNOWN<"), std::string::npos);
}

TEST(ReportHtml, DrawsEachChartWithALine) {
  std::string html = render_report_html(sample_run());
  for (const char* id :
       {"throughput", "latency-over-time", "latency-distribution", "errors-over-time"}) {
    std::size_t at = html.find(std::string("<svg class=\"chart\" id=\"") + id + "\"");
    ASSERT_NE(at, std::string::npos) << id;
    std::size_t end = html.find("</svg>", at);
    EXPECT_NE(html.substr(at, end - at).find("<polyline"), std::string::npos) << id;
  }
}

// The capacity curve: the chart by rate (bisection steps between the
// rising ones), the knee's interval shaded, the table in the order run.
TEST(ReportHtml, DrawsTheCapacityCurveByRateAndListsTheStepsInTheOrderRun) {
  RunResult run = sample_run();
  run.capacity.searched = true;
  run.capacity.curve = {{1000, 1000, 2, 0, 0, true, ""},
                        {2000, 2000, 3, 0, 0, true, ""},
                        {4000, 2414, 90, 0, 0, false, "latency.p99 < 20ms"},
                        {3000, 2414, 40, 0, 0, false, "latency.p99 < 20ms"},
                        {2500, 2450, 19, 0, 0, true, ""}};
  run.capacity.capacity_per_s = 2500;
  run.capacity.upper_bound_per_s = 3000;
  run.capacity.resolution = 0.2;
  std::string html = render_report_html(run);
  EXPECT_NE(html.find("between 2500 and 3000 ops/s"), std::string::npos);
  std::size_t chart = html.find("<svg class=\"chart\" id=\"capacity-curve\"");
  ASSERT_NE(chart, std::string::npos);
  std::string svg = html.substr(chart, html.find("</svg>", chart) - chart);
  EXPECT_NE(svg.find("<rect class=\"band\""), std::string::npos) << svg;
  std::size_t last = 0;
  for (const char* rate : {"1000/s", "2000/s", "2500/s", "3000/s", "4000/s"}) {
    std::size_t at = svg.find(std::string("<title>") + rate + " offered");
    ASSERT_NE(at, std::string::npos) << rate << svg;
    EXPECT_GT(at, last) << rate;
    last = at;
  }
  std::size_t table = html.find("<table id=\"capacity\">");
  ASSERT_NE(table, std::string::npos);
  EXPECT_LT(html.find("<td>4000</td>", table), html.find("<td>3000</td>", table));
  EXPECT_LT(html.find("<td>3000</td>", table), html.find("<td>2500</td>", table));
}

// A violated history invariant: the operations around where it first broke.
TEST(ReportHtml, DrawsATimelineAroundTheFirstAnomaly) {
  RunResult run = sample_run();
  Anomaly a{"serial 7 sold a second time", 1500, {}};
  a.events = {{1200, 1, "buyers", "ok", "buy", "7", false, true},
              {1499.5, 2, "buyers", "invoke", "buy", "b2", false, false},
              {1500, 2, "buyers", "ok", "buy", "7", true, true},
              {1500.25, 3, "buyers", "invoke", "search", "", false, false}};
  run.invariants[0].anomaly = a;
  std::string html = render_report_html(run);
  std::size_t at = html.find("<svg class=\"timeline\" id=\"anomaly-timeline-1\"");
  ASSERT_NE(at, std::string::npos);
  std::string svg = html.substr(at, html.find("</svg>", at) - at);
  EXPECT_NE(svg.find("client 3 (buyers)"), std::string::npos);
  EXPECT_NE(svg.find("class=\"event ok focus\""), std::string::npos);
  EXPECT_NE(svg.find("class=\"event ok related\""), std::string::npos);
  EXPECT_NE(svg.find("-300ms"), std::string::npos);  // the first sale, relative to the second
  EXPECT_NE(html.find("serial 7 sold a second time, at 1.500 s"), std::string::npos);
  EXPECT_NE(html.find("where it broke"), std::string::npos);
  // A run without one draws none.
  EXPECT_EQ(render_report_html(sample_run()).find("class=\"timeline\""), std::string::npos);
}

TEST(ReportHtml, EscapesText) {
  std::string html = render_report_html(sample_run());
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
}

TEST(ReportHtml, IsSelfContained) {
  std::string html = render_report_html(sample_run());
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
}

TEST(ReportHtml, ShowsTheTailOfEachLog) {
  TempDir dir;
  std::string log;
  for (int i = 1; i <= 30; ++i) log += "line " + std::to_string(i) + "\n";
  std::filesystem::create_directories(dir.path() / "logs");
  dir.write("logs/box-office.stderr.log", log);
  RunResult run = sample_run();
  run.run_dir = dir.path().string();
  std::string html = render_report_html(run);
  EXPECT_NE(html.find("line 30"), std::string::npos);
  EXPECT_NE(html.find("line 11\n"), std::string::npos);
  EXPECT_EQ(html.find("line 10\n"), std::string::npos);
}

TEST(ReportHtml, ARunWithoutFiguresStillRenders) {
  RunResult run;
  run.scenario = "broken";
  run.errors = {"target box-office never became ready"};
  std::string html = render_report_html(run);
  EXPECT_NE(html.find(">ERROR<"), std::string::npos);
  EXPECT_NE(html.find("never became ready"), std::string::npos);
  EXPECT_NE(html.find("no data"), std::string::npos);
}

TEST(ReportHtml, SinkWritesTheFile) {
  TempDir dir;
  std::string path = (dir.path() / "report.html").string();
  make_report_html_sink(path)->write(sample_run());
  EXPECT_TRUE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
}

TEST(ReportHtml, ShowsEachWarningEscapedUnderTheVerdict) {
  RunResult run = sample_run();
  run.warnings = {{1.25, "target <echo>", "its log stays behind & grows"},
                  {3.0, "host db1", "unknown host key accepted"}};
  std::string html = render_report_html(run);
  std::size_t section = html.find("<h2>Warnings</h2>\n<table id=\"warnings\">");
  ASSERT_NE(section, std::string::npos) << html;
  EXPECT_LT(html.find("id=\"verdict\""), section);
  EXPECT_LT(section, html.find("<h2>Over time</h2>"));
  EXPECT_NE(html.find("<tr><td>1.2 s</td><td class=\"text\">target &lt;echo&gt;</td>"
                      "<td class=\"text\">its log stays behind &amp; grows</td></tr>"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("unknown host key accepted"), std::string::npos);
  // A run without any has no such section.
  EXPECT_EQ(render_report_html(sample_run()).find("id=\"warnings\""), std::string::npos);
}

// A table per fleet of its failure examples, every byte escaped for HTML.
TEST(ReportHtml, ShowsATableOfFailureExamplesPerFleet) {
  RunResult run = sample_run();
  OpResult op;
  op.name = "buy";
  FailureExample e;
  e.t_ms = 1500;
  e.client = 7;
  e.request = {"BUY <1>\\r", 0};
  e.expected = {"OK", 0};
  e.received = {std::string(256, 'x'), 10};
  e.rule = R"(expected equals "OK", received "<x>")";
  op.failures = {{Outcome::kWrongReply, 40, {e}, {e}}};
  run.fleets[0].ops = {op};
  std::string html = render_report_html(run);
  std::size_t table = html.find("<table class=\"failures\" id=\"failures-buyers\">");
  ASSERT_NE(table, std::string::npos) << html;
  EXPECT_NE(html.find("<h2>Failed operations</h2>"), std::string::npos);
  EXPECT_NE(html.find("<code>BUY &lt;1&gt;\\r</code>", table), std::string::npos) << html;
  EXPECT_NE(html.find(" \u2026 (10 more bytes)</code>", table), std::string::npos) << html;
  EXPECT_NE(html.find("expected equals &quot;OK&quot;, received &quot;&lt;x&gt;&quot;", table),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<td class=\"text\">sampled</td>", table), std::string::npos) << html;
  EXPECT_EQ(render_report_html(sample_run()).find("Failed operations"), std::string::npos);
}

TEST(ReportHtml, ListsTheOffendingOperationsOfAViolatedInvariant) {
  RunResult run = sample_run();
  run.invariants[0].examples = {
      {"serial 7 sold a second time <b>", 12.5, 40, 3, "buyers", "ok buy 7"}};
  std::string html = render_report_html(run);
  std::size_t table = html.find("<table class=\"violations\" id=\"violations-1\">");
  ASSERT_NE(table, std::string::npos) << html;
  EXPECT_NE(html.find("serial 7 sold a second time &lt;b&gt;", table), std::string::npos) << html;
  EXPECT_NE(html.find("<td>40</td>", table), std::string::npos) << html;
  EXPECT_NE(html.find("<code>ok buy 7</code>", table), std::string::npos) << html;
}

}  // namespace
}  // namespace drover::report_html_test
