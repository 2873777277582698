// "setup": commands run before the targets start, on this machine or on a
// declared host.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/scenario/parse.hpp"
#include "tests/unit/input_error_lines.hpp"

namespace drover::scenario_setup_test {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr const char* kFile = "/srv/drover/scenarios/test.json";

const std::string kDb1 =
    R"({"db1": {"address": "10.99.0.2", "user": "drover", "auth": {"key_file": "id"}}})";

// A scenario with the given setup (and hosts, when given).
std::string scenario(const std::string& setup, const std::string& hosts = kDb1) {
  std::string text = R"({"name": "t", )";
  if (!hosts.empty()) text += R"("hosts": )" + hosts + ", ";
  return text + R"("setup": )" + setup + R"(, "targets": {"e": {"kind": "udp_echo"}},
      "fleets": [{"name": "c", "target": "e", "clients": 1, "op": {"send": "x"}}],
      "load": {}})";
}

Scenario parse_ok(const std::string& text, const std::vector<std::string>& overrides = {}) {
  ParsedScenario parsed = parse_scenario(text, kFile, overrides);
  EXPECT_THAT(lines(parsed), ElementsAre());
  return parsed ? *parsed : Scenario{};
}

std::vector<std::string> errors_of(const std::string& text) {
  ParsedScenario parsed = parse_scenario(text, kFile);
  EXPECT_FALSE(parsed.has_value());
  return lines(parsed);
}

TEST(ScenarioSetupTest, StepsInOrderWithTheirDefaults) {
  Scenario s = parse_ok(scenario(R"([
      {"host": "db1", "run": ["df", "-h"]},
      {"host": "db1", "run": ["false"], "allow_failure": true, "timeout": "5s"},
      {"run": ["echo", "local", ""]}])"));
  ASSERT_EQ(s.setup.size(), 3u);
  EXPECT_EQ(s.setup[0].host, "db1");
  EXPECT_THAT(s.setup[0].argv, ElementsAre("df", "-h"));
  EXPECT_FALSE(s.setup[0].allow_failure);
  EXPECT_EQ(s.setup[0].timeout, 60s);
  EXPECT_EQ(s.setup[0].cwd, "");  // the login folder on the host
  EXPECT_EQ(s.setup[0].at_pointer, "/setup/0");
  EXPECT_TRUE(s.setup[1].allow_failure);
  EXPECT_EQ(s.setup[1].timeout, 5s);
  EXPECT_EQ(s.setup[1].at_pointer, "/setup/1");
  // Without "host": this machine, in the scenario's folder; an empty
  // argument is an argument.
  EXPECT_EQ(s.setup[2].host, "");
  EXPECT_EQ(s.setup[2].cwd, "/srv/drover/scenarios");
  EXPECT_THAT(s.setup[2].argv, ElementsAre("echo", "local", ""));
}

TEST(ScenarioSetupTest, NoSetupIsNoSteps) {
  Scenario s = parse_ok(scenario("[]"));
  EXPECT_TRUE(s.setup.empty());
}

TEST(ScenarioSetupTest, AnUnknownHostIsNamedWithASuggestion) {
  EXPECT_THAT(errors_of(scenario(R"([{"host": "db2", "run": ["true"]}])")),
              ElementsAre("/setup/0/host: no host named \"db2\" (did you mean \"db1\"?)"));
  EXPECT_THAT(errors_of(scenario(R"([{"run": ["true"]}, {"host": "db1", "run": ["true"]}])", "")),
              ElementsAre(HasSubstr("/setup/1/host: no host named \"db1\" (declare it under "
                                    "\"hosts\"")));
}

TEST(ScenarioSetupTest, TheCommandMustBeANonEmptyArrayOfStrings) {
  EXPECT_THAT(errors_of(scenario(R"([{"host": "db1", "run": []}])")),
              ElementsAre(HasSubstr("/setup/0/run: must not be empty")));
  EXPECT_THAT(errors_of(scenario(R"([{"run": "df -h"}])")),
              ElementsAre(HasSubstr("/setup/0/run: must be an array of strings")));
  EXPECT_THAT(errors_of(scenario(R"([{"run": ["echo", 1]}])")),
              ElementsAre(HasSubstr("/setup/0/run: must be an array of strings")));
  EXPECT_THAT(errors_of(scenario(R"([{"run": ["", "x"]}])")),
              ElementsAre("/setup/0/run/0: must not be empty"));
  EXPECT_THAT(errors_of(scenario(R"([{"run": ["echo", "a\u0000b"]}])")),
              ElementsAre("/setup/0/run/1: must not contain a NUL character"));
  EXPECT_THAT(errors_of(scenario(R"([{"host": "db1"}])")), ElementsAre("/setup/0/run: required"));
}

TEST(ScenarioSetupTest, UnknownKeysAndWrongTypesAreEachReported) {
  EXPECT_THAT(errors_of(scenario(R"([{"host": "db1", "run": ["true"], "allow_failures": true,
                                      "timeout": "0s"}])")),
              ElementsAre("/setup/0/allow_failures: unknown key (did you mean \"allow_failure\"?)",
                          HasSubstr("/setup/0/timeout: ")));
  EXPECT_THAT(errors_of(scenario(R"([{"run": ["true"], "allow_failure": "yes"}])")),
              ElementsAre(HasSubstr("/setup/0/allow_failure: ")));
  EXPECT_THAT(errors_of(scenario(R"({"run": ["true"]})")),
              ElementsAre(HasSubstr("/setup: must be an array of steps")));
  EXPECT_THAT(errors_of(scenario(R"(["true"])")),
              ElementsAre(HasSubstr("/setup/0: must be an object")));
}

TEST(ScenarioSetupTest, AStepCanBeChangedWithSet) {
  Scenario s = parse_ok(scenario(R"([{"host": "db1", "run": ["true"]}])"),
                        {"setup.0.timeout=2s", "setup.0.allow_failure=true"});
  ASSERT_EQ(s.setup.size(), 1u);
  EXPECT_EQ(s.setup[0].timeout, 2s);
  EXPECT_TRUE(s.setup[0].allow_failure);
}

}  // namespace
}  // namespace drover::scenario_setup_test
