// The rows of a data file that {data:FILE:COLUMN} and {data:FILE}
// placeholders take their values from, as k6's SharedArray and Gatling's
// feeders do.
//   CSV    the first row names the columns; RFC 4180 quoting: a field in
//          double quotes may hold commas, line breaks and doubled quotes
//   lines  every line is a row of one value, the file's only column
// Lines end in "\n" or "\r\n"; blank lines are skipped (a CSV field that
// is empty on purpose is written ""); a UTF-8 byte order mark at the start
// is dropped. Every row of a CSV file has as many fields as its header.
//
// Errors are values naming the line ("line 4: ..."); the caller adds the
// file and where the scenario names it. A table is immutable once read:
// safe to share between threads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/core/expected.hpp"

namespace drover {

class DataTable {
 public:
  enum class Format : std::uint8_t { kCsv, kLines };
  // Read into memory at the start of a run: a larger file is refused.
  static constexpr std::uintmax_t kMaxFileSize = 256u << 20;

  static Expected<DataTable> parse(std::string_view text, Format format);
  // The file's text parsed; errors say why it cannot be read, or that it
  // is larger than kMaxFileSize, has no rows, or is not valid.
  static Expected<DataTable> read(const std::filesystem::path& file, Format format);

  // The index of the column named `name`; a lines file's one column has
  // the empty name.
  std::optional<std::size_t> column(std::string_view name) const;
  const std::vector<std::string>& column_names() const { return columns_; }
  std::size_t rows() const { return columns_.empty() ? 0 : cells_.size() / columns_.size(); }
  std::size_t columns() const { return columns_.size(); }
  std::string_view at(std::size_t row, std::size_t column) const;
  // The longest value of a column: what a placeholder adds at most.
  std::size_t widest(std::size_t column) const { return widest_[column]; }

 private:
  class CsvReader;
  struct Cell {
    std::size_t offset;
    std::size_t size;
  };
  Expected<void> parse_csv(std::string_view text);
  Expected<void> parse_lines(std::string_view text);
  Expected<void> name_columns(std::vector<std::string>& names, std::size_t line);
  void add_row(const std::vector<std::string>& fields);

  std::vector<std::string> columns_;  // a lines file: one, unnamed
  std::string text_;                  // every value, one after another
  std::vector<Cell> cells_;           // row after row, into text_
  std::vector<std::size_t> widest_;   // per column
};

}  // namespace drover
