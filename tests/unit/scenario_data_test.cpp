// "data" and the {data:...} placeholders that name its files.
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/scenario/parse.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/unit/input_error_lines.hpp"

namespace drover::scenario_data_test {
namespace {

using ::testing::ElementsAre;

// A scenario file in its own folder, beside the data files it names.
class ScenarioDataTest : public ::testing::Test {
 protected:
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_.path() / name) << text;
  }

  ParsedScenario parse(const std::string& data, const std::string& send,
                       const std::string& fleet_extra = "", const std::string& extra = "") {
    std::string text = R"({"name": "t", "targets": {"echo": {"kind": "tcp_fork_echo"}},
        "data": )" + data +
                       R"(, "fleets": [{"name": "f", "target": "echo", "clients": 2,
        "op": {"send": ")" +
                       send + R"(", "expect": "upper"})" + fleet_extra + R"(}],
        "load": {})" + extra +
                       "}";
    return parse_scenario(text, (dir_.path() / "scenario.json").string());
  }

  std::vector<std::string> errors(const std::string& data, const std::string& send,
                                  const std::string& fleet_extra = "",
                                  const std::string& extra = "") {
    ParsedScenario parsed = parse(data, send, fleet_extra, extra);
    EXPECT_FALSE(parsed.has_value());
    return lines(parsed);
  }

  test::TempDir dir_;
};

TEST_F(ScenarioDataTest, FilesAreReadFromTheScenariosFolderWithTheirOrders) {
  write("users.csv", "name,password\nada,s3cret\nbob,x\n");
  std::filesystem::create_directory(dir_.path() / "lists");
  write("lists/words.txt", "alpha\nbeta\n");
  write("plain", "one\nfirst\n");
  ParsedScenario parsed =
      parse(R"({"users.csv": {}, "lists/words.txt": {"order": "random"},
                "plain": {"format": "csv", "order": "once"}})",
            "{data:users.csv:name} {data:users.csv:password} {data:lists/words.txt}");
  ASSERT_THAT(lines(parsed), ElementsAre());
  const std::vector<DataFileSpec>& data = parsed->data;
  ASSERT_EQ(data.size(), 3u);
  EXPECT_EQ(data[0].name, "users.csv");
  EXPECT_EQ(data[0].path, (dir_.path() / "users.csv").string());
  EXPECT_EQ(data[0].format, DataTable::Format::kCsv);
  EXPECT_EQ(data[0].order, DataSource::Order::kRoundRobin);
  ASSERT_TRUE(data[0].table);
  EXPECT_EQ(data[0].table->rows(), 2u);
  EXPECT_EQ(data[1].format, DataTable::Format::kLines);
  EXPECT_EQ(data[1].order, DataSource::Order::kRandom);
  EXPECT_EQ(data[1].table->at(1, 0), "beta");
  EXPECT_EQ(data[2].format, DataTable::Format::kCsv);  // as "format" says, not its name
  EXPECT_EQ(data[2].order, DataSource::Order::kOnce);
  EXPECT_THAT(data[2].table->column_names(), ElementsAre("one"));
}

TEST_F(ScenarioDataTest, AFileThatCannotBeUsedIsAnErrorAtItsName) {
  write("empty.csv", "");
  write("ragged.csv", "a,b\n1,2\n3\n");
  EXPECT_THAT(
      errors(R"({"missing.csv": {}, "empty.csv": {}, "ragged.csv": {"order": "sometimes"},
                 "a:b": {}})",
             "x"),
      ElementsAre(
          "/data/missing.csv: cannot be read (No such file or directory)",
          "/data/empty.csv: is empty (its first row names the columns)",
          "/data/ragged.csv: line 3: 1 fields, but the header names 2 columns",
          R"(/data/ragged.csv/order: must be "round_robin", "random" or "once")",
          R"(/data/a:b: must be a file's path, without ":", "{" or "}" (they end a placeholder))"));
}

TEST_F(ScenarioDataTest, PlaceholdersMustNameADeclaredFileAndAColumnItHas) {
  write("users.csv", "name,password\nada,s3cret\n");
  write("words.txt", "alpha\n");
  const std::string data = R"({"users.csv": {}, "words.txt": {}})";
  EXPECT_THAT(
      errors(data, "{data:users.csv:nam}"),
      ElementsAre(
          R"(/fleets/0/op/send: {data:users.csv:nam}: users.csv has no column "nam" (name, password))"));
  EXPECT_THAT(errors(data, "{data:users.csv}"),
              ElementsAre("/fleets/0/op/send: {data:users.csv}: name a column of users.csv (name, "
                          "password)"));
  EXPECT_THAT(errors(data, "{data:words.txt:name}"),
              ElementsAre("/fleets/0/op/send: {data:words.txt:name}: words.txt is a file of lines, "
                          "with no columns: write {data:words.txt}"));
  EXPECT_THAT(
      errors(data, "{data:other.csv:name}"),
      ElementsAre(
          R"(/fleets/0/op/send: {data:other.csv:name}: "other.csv" is not a file of "data")"));
}

TEST_F(ScenarioDataTest, AnExpectationsPlaceholdersAreCheckedToo) {
  write("users.csv", "name\nada\n");
  std::string text = R"({"name": "t", "targets": {"echo": {"kind": "tcp_fork_echo"}},
      "data": {"users.csv": {}}, "fleets": [{"name": "f", "target": "echo", "clients": 1,
      "op": {"send": "{data:users.csv:name}", "expect": {"equals": "{data:users.csv:pw}"}}}],
      "load": {}})";
  EXPECT_THAT(
      lines(parse_scenario(text, (dir_.path() / "s.json").string())),
      ElementsAre(
          R"(/fleets/0/op/expect/equals: {data:users.csv:pw}: users.csv has no column "pw" (name))"));
}

// Each op of a mix has its placeholders checked, at its own pointer.
TEST_F(ScenarioDataTest, EachOpOfAMixIsCheckedAtItsPointer) {
  write("users.csv", "name\nada\n");
  std::string text = R"({"name": "t", "targets": {"echo": {"kind": "tcp_fork_echo"}},
      "data": {"users.csv": {}}, "fleets": [{"name": "f", "target": "echo", "clients": 1,
      "ops": [{"name": "get", "send": "GET {data:users.csv:name}"},
              {"name": "set", "send": "SET {data:users.csv:pw}"}]}],
      "load": {}})";
  EXPECT_THAT(
      lines(parse_scenario(text, (dir_.path() / "s.json").string())),
      ElementsAre(
          R"(/fleets/0/ops/1/send: {data:users.csv:pw}: users.csv has no column "pw" (name))"));
}

// A placeholder naming a file with its own error gets no second one.
TEST_F(ScenarioDataTest, AFileWithItsOwnErrorIsNotReportedAgainWhereItIsUsed) {
  EXPECT_THAT(errors(R"({"users.csv": {}})", "{data:users.csv:name}"),
              ElementsAre("/data/users.csv: cannot be read (No such file or directory)"));
}

TEST_F(ScenarioDataTest, FleetsOnHostsUseNoDataFiles) {
  write("users.csv", "name\nada\n");
  EXPECT_THAT(errors(R"({"users.csv": {}})", "{data:users.csv:name}", R"(, "hosts": ["h1"])",
                     R"(, "hosts": {"h1": {"address": "10.99.0.2", "user": "u",
                         "auth": {"key_file": "k"}}})"),
              ElementsAre("/fleets/0/hosts: not with {data:...} placeholders: agents on hosts get "
                          "no data files (run this fleet on this machine)"));
}

}  // namespace
}  // namespace drover::scenario_data_test
