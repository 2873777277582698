// DataTable::parse on the input, as a CSV file and as a file of lines. A
// table it accepts has rows, and a CSV table written back out with every
// field quoted reads back as the same table.
#include <string>

#include "harness/core/data_table.hpp"
#include "tests/fuzz/entry_points.hpp"

namespace drover::fuzz {
namespace {

std::string csv_field(std::string_view field) {
  std::string out = "\"";
  for (char c : field) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string as_csv(const DataTable& table) {
  std::string out;
  for (std::size_t c = 0; c < table.columns(); ++c)
    out += (c ? "," : "") + csv_field(table.column_names()[c]);
  out += "\r\n";
  for (std::size_t r = 0; r < table.rows(); ++r) {
    for (std::size_t c = 0; c < table.columns(); ++c)
      out += (c ? "," : "") + csv_field(table.at(r, c));
    out += "\r\n";
  }
  return out;
}

void check_table(const DataTable& table) {
  DROVER_FUZZ_CHECK(table.rows() > 0 && table.columns() > 0);
  for (std::size_t r = 0; r < table.rows(); ++r)
    for (std::size_t c = 0; c < table.columns(); ++c)
      DROVER_FUZZ_CHECK(table.at(r, c).size() <= table.widest(c));
}

}  // namespace

int data_file(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  Expected<DataTable> csv = DataTable::parse(text, DataTable::Format::kCsv);
  if (csv) {
    check_table(*csv);
    Expected<DataTable> again = DataTable::parse(as_csv(*csv), DataTable::Format::kCsv);
    DROVER_FUZZ_CHECK(again.has_value());
    DROVER_FUZZ_CHECK(again->column_names() == csv->column_names());
    DROVER_FUZZ_CHECK(again->rows() == csv->rows());
    for (std::size_t r = 0; r < csv->rows(); ++r)
      for (std::size_t c = 0; c < csv->columns(); ++c)
        DROVER_FUZZ_CHECK(again->at(r, c) == csv->at(r, c));
  } else {
    DROVER_FUZZ_CHECK(!csv.error().empty());
  }
  Expected<DataTable> lines = DataTable::parse(text, DataTable::Format::kLines);
  if (lines) check_table(*lines);
  return 0;
}

}  // namespace drover::fuzz
