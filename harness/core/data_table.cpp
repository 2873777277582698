#include "harness/core/data_table.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

namespace drover {
namespace {

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

// One record of a CSV file: its fields (none for a blank line) and the
// line it starts on.
struct Record {
  std::vector<std::string> fields;
  std::size_t line = 0;
};

Unexpected<std::string> at_line(std::size_t line, std::string_view what) {
  return unexpected(fmt::format("line {}: {}", line, what));
}

}  // namespace

// Reads RFC 4180 records one at a time, counting lines, so that an error
// names the line a user sees in an editor.
class DataTable::CsvReader {
 public:
  explicit CsvReader(std::string_view text) : text_(text) {}

  bool done() const { return pos_ >= text_.size(); }

  // The next record; done() must be false.
  Expected<Record> next() {
    Record record{{}, line_};
    if (at_line_end()) {
      skip_line_end();
      return record;
    }
    for (;;) {
      Expected<std::string> field = text_[pos_] == '"' ? quoted(record.line) : plain();
      if (!field) return unexpected(field.take_error());
      record.fields.push_back(std::move(*field));
      if (done()) return record;
      if (text_[pos_] == ',') {
        ++pos_;
        if (!done()) continue;
        record.fields.emplace_back();  // "a,b," ends with an empty field
        return record;
      }
      if (at_line_end()) {
        skip_line_end();
        return record;
      }
      return at_line(line_,
                     "text after a quoted field's closing quote (a quote inside it is "
                     "written twice: \"a \"\"b\"\"\")");
    }
  }

 private:
  bool at_line_end() const {
    return text_[pos_] == '\n' ||
           (text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n');
  }

  void skip_line_end() {
    pos_ += text_[pos_] == '\r' ? 2 : 1;
    ++line_;
  }

  Expected<std::string> plain() {
    std::size_t start = pos_;
    while (!done() && text_[pos_] != ',' && !at_line_end()) {
      if (text_[pos_] == '"') {
        return at_line(line_,
                       "a quote inside a field that does not start with one (quote the "
                       "whole field and write the quote twice: \"a \"\"b\"\"\")");
      }
      ++pos_;
    }
    return std::string(text_.substr(start, pos_ - start));
  }

  // From the opening quote to past the closing one: commas and line breaks
  // inside are the field's own, "" is one quote.
  Expected<std::string> quoted(std::size_t record_line) {
    std::string field;
    ++pos_;
    for (;;) {
      std::size_t quote = text_.find('"', pos_);
      if (quote == std::string_view::npos) {
        return at_line(record_line, "a quoted field is never closed");
      }
      std::string_view part = text_.substr(pos_, quote - pos_);
      line_ += static_cast<std::size_t>(std::count(part.begin(), part.end(), '\n'));
      field += part;
      pos_ = quote + 1;
      if (done() || text_[pos_] != '"') return field;
      field += '"';
      ++pos_;
    }
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
};

Expected<DataTable> DataTable::parse(std::string_view text, Format format) {
  if (text.substr(0, kByteOrderMark.size()) == kByteOrderMark) {
    text.remove_prefix(kByteOrderMark.size());
  }
  DataTable table;
  Expected<void> filled = format == Format::kCsv ? table.parse_csv(text) : table.parse_lines(text);
  if (!filled) return unexpected(filled.take_error());
  if (table.columns_.empty()) return unexpected("is empty (its first row names the columns)");
  if (table.rows() == 0) {
    return unexpected(format == Format::kCsv ? "has no rows under its header" : "has no lines");
  }
  return table;
}

Expected<void> DataTable::parse_csv(std::string_view text) {
  CsvReader reader(text);
  while (!reader.done()) {
    Expected<Record> record = reader.next();
    if (!record) return unexpected(record.take_error());
    if (record->fields.empty()) continue;  // a blank line
    if (columns_.empty()) {
      if (Expected<void> named = name_columns(record->fields, record->line); !named) {
        return named;
      }
    } else if (record->fields.size() != columns_.size()) {
      return at_line(record->line, fmt::format("{} fields, but the header names {} columns",
                                               record->fields.size(), columns_.size()));
    } else {
      add_row(record->fields);
    }
  }
  return {};
}

// No quoting: a line is the value as it is, commas and quotes included.
Expected<void> DataTable::parse_lines(std::string_view text) {
  columns_.assign(1, "");
  widest_.assign(1, 0);
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    std::vector<std::string> row{std::string(line)};
    add_row(row);
  }
  return {};
}

Expected<void> DataTable::name_columns(std::vector<std::string>& names, std::size_t line) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i].empty()) {
      return at_line(line, fmt::format("the header's column {} has no name", i + 1));
    }
    if (std::find(names.begin(), names.begin() + static_cast<std::ptrdiff_t>(i), names[i]) !=
        names.begin() + static_cast<std::ptrdiff_t>(i)) {
      return at_line(line, fmt::format("the header names the column \"{}\" twice", names[i]));
    }
  }
  columns_ = std::move(names);
  widest_.assign(columns_.size(), 0);
  return {};
}

void DataTable::add_row(const std::vector<std::string>& fields) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    cells_.push_back({text_.size(), fields[i].size()});
    text_ += fields[i];
    widest_[i] = std::max(widest_[i], fields[i].size());
  }
}

Expected<DataTable> DataTable::read(const std::filesystem::path& file, Format format) {
  std::error_code error;
  std::uintmax_t size = std::filesystem::file_size(file, error);
  if (error) return unexpected(fmt::format("cannot be read ({})", error.message()));
  if (size > kMaxFileSize) {
    return unexpected(fmt::format("is {} bytes, more than the {} MiB drover reads into memory",
                                  size, kMaxFileSize >> 20));
  }
  std::ifstream in(file, std::ios::binary);
  std::string text(std::istreambuf_iterator<char>(in), {});
  if (!in.good() && !in.eof()) return unexpected("cannot be read");
  if (text.size() > kMaxFileSize) {
    return unexpected(
        fmt::format("is more than the {} MiB drover reads into memory", kMaxFileSize >> 20));
  }
  return parse(text, format);
}

std::optional<std::size_t> DataTable::column(std::string_view name) const {
  auto found = std::find(columns_.begin(), columns_.end(), name);
  if (found == columns_.end()) return std::nullopt;
  return static_cast<std::size_t>(found - columns_.begin());
}

std::string_view DataTable::at(std::size_t row, std::size_t column) const {
  const Cell& cell = cells_[row * columns_.size() + column];
  return std::string_view(text_).substr(cell.offset, cell.size);
}

}  // namespace drover
