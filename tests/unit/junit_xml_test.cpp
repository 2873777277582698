// junit.xml from hand-built runs: the testcases and their outcomes, the
// counts, escaping, and every rendered file valid against the JUnit schema
// CI servers read (tests/data/junit.xsd, checked with Debian's xmllint).
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "reports/sink.hpp"
#include "tests/temp_dir.hpp"

namespace drover::junit_xml_test {
namespace {

using test_files::TempDir;

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

RunResult passing_run() {
  RunResult run;
  run.scenario = "udp";
  run.scenario_file = "scenarios/udp.json";
  run.started_at = std::chrono::system_clock::from_time_t(1700000000);
  run.duration_s = 10.0;
  run.seed = 42;
  run.verdict = Verdict::kPass;
  run.exit_code = ExitCode::kPass;
  FleetResult f;
  f.name = "clients";
  f.target = "echo";
  f.clients = 8;
  f.totals.by_outcome[static_cast<std::size_t>(Outcome::kOk)] = 990;
  f.totals.by_outcome[static_cast<std::size_t>(Outcome::kTimeout)] = 10;
  f.rate_per_s = 100;
  f.latency = {990, 0.1, 0.5, 0.4, 0.8, 1.5, 2.0, 3.25};
  run.fleets.push_back(f);
  run.totals = f.totals;
  run.latency = f.latency;
  auto held = [](std::string metric, std::string fleet, std::string limit, double limit_value,
                 double value, std::string unit) {
    ThresholdResult t;
    t.metric = std::move(metric);
    t.fleet = std::move(fleet);
    t.comparison = "<";
    t.limit = std::move(limit);
    t.limit_value = limit_value;
    t.value = value;
    t.unit = std::move(unit);
    t.ok = true;
    return t;
  };
  run.thresholds.push_back(held("latency.p99", "", "< 20ms", 20, 1.5, "ms"));
  run.thresholds.push_back(held("errors.rate", "clients", "< 0.05", 0.05, 0.01, "ratio"));
  run.invariants.push_back(
      {Invariant::kRepliesCorrect, "clients", true, "990 replies checked", {}});
  run.invariants.push_back({Invariant::kTargetAlive, "echo", true, "", {}});
  return run;
}

class JunitXmlTest : public ::testing::Test {
 protected:
  // Writes the run through the sink, checks the file against the schema,
  // and returns its text.
  std::string render(const RunResult& run) {
    std::string path = (dir_.path() / "junit.xml").string();
    make_junit_xml_sink(path)->write(run);
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_EQ(text.str(), render_junit_xml(run));
    expect_valid(path);
    return text.str();
  }

  static void expect_valid(const std::string& path) {
    // CI installs xmllint (ci/install-deps); without it this test cannot
    // check what it promises, so it fails rather than skip.
    ASSERT_EQ(std::system("command -v xmllint >/dev/null 2>&1"), 0)
        << "xmllint not found: install libxml2-utils (ci/install-deps) to validate junit.xml";
    std::string command = std::string("xmllint --noout --schema ") + DROVER_SOURCE_DIR +
                          "/tests/data/junit.xsd '" + path + "' 2>&1";
    std::FILE* pipe = popen(command.c_str(), "r");
    ASSERT_NE(pipe, nullptr) << command;
    std::string output;
    char buffer[512];
    while (std::fgets(buffer, sizeof buffer, pipe)) output += buffer;
    int status = pclose(pipe);
    EXPECT_EQ(status, 0) << "junit.xml does not validate against tests/data/junit.xsd:\n" << output;
  }

  TempDir dir_;
};

TEST_F(JunitXmlTest, APassingRunHasATestcasePerFleetThresholdAndInvariantAndNoFailures) {
  std::string xml = render(passing_run());
  EXPECT_NE(xml.find("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"), std::string::npos);
  EXPECT_NE(xml.find("<testsuites name=\"drover\" tests=\"5\" failures=\"0\" errors=\"0\" "
                     "time=\"10.000\">"),
            std::string::npos)
      << xml;
  EXPECT_NE(
      xml.find("<testsuite name=\"udp\" tests=\"5\" failures=\"0\" errors=\"0\" "
               "skipped=\"0\" time=\"10.000\" timestamp=\"2023-11-14T22:13:20Z\" hostname=\""),
      std::string::npos)
      << xml;
  EXPECT_EQ(count(xml, "<testsuite "), 1u);
  EXPECT_EQ(count(xml, "<testcase "), 5u);
  EXPECT_EQ(count(xml, "<failure"), 0u);
  EXPECT_EQ(count(xml, "<error"), 0u);
  EXPECT_NE(xml.find("<testcase classname=\"udp.fleets\" name=\"clients\" time=\"10.000\">"),
            std::string::npos);
  EXPECT_NE(xml.find("ops 1000, ok 990, errors 10, error rate 0.01"), std::string::npos) << xml;
  EXPECT_NE(xml.find("errors by class: timeout 10"), std::string::npos) << xml;
  EXPECT_NE(xml.find("latency p50 0.4 ms, p99 1.5 ms, max 3.25 ms (990 answered)"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("classname=\"udp.thresholds\" name=\"latency.p99 &lt; 20ms\""),
            std::string::npos);
  EXPECT_NE(xml.find("<system-out>value 1.5 ms, limit &lt; 20ms</system-out>"), std::string::npos);
  EXPECT_NE(xml.find("name=\"errors.rate{fleet:clients} &lt; 0.05\""), std::string::npos);
  EXPECT_NE(xml.find("classname=\"udp.invariants\" name=\"replies_correct (clients)\""),
            std::string::npos);
  EXPECT_NE(xml.find("<testcase classname=\"udp.invariants\" name=\"target_alive (echo)\" "
                     "time=\"0.000\"/>"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<property name=\"seed\" value=\"42\"/>"), std::string::npos);
  EXPECT_NE(xml.find("<property name=\"result\" value=\"pass\"/>"), std::string::npos);
}

TEST_F(JunitXmlTest, AFleetWhoseEveryOperationFailedStillPassesAndSaysSo) {
  RunResult run = passing_run();
  run.fleets[0].totals = {};
  run.fleets[0].totals.by_outcome[static_cast<std::size_t>(Outcome::kConnectError)] = 5;
  std::string xml = render(run);
  EXPECT_EQ(count(xml, "<failure"), 0u);
  EXPECT_NE(xml.find("every operation failed"), std::string::npos) << xml;
}

TEST_F(JunitXmlTest, AFailedThresholdIsAFailureWithItsValueAndLimit) {
  RunResult run = passing_run();
  run.verdict = Verdict::kFail;
  run.exit_code = ExitCode::kFailed;
  run.thresholds[0].value = 35.2;
  run.thresholds[0].ok = false;
  std::string xml = render(run);
  EXPECT_NE(xml.find("tests=\"5\" failures=\"1\" errors=\"0\""), std::string::npos) << xml;
  EXPECT_EQ(count(xml, "<failure "), 1u);
  EXPECT_NE(xml.find("<failure message=\"value 35.2 ms, limit &lt; 20ms\" type=\"threshold\">"),
            std::string::npos)
      << xml;
}

TEST_F(JunitXmlTest, AThresholdThatAbortedTheRunSaysWhenAndWithWhatValue) {
  RunResult run = passing_run();
  run.verdict = Verdict::kFail;
  run.exit_code = ExitCode::kFailed;
  run.aborted = true;
  ThresholdResult& t = run.thresholds[0];
  t.ok = false;
  t.value = 40;
  t.aborted = true;
  t.aborted_at_s = 2.5;
  t.aborted_value = 41.5;
  std::string xml = render(run);
  EXPECT_NE(xml.find("message=\"value 40 ms, limit &lt; 20ms; aborted the run at 2.5 s "
                     "(value then 41.5 ms)\""),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<property name=\"aborted\" value=\"true\"/>"), std::string::npos);
}

TEST_F(JunitXmlTest, AViolatedInvariantIsAFailureWithItsDetail) {
  RunResult run = passing_run();
  run.verdict = Verdict::kFail;
  run.exit_code = ExitCode::kFailed;
  run.invariants[0].ok = false;
  run.invariants[0].detail = "3 wrong replies, first: \"abc\"\nthen: \"def\"";
  std::string xml = render(run);
  EXPECT_NE(xml.find("tests=\"5\" failures=\"1\" errors=\"0\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<failure message=\"3 wrong replies, first: &quot;abc&quot;\" "
                     "type=\"invariant\">3 wrong replies, first: &quot;abc&quot;\nthen: "
                     "&quot;def&quot;</failure>"),
            std::string::npos)
      << xml;
}

TEST_F(JunitXmlTest, AnExpectedViolationThatWasCaughtPasses) {
  RunResult run = passing_run();
  run.expect = Expect::kViolation;
  run.invariants[0].ok = false;
  run.invariants[0].detail = "12 wrong replies";
  run.invariants[0].expected_failure = true;
  std::string xml = render(run);
  EXPECT_NE(xml.find("tests=\"5\" failures=\"0\" errors=\"0\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<system-out>violation caught, as the scenario expects"), std::string::npos)
      << xml;
  EXPECT_NE(xml.find("12 wrong replies</system-out>"), std::string::npos);
  EXPECT_EQ(xml.find("expected a violation"), std::string::npos);
}

TEST_F(JunitXmlTest, AnExpectedViolationThatNoInvariantCaughtIsAFailure) {
  RunResult run = passing_run();
  run.expect = Expect::kViolation;
  run.verdict = Verdict::kFail;
  run.exit_code = ExitCode::kFailed;
  run.violation_missing = true;
  std::string xml = render(run);
  EXPECT_NE(xml.find("tests=\"6\" failures=\"1\" errors=\"0\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<testcase classname=\"udp.invariants\" name=\"expected a violation\""),
            std::string::npos);
  EXPECT_NE(xml.find("type=\"expected_violation\""), std::string::npos);
}

// An invariant whose evidence is missing: the verdict is unknown (exit
// 1), so the file fails too, saying what is missing.
RunResult unknown_run() {
  RunResult run = passing_run();
  run.verdict = Verdict::kUnknown;
  run.exit_code = ExitCode::kFailed;
  InvariantResult once{Invariant::kExactlyOnce,
                       "queue",
                       false,
                       "not decided: history.jsonl holds only 0 of the 40000 operations "
                       "summary.json counts for fleet producers\n0 acknowledged items",
                       {}};
  once.unknown = true;
  run.invariants.push_back(once);
  return run;
}

TEST_F(JunitXmlTest, AnUndecidedInvariantIsAFailureOfTypeUnknownSayingWhatIsMissing) {
  std::string xml = render(unknown_run());
  EXPECT_NE(xml.find("tests=\"6\" failures=\"1\" errors=\"0\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<testcase classname=\"udp.invariants\" name=\"exactly_once (queue)\""),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<failure message=\"not decided: history.jsonl holds only 0 of the 40000 "
                     "operations summary.json counts for fleet producers\" type=\"unknown\">"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("fleet producers\n0 acknowledged items</failure>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<property name=\"result\" value=\"unknown\"/>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<property name=\"exit_code\" value=\"1\"/>"), std::string::npos) << xml;
  EXPECT_EQ(count(xml, "type=\"invariant\""), 0u) << xml;
}

// A caught violation passes; an undecided invariant beside it still fails
// the file, as it leaves the run unknown.
TEST_F(JunitXmlTest, AnUndecidedInvariantIsNeverTheCaughtViolation) {
  RunResult run = unknown_run();
  run.expect = Expect::kViolation;
  run.invariants[0].ok = false;
  run.invariants[0].detail = "12 wrong replies";
  run.invariants[0].expected_failure = true;
  std::string xml = render(run);
  EXPECT_NE(xml.find("tests=\"6\" failures=\"1\" errors=\"0\""), std::string::npos) << xml;
  EXPECT_EQ(count(xml, "violation caught"), 1u) << xml;
  EXPECT_EQ(count(xml, "type=\"unknown\""), 1u) << xml;
}

TEST_F(JunitXmlTest, AnInfrastructureErrorIsAnErrorCarryingEveryMessage) {
  RunResult run;
  run.scenario = "udp";
  run.expect = Expect::kViolation;  // no "expected a violation" failure on top of the error
  run.errors = {"target echo: cannot start: No such file", "target db: never became ready"};
  std::string xml = render(run);
  EXPECT_NE(xml.find("tests=\"1\" failures=\"0\" errors=\"1\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<testcase classname=\"udp.run\" name=\"infrastructure\""), std::string::npos);
  EXPECT_NE(xml.find("<error message=\"target echo: cannot start: No such file; target db: never "
                     "became ready\" type=\"infrastructure\">target echo: cannot start: No such "
                     "file\ntarget db: never became ready\n</error>"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<property name=\"result\" value=\"error\"/>"), std::string::npos);
}

TEST_F(JunitXmlTest, SetupStepsComeFirstAndOneThatFailedIsAnError) {
  RunResult run = passing_run();
  run.fleets.clear();
  run.thresholds.clear();
  run.invariants.clear();
  run.verdict = Verdict::kError;
  run.exit_code = ExitCode::kInfrastructure;
  run.errors = {"/setup/2 on db1: exited with status 1"};
  SetupStepResult ok{"/setup/0", "",
                     "",         {"true"},
                     0,          "exited with status 0",
                     0.01,       true,
                     false,      "logs/setup-0-local.log"};
  SetupStepResult allowed{
      "/setup/1", "db1", "10.99.0.2", {"rm", "-f", "/x"},    1, "exited with status 1",
      0.25,       false, true,        "logs/setup-1-db1.log"};
  SetupStepResult failed{
      "/setup/2", "db1", "10.99.0.2",           {"false"}, 1, "exited with status 1", 0.5,
      false,      false, "logs/setup-2-db1.log"};
  run.setup = {ok, allowed, failed};
  std::string xml = render(run);
  EXPECT_NE(xml.find("tests=\"4\" failures=\"0\" errors=\"2\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<testcase classname=\"udp.setup\" name=\"/setup/0 on this machine: true\" "
                     "time=\"0.010\">\n      <system-out>exited with status 0, log "
                     "logs/setup-0-local.log</system-out>"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("name=\"/setup/1 on db1: rm -f /x\" time=\"0.250\">\n      "
                     "<system-out>exited with status 1, log logs/setup-1-db1.log (allowed to "
                     "fail)</system-out>"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("name=\"/setup/2 on db1: false\" time=\"0.500\">\n      <error "
                     "message=\"exited with status 1\" type=\"setup\">exited with status 1, log "
                     "logs/setup-2-db1.log</error>"),
            std::string::npos)
      << xml;
  // Steps first, then the run's infrastructure error.
  EXPECT_LT(xml.find("udp.setup"), xml.find("udp.run"));
}

TEST_F(JunitXmlTest, AnInterruptedRunSaysSoInAPropertyAndTheSuiteOutput) {
  RunResult run = passing_run();
  run.interrupted = true;
  run.exit_code = ExitCode::kInterrupted;
  std::string xml = render(run);
  EXPECT_NE(xml.find("<property name=\"interrupted\" value=\"true\"/>"), std::string::npos);
  EXPECT_NE(xml.find("<system-out>interrupted by SIGINT or SIGTERM after 10 s"), std::string::npos)
      << xml;
}

TEST_F(JunitXmlTest, MarkupControlBytesAndBrokenUtf8AreEscapedOrMadeVisible) {
  RunResult run = passing_run();
  run.scenario = "a<b>&'c'";
  run.verdict = Verdict::kFail;
  run.exit_code = ExitCode::kFailed;
  run.invariants[0].ok = false;
  run.invariants[0].subject = "x\"y\tz";
  // Markup, a control byte XML 1.0 cannot carry, valid UTF-8 (é, €, 😀),
  // a lone continuation byte, a truncated sequence and an encoded surrogate.
  run.invariants[0].detail =
      std::string("got <&\">") + '\x01' + "\x1b[0m" +
      " caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \x80 \xe2\x82 \xed\xa0\x80";
  std::string xml = render(run);
  EXPECT_NE(xml.find("name=\"a&lt;b&gt;&amp;&apos;c&apos;\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("name=\"replies_correct (x&quot;y&#9;z)\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("got &lt;&amp;&quot;&gt;\\x01\\x1b[0m caf\xc3\xa9 \xe2\x82\xac "
                     "\xf0\x9f\x98\x80 \\x80 \\xe2\\x82 \\xed\\xa0\\x80</failure>"),
            std::string::npos)
      << xml;
  EXPECT_EQ(xml.find('\x01'), std::string::npos);
  EXPECT_EQ(xml.find('\x1b'), std::string::npos);
}

TEST_F(JunitXmlTest, AnUnwritableFolderThrowsNamingTheFile) {
  try {
    make_junit_xml_sink((dir_.path() / "missing" / "junit.xml").string())->write(passing_run());
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("missing/junit.xml"), std::string::npos) << e.what();
  }
}

TEST_F(JunitXmlTest, WarningsAreTheSuitesOutputALineEach) {
  RunResult run = passing_run();
  run.warnings = {{1.25, "target echo", "its log stays <behind>"},
                  {3.0, "host db1", "unknown host key accepted"}};
  std::string xml = render(run);
  EXPECT_NE(xml.find("    <system-out>warning at 1.25 s: target echo: its log stays "
                     "&lt;behind&gt;\nwarning at 3 s: host db1: unknown host key "
                     "accepted</system-out>\n  </testsuite>"),
            std::string::npos)
      << xml;
  // They fail nothing: the file still agrees with the verdict.
  EXPECT_EQ(count(xml, "<failure"), 0u);
  EXPECT_EQ(count(xml, "<error"), 0u);
}

TEST_F(JunitXmlTest, AnInterruptedRunWithWarningsSaysBothInTheOneSuiteOutput) {
  RunResult run = passing_run();
  run.interrupted = true;
  run.exit_code = ExitCode::kInterrupted;
  run.warnings = {{0.5, "push-gateway", "not reachable"}};
  std::string xml = render(run);
  EXPECT_EQ(count(xml, "<system-out>interrupted"), 1u) << xml;
  EXPECT_NE(xml.find("(drover exits 130)\nwarning at 0.5 s: push-gateway: not reachable"
                     "</system-out>"),
            std::string::npos)
      << xml;
}

// A failed threshold about a fleet carries that fleet's examples in its
// failure text: what was sent and the rule the reply broke, escaped for XML.
TEST_F(JunitXmlTest, AFailedThresholdShowsItsFleetsFailureExamples) {
  RunResult run = passing_run();
  run.verdict = Verdict::kFail;
  run.exit_code = ExitCode::kFailed;
  run.thresholds[1].ok = false;
  OpResult op;
  op.name = "datagram";
  op.totals = run.fleets[0].totals;
  FailureExample e;
  e.t_ms = 12;
  e.client = 5;
  e.request = {"ping <1>\\r", 0};
  e.rule = "no reply within 1s";
  FailureExample sampled = e;
  sampled.client = 6;
  op.failures = {{Outcome::kTimeout, 10, {e}, {sampled}}};
  run.fleets[0].ops.push_back(op);
  std::string xml = render(run);
  EXPECT_EQ(count(xml, "<failure "), 1u);
  std::size_t failure = xml.find("type=\"threshold\">");
  ASSERT_NE(failure, std::string::npos) << xml;
  EXPECT_NE(
      xml.find(
          "examples of failed operations:\n"
          "clients datagram timeout (10):\n"
          "  first: client 5 at 12.0ms sent &quot;ping &lt;1&gt;\\r&quot;: no reply within 1s\n"
          "  sampled: client 6 at 12.0ms",
          failure),
      std::string::npos)
      << xml;
}

TEST_F(JunitXmlTest, AViolatedInvariantListsItsOffendingOperations) {
  RunResult run = passing_run();
  run.verdict = Verdict::kFail;
  run.exit_code = ExitCode::kFailed;
  InvariantResult i{Invariant::kNoOversell, "tickets", false, "2 serials sold more than once", {}};
  i.examples = {{"serial 2 sold a second time", 4.0005, 8, 2, "buyers", "ok buy 2"},
                {"serial 3 sold a second time", 6, 12, 3, "buyers", "ok buy 3"}};
  run.invariants.push_back(i);
  std::string xml = render(run);
  EXPECT_NE(xml.find("2 serials sold more than once\n"
                     "offending operations:\n"
                     "serial 2 sold a second time: history.jsonl line 8 at 4.00ms, client 2 "
                     "(buyers): ok buy 2\n"
                     "serial 3 sold a second time: history.jsonl line 12 at 6.00ms"),
            std::string::npos)
      << xml;
}

}  // namespace
}  // namespace drover::junit_xml_test
