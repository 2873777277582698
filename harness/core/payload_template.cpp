#include "harness/core/payload_template.hpp"

#include <algorithm>
#include <charconv>

#include "harness/core/client_random.hpp"

namespace drover {
namespace {

constexpr std::uint32_t kMaxRandom = 65536;
constexpr std::string_view kAlphabet =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

void append_number(std::string& out, std::uint64_t n) {
  char digits[20];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
  out.append(digits, end);
}

void append_random(std::string& out, std::uint32_t length, std::uint64_t& random_state) {
  std::size_t start = out.size();
  out.resize(start + length);
  char* dst = out.data() + start;
  std::uint32_t left = length;
  while (left > 0) {
    std::uint64_t r = next_random(random_state);
    // Ten characters from each 64-bit draw (6 bits apiece).
    for (int k = 0; k < 10 && left > 0; ++k, --left) {
      *dst++ = kAlphabet[(r & 63) % kAlphabet.size()];
      r >>= 6;
    }
  }
}

// The row a request takes from source: the one already taken for it when
// there is one (an expectation's rendering), else a new one. A random row is
// drawn either way, so that the stream stays where the request's left it.
std::optional<std::size_t> take_row(const DataSource& source, RowsTaken& taken,
                                    std::uint64_t client, std::uint64_t seq,
                                    std::uint64_t& random_state) {
  std::optional<std::size_t> row = taken.find(&source);
  if (row && source.order() != DataSource::Order::kRandom) return row;
  std::optional<std::size_t> drawn = source.take(client, seq, random_state);
  if (row) return row;
  if (drawn) taken.add(&source, *drawn);
  return drawn;
}

std::size_t digits_of(std::uint64_t n) {
  std::size_t digits = 1;
  for (; n >= 10; n /= 10) ++digits;
  return digits;
}

}  // namespace

std::optional<std::size_t> RowsTaken::find(const DataSource* source) const {
  for (std::size_t i = 0; i < count_; ++i)
    if (sources_[i] == source) return rows_[i];
  return std::nullopt;
}

void RowsTaken::add(const DataSource* source, std::size_t row) {
  if (count_ == kMaxFiles) return;  // a template names at most kMaxFiles files
  sources_[count_] = source;
  rows_[count_] = row;
  ++count_;
}

Expected<PayloadTemplate> PayloadTemplate::compile(std::string_view text, const DataCatalog* data) {
  PayloadTemplate t;
  t.text_ = text;
  std::string literal;
  auto flush = [&] {
    if (!literal.empty()) {
      t.max_size_ += literal.size();
      t.pieces_.push_back({Piece::Kind::kLiteral, std::move(literal), 0});
      literal.clear();
    }
  };
  auto fail = [](std::string message) -> Expected<PayloadTemplate> {
    return unexpected(std::move(message));
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '}') {
      if (i + 1 < text.size() && text[i + 1] == '}') {
        literal += '}';
        ++i;
        continue;
      }
      return fail("unmatched \"}\" (write \"}}\" for a literal brace)");
    }
    if (c != '{') {
      literal += c;
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '{') {
      literal += '{';
      ++i;
      continue;
    }
    std::size_t close = text.find('}', i);
    if (close == std::string_view::npos) {
      return fail("unclosed \"{\" (write \"{{\" for a literal brace)");
    }
    flush();
    if (auto added = add_placeholder(t, text.substr(i + 1, close - i - 1), data); !added) {
      return unexpected(added.take_error());
    }
    i = close;
  }
  flush();
  return t;
}

Expected<void> PayloadTemplate::add_placeholder(PayloadTemplate& t, std::string_view name,
                                                const DataCatalog* data) {
  if (name == "client") {
    t.pieces_.push_back({Piece::Kind::kClient, {}, 0});
    t.max_size_ += 20;
  } else if (name == "seq") {
    t.pieces_.push_back({Piece::Kind::kSeq, {}, 0});
    t.max_size_ += 20;
    t.uses_seq_ = true;
  } else if (name.substr(0, 7) == "random:") {
    std::string_view digits = name.substr(7);
    std::uint32_t n = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || n == 0 ||
        n > kMaxRandom) {
      return unexpected("{" + std::string(name) +
                        "}: the length must be an integer from 1 to 65536");
    }
    t.pieces_.push_back({Piece::Kind::kRandom, {}, n});
    t.max_size_ += n;
  } else if (name.substr(0, 4) == "key:") {
    Expected<KeyDistribution> keys = KeyDistribution::parse(name.substr(4));
    if (!keys) return unexpected("{" + std::string(name) + "}: " + keys.error());
    t.max_size_ += digits_of(keys->keys() - 1);
    t.pieces_.push_back({Piece::Kind::kKey, {}, static_cast<std::uint32_t>(t.keys_.size())});
    t.keys_.push_back(*keys);
    t.uses_seq_ = t.uses_seq_ || keys->kind() == KeyDistribution::Kind::kSequential;
  } else if (name.substr(0, 5) == "data:") {
    Expected<DataValue> value = bind_data(t, name.substr(5), data);
    if (!value) return unexpected("{" + std::string(name) + "}: " + value.error());
    if (value->source) t.max_size_ += value->source->table().widest(value->column);
    t.pieces_.push_back({Piece::Kind::kData, {}, static_cast<std::uint32_t>(t.data_.size())});
    t.data_.push_back(std::move(*value));
  } else {
    return unexpected("unknown placeholder {" + std::string(name) +
                      "} (known: {client}, {seq}, {random:N}, {key:uniform:N}, "
                      "{key:zipf:N:s}, {key:sequential:N}, {data:FILE:COLUMN}, {data:FILE})");
  }
  return {};
}

// spec: "FILE:COLUMN" for a CSV file, "FILE" for a file of lines. A file's
// name holds no ":", so the first one ends it.
Expected<PayloadTemplate::DataValue> PayloadTemplate::bind_data(PayloadTemplate& t,
                                                                std::string_view spec,
                                                                const DataCatalog* data) {
  std::size_t colon = spec.find(':');
  std::string file(spec.substr(0, colon));
  std::string column(colon == std::string_view::npos ? "" : spec.substr(colon + 1));
  if (file.empty()) return unexpected("name a data file: {data:FILE:COLUMN} or {data:FILE}");
  if (data == nullptr) return DataValue{};  // its form alone is checked
  DataSourcePtr source = find_data(*data, file);
  if (!source) return unexpected("\"" + file + "\" is not a file of \"data\"");
  const DataTable& table = source->table();
  bool lines = table.column("").has_value();
  std::optional<std::size_t> index = table.column(column);
  if (lines && !column.empty()) {
    return unexpected(file + " is a file of lines, with no columns: write {data:" + file + "}");
  }
  if (!index) {
    std::string names;
    for (const std::string& n : table.column_names()) names += (names.empty() ? "" : ", ") + n;
    return unexpected(column.empty() ? "name a column of " + file + " (" + names + ")"
                                     : file + " has no column \"" + column + "\" (" + names + ")");
  }
  auto known = std::find(t.files_.begin(), t.files_.end(), source.get());
  if (known == t.files_.end()) {
    if (t.files_.size() == RowsTaken::kMaxFiles) {
      return unexpected("a template names at most 8 data files");
    }
    t.files_.push_back(source.get());
    known = t.files_.end() - 1;
  }
  return DataValue{source, *index, static_cast<std::size_t>(known - t.files_.begin())};
}

bool PayloadTemplate::literal() const {
  return std::all_of(pieces_.begin(), pieces_.end(),
                     [](const Piece& p) { return p.kind == Piece::Kind::kLiteral; });
}

bool PayloadTemplate::render(std::string& out, std::uint64_t client, std::uint64_t seq,
                             std::uint64_t& random_state, RowsTaken* rows) const {
  out.clear();
  RowsTaken own;
  RowsTaken& taken = rows != nullptr ? *rows : own;
  // The row of each of the template's files, once taken in this rendering.
  std::array<std::optional<std::size_t>, RowsTaken::kMaxFiles> row_of{};
  for (const Piece& p : pieces_) {
    switch (p.kind) {
      case Piece::Kind::kLiteral:
        out += p.literal;
        break;
      case Piece::Kind::kClient:
        append_number(out, client);
        break;
      case Piece::Kind::kSeq:
        append_number(out, seq);
        break;
      case Piece::Kind::kRandom:
        append_random(out, p.length, random_state);
        break;
      case Piece::Kind::kKey:
        append_number(out, keys_[p.length].draw(seq, random_state));
        break;
      case Piece::Kind::kData: {
        const DataValue& value = data_[p.length];
        if (!value.source) return false;
        std::optional<std::size_t>& row = row_of[value.file];
        if (!row) {
          row = take_row(*value.source, taken, client, seq, random_state);
          if (!row) return false;
        }
        out += value.source->table().at(*row, value.column);
        break;
      }
    }
  }
  return true;
}

}  // namespace drover
