#include "harness/core/data_table.hpp"

#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/temp_dir.hpp"

namespace drover::data_table_test {
namespace {

using ::testing::ElementsAre;
using Format = DataTable::Format;

DataTable parse_ok(std::string_view text, Format format = Format::kCsv) {
  auto t = DataTable::parse(text, format);
  EXPECT_TRUE(t) << t.error();
  return t ? *t : *DataTable::parse("a\n1\n", Format::kCsv);
}

std::string error_of(std::string_view text, Format format = Format::kCsv) {
  auto t = DataTable::parse(text, format);
  EXPECT_FALSE(t) << text;
  return t ? "" : t.error();
}

std::vector<std::string> row(const DataTable& t, std::size_t r) {
  std::vector<std::string> out;
  for (std::size_t c = 0; c < t.columns(); ++c) out.emplace_back(t.at(r, c));
  return out;
}

TEST(DataTable, CsvHeaderNamesTheColumns) {
  DataTable t = parse_ok("name,password\nada,s3cret\nbob,hunter2\n");
  EXPECT_THAT(t.column_names(), ElementsAre("name", "password"));
  ASSERT_EQ(t.rows(), 2u);
  EXPECT_THAT(row(t, 0), ElementsAre("ada", "s3cret"));
  EXPECT_THAT(row(t, 1), ElementsAre("bob", "hunter2"));
  EXPECT_EQ(t.column("password"), 1u);
  EXPECT_EQ(t.column("Password"), std::nullopt);
  EXPECT_EQ(t.column(""), std::nullopt);
  EXPECT_EQ(t.widest(0), 3u);
  EXPECT_EQ(t.widest(1), 7u);
}

TEST(DataTable, QuotedFieldsHoldCommasLineBreaksAndQuotes) {
  DataTable t = parse_ok(
      "id,text\r\n"
      "1,\"a, b\"\r\n"
      "2,\"two\r\nlines\"\r\n"
      "3,\"say \"\"hi\"\"\"\r\n"
      "4,\"\"\r\n"
      "\"5\",plain");
  ASSERT_EQ(t.rows(), 5u);
  EXPECT_THAT(row(t, 0), ElementsAre("1", "a, b"));
  EXPECT_THAT(row(t, 1), ElementsAre("2", "two\r\nlines"));
  EXPECT_THAT(row(t, 2), ElementsAre("3", "say \"hi\""));
  EXPECT_THAT(row(t, 3), ElementsAre("4", ""));
  EXPECT_THAT(row(t, 4), ElementsAre("5", "plain"));
}

TEST(DataTable, EmptyFieldsBlankLinesAndAByteOrderMark) {
  DataTable t = parse_ok("\xEF\xBB\xBFk,v,w\n\n,,\na,b,\n\r\n");
  EXPECT_THAT(t.column_names(), ElementsAre("k", "v", "w"));
  ASSERT_EQ(t.rows(), 2u);
  EXPECT_THAT(row(t, 0), ElementsAre("", "", ""));
  EXPECT_THAT(row(t, 1), ElementsAre("a", "b", ""));
}

TEST(DataTable, CsvMistakesNameTheirLine) {
  EXPECT_EQ(error_of("a,b\n1,2\n3\n"), "line 3: 1 fields, but the header names 2 columns");
  EXPECT_EQ(error_of("a,b\n1,\"two\nlines\"\n3,4,5\n"),
            "line 4: 3 fields, but the header names 2 columns");
  EXPECT_EQ(error_of("a\n\"open\n\n"), "line 2: a quoted field is never closed");
  EXPECT_EQ(error_of("a\n\"x\"y\n"),
            "line 2: text after a quoted field's closing quote (a quote inside it is written "
            "twice: \"a \"\"b\"\"\")");
  EXPECT_EQ(error_of("a\nx\"y\n"),
            "line 2: a quote inside a field that does not start with one (quote the whole field "
            "and write the quote twice: \"a \"\"b\"\"\")");
  EXPECT_EQ(error_of("\na,,b\n1,2,3\n"), "line 2: the header's column 2 has no name");
  EXPECT_EQ(error_of("a,b,a\n1,2,3\n"), "line 1: the header names the column \"a\" twice");
}

TEST(DataTable, AFileWithoutRowsIsRefused) {
  EXPECT_EQ(error_of(""), "is empty (its first row names the columns)");
  EXPECT_EQ(error_of("\n\r\n"), "is empty (its first row names the columns)");
  EXPECT_EQ(error_of("name,password\n"), "has no rows under its header");
  EXPECT_EQ(error_of("", Format::kLines), "has no lines");
  EXPECT_EQ(error_of("\n\n", Format::kLines), "has no lines");
}

TEST(DataTable, LinesAreValuesAsTheyAre) {
  DataTable t = parse_ok("alpha\r\n\"quoted\", too\n\nlast", Format::kLines);
  ASSERT_EQ(t.rows(), 3u);
  ASSERT_EQ(t.columns(), 1u);
  EXPECT_EQ(t.column(""), 0u);
  EXPECT_EQ(t.column("alpha"), std::nullopt);
  EXPECT_EQ(t.at(0, 0), "alpha");
  EXPECT_EQ(t.at(1, 0), "\"quoted\", too");
  EXPECT_EQ(t.at(2, 0), "last");
  EXPECT_EQ(t.widest(0), 13u);
}

TEST(DataTable, ReadsAFileAndSaysWhyItCannot) {
  test::TempDir dir;
  std::ofstream(dir.path() / "users.csv") << "name\nada\n";
  auto t = DataTable::read(dir.path() / "users.csv", Format::kCsv);
  ASSERT_TRUE(t) << t.error();
  EXPECT_EQ(t->at(0, 0), "ada");
  auto missing = DataTable::read(dir.path() / "none.csv", Format::kCsv);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error(), "cannot be read (No such file or directory)");
}

// The bound is checked from the file's size, before a byte is read.
TEST(DataTable, RefusesAFileLargerThanItReadsIntoMemory) {
  test::TempDir dir;
  std::filesystem::path big = dir.path() / "big.txt";
  std::ofstream(big) << "x\n";
  std::filesystem::resize_file(big, DataTable::kMaxFileSize + 1);  // sparse
  auto t = DataTable::read(big, Format::kLines);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error(), "is 268435457 bytes, more than the 256 MiB drover reads into memory");
}

}  // namespace
}  // namespace drover::data_table_test
