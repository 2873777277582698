// Reading a scenario's JSON while collecting every problem under its JSON
// pointer. Private to harness/scenario: only the parser's own files include
// it, so nlohmann/json stays out of the headers the rest of drover compiles.
//
// Not thread-safe; one Problems per parse.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/core/clock.hpp"
#include "harness/core/input_error.hpp"
#include "harness/scenario/format.hpp"

namespace drover::scenario_json {

// Ordered, so thresholds keep the order they were written in and problems
// can be reported in file order.
using Json = nlohmann::ordered_json;

// The JSON pointer of a member or an element of the value at `parent`.
std::string child(const std::string& parent, std::string_view key);
std::string child(const std::string& parent, std::size_t index);
// "/a~1b/0" -> {"a/b", "0"}
std::vector<std::string> pointer_tokens(std::string_view pointer);

// {"a", "b", "c"} -> `"a", "b" or "c"`
std::string quoted_choices(const std::vector<std::string>& choices);
// {"a", "b"} -> "a, b"
std::string joined(const std::vector<std::string>& names);
// The name closest to `wrong` when it is within edit distance 2 and no other
// name is as close; a suggestion that could be either of two helps nobody.
std::optional<std::string> closest(std::string_view wrong, const std::vector<std::string>& names);

// A JSON integer as int64 (huge unsigned values saturate, which every range
// check rejects); nullopt for anything else, 2.0 included.
std::optional<std::int64_t> integer_value(const Json& value);

// Letters, digits and the characters in `extra`, 1 to 64 of them, not dots alone.
bool is_simple_name(std::string_view name, std::string_view extra);

class Problems {
 public:
  // A problem at a JSON pointer into the scenario document.
  void at(std::string pointer, std::string message);
  // A problem outside the document (the file itself, a --set argument).
  void general(std::string where, std::string message);

  bool empty() const { return general_.empty() && document_.empty(); }

  // General problems first, then the document's in the order their places
  // appear in `doc`, whatever order the checks found them in. A missing key
  // sorts after its object's existing members.
  InputErrors sorted(const Json& doc) const;

 private:
  InputErrors general_;
  InputErrors document_;
};

enum class Need { kOptional, kRequired };
enum class Zero { kAllowed, kRefused };

// One JSON object being read: reports "must be an object" or each key the
// format's table for it lacks (format.hpp) when constructed, then reads
// typed members, reporting what is wrong under the member's pointer. A
// getter returns nullopt when the member is missing or wrong, so callers
// apply their defaults with value_or().
class ObjectReader {
 public:
  ObjectReader(Problems& problems, const Json& value, std::string pointer,
               const format::KnownKeys& known);

  bool ok() const { return object_ != nullptr; }
  bool had_unknown_keys() const { return had_unknown_keys_; }
  Problems& problems() const { return problems_; }
  const std::string& pointer() const { return pointer_; }
  std::string at(std::string_view key) const { return child(pointer_, key); }
  bool has(std::string_view key) const { return get(key) != nullptr; }

  // The member, or nullptr; a missing required member is reported.
  const Json* get(std::string_view key, Need need = Need::kOptional) const;

  std::optional<std::string> string(std::string_view key, Need need) const;
  std::optional<bool> boolean(std::string_view key, Need need) const;
  // One of `choices` ("must be \"udp\" or \"tcp\"" otherwise).
  std::optional<std::string> choice(std::string_view key, Need need,
                                    const std::vector<std::string>& choices) const;
  std::optional<Duration> duration(std::string_view key, Need need, Zero zero) const;
  // 1..max ("must be a positive integer" for anything not above 0).
  std::optional<std::int64_t> positive_integer(std::string_view key, Need need,
                                               std::int64_t max) const;

 private:
  Problems& problems_;
  const Json* object_ = nullptr;
  std::string pointer_;
  bool had_unknown_keys_ = false;
};

// Free-standing forms of the readers, for values that are not members
// (array elements, map values).
std::optional<std::string> read_string(Problems& problems, const Json& value,
                                       const std::string& pointer);
std::optional<Duration> read_duration(Problems& problems, const Json& value,
                                      const std::string& pointer, Zero zero);

// A problem at pointer when text (an argument or environment value a program
// is given) holds a NUL, which would cut it short where it is passed on;
// true when it holds none.
bool refuse_nul(Problems& problems, std::string_view text, const std::string& pointer);

}  // namespace drover::scenario_json
