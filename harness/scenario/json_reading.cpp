#include "harness/scenario/json_reading.hpp"

#include <algorithm>
#include <limits>

#include <fmt/format.h>

#include "harness/core/duration.hpp"

namespace drover::scenario_json {
namespace {

constexpr std::string_view kDurationExamples = "write e.g. \"250ms\", \"10s\", \"2m\"";

// Optimal string alignment distance: a swapped pair of letters counts as
// one edit, the commonest typo in a key ("clinets").
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

std::string unknown_key_message(std::string_view key, const std::vector<std::string>& known) {
  if (auto guess = closest(key, known))
    return fmt::format("unknown key (did you mean \"{}\"?)", *guess);
  return fmt::format("unknown key (known keys: {})", joined(known));
}

// Where `pointer` sits in `doc`, as member/element indices; a token that
// names nothing sorts after every existing sibling.
std::vector<std::size_t> position_in(const Json& doc, const std::string& pointer) {
  std::vector<std::size_t> position;
  const Json* node = &doc;
  for (const std::string& token : pointer_tokens(pointer)) {
    std::size_t index = std::numeric_limits<std::size_t>::max();
    const Json* next = nullptr;
    if (node->is_object()) {
      auto it = node->find(token);
      if (it != node->end()) {
        index = static_cast<std::size_t>(std::distance(node->begin(), it));
        next = &*it;
      }
    } else if (node->is_array()) {
      std::size_t i = 0;
      bool digits = !token.empty() && std::all_of(token.begin(), token.end(),
                                                  [](char c) { return c >= '0' && c <= '9'; });
      if (digits && token.size() < 10) i = std::stoul(token);
      if (digits && token.size() < 10 && i < node->size()) {
        index = i;
        next = &(*node)[i];
      }
    }
    position.push_back(index);
    if (next == nullptr) break;
    node = next;
  }
  return position;
}

}  // namespace

std::string child(const std::string& parent, std::string_view key) {
  std::string out = parent + "/";
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

std::string child(const std::string& parent, std::size_t index) {
  return parent + "/" + std::to_string(index);
}

std::vector<std::string> pointer_tokens(std::string_view pointer) {
  std::vector<std::string> tokens;
  if (pointer.empty() || pointer.front() != '/') return tokens;
  std::size_t start = 1;
  while (true) {
    std::size_t slash = pointer.find('/', start);
    std::string_view raw =
        pointer.substr(start, slash == std::string_view::npos ? slash : slash - start);
    std::string token;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '~' && i + 1 < raw.size() && (raw[i + 1] == '0' || raw[i + 1] == '1')) {
        token += raw[i + 1] == '0' ? '~' : '/';
        ++i;
      } else {
        token += raw[i];
      }
    }
    tokens.push_back(std::move(token));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return tokens;
}

std::string quoted_choices(const std::vector<std::string>& choices) {
  std::string out;
  for (std::size_t i = 0; i < choices.size(); ++i) {
    if (i > 0) out += (i + 1 == choices.size()) ? " or " : ", ";
    out += "\"" + choices[i] + "\"";
  }
  return out;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

std::optional<std::string> closest(std::string_view wrong, const std::vector<std::string>& names) {
  std::optional<std::string> best;
  std::size_t best_distance = 3;
  bool tie = false;
  for (const std::string& name : names) {
    std::size_t d = edit_distance(wrong, name);
    // A one-letter key is two edits away from every two-letter word.
    if (d >= wrong.size()) continue;
    if (d < best_distance) {
      best = name;
      best_distance = d;
      tie = false;
    } else if (d == best_distance) {
      tie = true;
    }
  }
  if (tie) return std::nullopt;
  return best;
}

std::optional<std::int64_t> integer_value(const Json& value) {
  if (value.is_number_unsigned()) {
    auto u = value.get<std::uint64_t>();
    constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    return static_cast<std::int64_t>(std::min(u, kMax));
  }
  if (value.is_number_integer()) return value.get<std::int64_t>();
  return std::nullopt;
}

bool is_simple_name(std::string_view name, std::string_view extra) {
  if (name.empty() || name.size() > 64) return false;
  // "." and ".." are no folder's name: the scenario's names its run folder.
  if (name.find_first_not_of('.') == std::string_view::npos) return false;
  return std::all_of(name.begin(), name.end(), [&](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           extra.find(c) != std::string_view::npos;
  });
}

void Problems::at(std::string pointer, std::string message) {
  document_.push_back({std::move(pointer), std::move(message)});
}

void Problems::general(std::string where, std::string message) {
  general_.push_back({std::move(where), std::move(message)});
}

InputErrors Problems::sorted(const Json& doc) const {
  std::vector<std::pair<std::vector<std::size_t>, const InputError*>> keyed;
  for (const InputError& e : document_) keyed.emplace_back(position_in(doc, e.where), &e);
  std::stable_sort(keyed.begin(), keyed.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  InputErrors out = general_;
  for (const auto& [position, error] : keyed) out.push_back(*error);
  return out;
}

ObjectReader::ObjectReader(Problems& problems, const Json& value, std::string pointer,
                           const format::KnownKeys& known_keys)
    : problems_(problems), pointer_(std::move(pointer)) {
  const std::vector<std::string>& known = known_keys.names();
  if (!value.is_object()) {
    problems_.at(pointer_, "must be an object");
    return;
  }
  object_ = &value;
  for (const auto& [key, member] : value.items()) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    problems_.at(at(key), unknown_key_message(key, known));
    had_unknown_keys_ = true;
  }
}

const Json* ObjectReader::get(std::string_view key, Need need) const {
  if (object_ == nullptr) return nullptr;
  auto it = object_->find(key);
  if (it != object_->end()) return &*it;
  if (need == Need::kRequired) problems_.at(at(key), "required");
  return nullptr;
}

std::optional<std::string> ObjectReader::string(std::string_view key, Need need) const {
  const Json* value = get(key, need);
  if (value == nullptr) return std::nullopt;
  return read_string(problems_, *value, at(key));
}

std::optional<bool> ObjectReader::boolean(std::string_view key, Need need) const {
  const Json* value = get(key, need);
  if (value == nullptr) return std::nullopt;
  if (value->is_boolean()) return value->get<bool>();
  problems_.at(at(key), "must be true or false");
  return std::nullopt;
}

std::optional<std::string> ObjectReader::choice(std::string_view key, Need need,
                                                const std::vector<std::string>& choices) const {
  const Json* value = get(key, need);
  if (value == nullptr) return std::nullopt;
  if (value->is_string()) {
    const auto& text = value->get_ref<const std::string&>();
    if (std::find(choices.begin(), choices.end(), text) != choices.end()) return text;
  }
  problems_.at(at(key), "must be " + quoted_choices(choices));
  return std::nullopt;
}

std::optional<Duration> ObjectReader::duration(std::string_view key, Need need, Zero zero) const {
  const Json* value = get(key, need);
  if (value == nullptr) return std::nullopt;
  return read_duration(problems_, *value, at(key), zero);
}

std::optional<std::int64_t> ObjectReader::positive_integer(std::string_view key, Need need,
                                                           std::int64_t max) const {
  const Json* value = get(key, need);
  if (value == nullptr) return std::nullopt;
  std::optional<std::int64_t> n = integer_value(*value);
  if (!n || *n < 1) {
    problems_.at(at(key), "must be a positive integer");
    return std::nullopt;
  }
  if (*n > max) {
    problems_.at(at(key), fmt::format("must be at most {}", max));
    return std::nullopt;
  }
  return n;
}

std::optional<std::string> read_string(Problems& problems, const Json& value,
                                       const std::string& pointer) {
  if (value.is_string()) return value.get<std::string>();
  problems.at(pointer, "must be a string");
  return std::nullopt;
}

bool refuse_nul(Problems& problems, std::string_view text, const std::string& pointer) {
  if (text.find('\0') == std::string_view::npos) return true;
  problems.at(pointer, "must not contain a NUL character");
  return false;
}

std::optional<Duration> read_duration(Problems& problems, const Json& value,
                                      const std::string& pointer, Zero zero) {
  if (!value.is_string()) {
    problems.at(pointer, fmt::format("must be a duration string ({})", kDurationExamples));
    return std::nullopt;
  }
  const auto& text = value.get_ref<const std::string&>();
  std::optional<Duration> d = parse_duration(text);
  if (!d) {
    problems.at(pointer, fmt::format("\"{}\" is not a duration ({})", text, kDurationExamples));
    return std::nullopt;
  }
  if (zero == Zero::kRefused && d->count() == 0) {
    problems.at(pointer, "must be longer than 0");
    return std::nullopt;
  }
  return d;
}

}  // namespace drover::scenario_json
