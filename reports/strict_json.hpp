// Reading one field of a JSON object strictly, for summary.json's reader
// (summary_schema.cpp): the field must have the type the writer gives it (an
// integer within its type's range, a number, a string, a known name), and a
// wrong one throws std::runtime_error naming its path from the object it
// sits in ("/fleets/clients: an integer field holds number"), each object
// on the way adding its key. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <nlohmann/json.hpp>

namespace drover::strict_json {

using nlohmann::json;

// A field's failure with the field's key in front, so that the path grows
// as it unwinds through the objects around it: "/fleets/clients: ...".
[[noreturn]] inline void rethrow_at(std::string_view key, const std::exception& e) {
  std::string what = e.what();
  throw std::runtime_error("/" + std::string(key) + (what.rfind('/', 0) == 0 ? "" : ": ") + what);
}

// What a struct is read from.
inline void expect_object(const json& j) {
  if (!j.is_object())
    throw std::domain_error(std::string("an object field holds ") + j.type_name());
}

// nlohmann converts a floating-point number to an integer type with a plain
// cast, undefined behaviour when it does not fit (1e30 as a count): a field
// summary.json writes as an integer must read back as one, within range.
template <typename Int>
Int integer(const json& v) {
  if (!v.is_number_integer())
    throw std::domain_error(std::string("an integer field holds ") + v.type_name());
  if (v.is_number_unsigned()) {
    if (auto n = v.get<std::uint64_t>(); std::in_range<Int>(n)) return static_cast<Int>(n);
  } else if (auto n = v.get<std::int64_t>(); std::in_range<Int>(n)) {
    return static_cast<Int>(n);
  }
  throw std::domain_error("an integer field holds " + v.dump() + ", out of its range");
}

template <typename T>
T value_of(const json& v) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    return integer<T>(v);
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!v.is_number())
      throw std::domain_error(std::string("a number field holds ") + v.type_name());
    return v.get<T>();
  } else {
    return v.get<T>();
  }
}

// A field the object must have.
template <typename T>
T field(const json& j, std::string_view key) {
  try {
    auto it = j.find(key);
    if (it == j.end()) throw std::domain_error("missing");
    return value_of<T>(*it);
  } catch (const std::exception& e) {
    rethrow_at(key, e);
  }
}

// A field the object may lack (in summary.json, one newer than the file or
// one written only when it applies): fallback then.
template <typename T>
T field_or(const json& j, std::string_view key, T fallback = T{}) {
  auto it = j.find(key);
  if (it == j.end()) return fallback;
  try {
    return value_of<T>(*it);
  } catch (const std::exception& e) {
    rethrow_at(key, e);
  }
}

// A field that is null (or missing) when there is none.
template <typename T>
std::optional<T> nullable(const json& j, std::string_view key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  return field<T>(j, key);
}

// A closed set's member, from its name as its table spells it.
template <typename Enum>
Enum known(std::optional<Enum> member, std::string_view key, const std::string& name) {
  if (!member) throw std::runtime_error("/" + std::string(key) + ": unknown name \"" + name + "\"");
  return *member;
}

}  // namespace drover::strict_json
