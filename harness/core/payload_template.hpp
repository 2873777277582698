// Payload templates: "hello {client}-{seq} {random:16}". Compiled once per
// fleet, rendered per operation into a caller's buffer without allocating.
// "{{" and "}}" stand for literal braces. {key:uniform:N}, {key:zipf:N:s}
// and {key:sequential:N} are keys from 0 to N-1 (key_distribution.hpp).
//
// {data:FILE:COLUMN} is a column of a CSV file's row, {data:FILE} a line
// of a file of lines (data_source.hpp says how rows are handed out); every
// placeholder of one rendering that names a file takes the same row of it.
//
// {random:N}, random keys and random rows draw from the client's random
// stream in the order the template names them, so rendering again from the
// same state (an expectation replaying its request) gives the same text; a
// RowsTaken carries the rows of "once" files, which a state cannot replay.
//
// A compiled template is immutable and safe to share between threads;
// render() only touches the buffer and the random state it is given.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/core/data_source.hpp"
#include "harness/core/expected.hpp"
#include "harness/core/key_distribution.hpp"

namespace drover {

// The rows one rendering took from its data files, by file. Given cleared
// to the request's rendering, it is filled; given to its expectation's, the
// expectation takes the same rows. Not thread-safe: one per request.
class RowsTaken {
 public:
  static constexpr std::size_t kMaxFiles = 8;  // per template
  std::optional<std::size_t> find(const DataSource* source) const;
  void add(const DataSource* source, std::size_t row);
  void clear() { count_ = 0; }

 private:
  std::array<const DataSource*, kMaxFiles> sources_{};
  std::array<std::size_t, kMaxFiles> rows_{};
  std::size_t count_ = 0;
};

class PayloadTemplate {
 public:
  // What is wrong ("unknown placeholder {sq} ...") when text is invalid.
  // Without data, {data:...} placeholders are only checked for their form
  // and left unbound (such a template never renders); with it, each must
  // name one of its files, and a column that file has.
  static Expected<PayloadTemplate> compile(std::string_view text,
                                           const DataCatalog* data = nullptr);

  // Writes the rendered payload to out (which it clears first).
  // random_state is a per-client xorshift state, never 0. rows: see
  // RowsTaken; without it, rows are taken for this rendering alone. False,
  // with out incomplete, when a "once" file has no row left or a data
  // placeholder is unbound.
  bool render(std::string& out, std::uint64_t client, std::uint64_t seq,
              std::uint64_t& random_state, RowsTaken* rows = nullptr) const;

  // The longest payload render() can produce (numbers at 20 digits).
  std::size_t max_size() const { return max_size_; }
  bool uses_seq() const { return uses_seq_; }
  bool uses_data() const { return !data_.empty(); }
  // Renders the same text every time: no placeholder, only literal text.
  bool literal() const;
  const std::string& text() const { return text_; }

 private:
  struct Piece {
    enum class Kind : std::uint8_t { kLiteral, kClient, kSeq, kRandom, kKey, kData } kind;
    std::string literal;       // kLiteral
    std::uint32_t length = 0;  // kRandom; kKey: the index in keys_; kData: in data_
  };
  // A {data:...} placeholder: its file (null while unbound) and column.
  struct DataValue {
    DataSourcePtr source;
    std::size_t column = 0;
    std::size_t file = 0;  // which of the template's files, for the row it takes
  };
  // Reads the placeholder `name` (the text between the braces) into t.
  static Expected<void> add_placeholder(PayloadTemplate& t, std::string_view name,
                                        const DataCatalog* data);
  static Expected<DataValue> bind_data(PayloadTemplate& t, std::string_view spec,
                                       const DataCatalog* data);

  std::string text_;
  std::vector<Piece> pieces_;
  std::vector<KeyDistribution> keys_;
  std::vector<DataValue> data_;
  std::vector<const DataSource*> files_;  // the distinct files data_ names
  std::size_t max_size_ = 0;
  bool uses_seq_ = false;
};

}  // namespace drover
