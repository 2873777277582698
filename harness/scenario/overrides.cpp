// --set overrides: "a.b.0.c=value" or "/a/b/0/c=value" replaces one scalar
// (or adds a key to an existing object) before validation, so whatever it
// sets is checked exactly like the file's own values.
#include <algorithm>

#include <fmt/format.h>

#include "harness/scenario/parse_sections.hpp"

namespace drover::scenario_json {
namespace {

const char* type_name(const Json& v) {
  if (v.is_object()) return "an object";
  if (v.is_array()) return "an array";
  if (v.is_string()) return "a string";
  if (v.is_boolean()) return "a boolean";
  if (v.is_number()) return "a number";
  return "null";
}

std::vector<std::string> split_dots(std::string_view path) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = path.find('.', start);
    parts.emplace_back(path.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) return parts;
    start = dot + 1;
  }
}

std::string join_dots(const std::vector<std::string>& parts, std::size_t from, std::size_t count) {
  std::string out;
  for (std::size_t i = from; i < from + count; ++i) out += (i > from ? "." : "") + parts[i];
  return out;
}

// What a user needs to see to fix a path that names nothing.
std::string missing_hint(const Json& parent, const std::string& parent_at) {
  std::string owner = parent_at.empty() ? "the scenario" : parent_at;
  if (parent.is_array()) {
    std::size_t n = parent.size();
    if (parent_at == "/fleets" || parent_at == "/checks") {
      std::string noun = parent_at == "/fleets" ? "fleet" : "check";
      return fmt::format("the scenario has {} {}{}", n, noun, n == 1 ? "" : "s");
    }
    return fmt::format("{} has {} {}", owner, n, n == 1 ? "entry" : "entries");
  }
  if (!parent.is_object()) return fmt::format("{} is {}", owner, type_name(parent));
  if (parent.empty()) return fmt::format("{} is empty", owner);
  std::vector<std::string> keys;
  for (const auto& [key, value] : parent.items()) keys.push_back(key);
  return fmt::format("{}: {}", parent_at.empty() ? "top-level keys" : "keys of " + parent_at,
                     joined(keys));
}

// The value `text` stands for where `existing` (nullptr: a new key) is;
// fails when it would replace or create an object or an array.
Expected<Json> new_value(const Json* existing, std::string_view text, const std::string& at) {
  if (existing && existing->is_structured()) {
    return unexpected(fmt::format(
        "\"{}\" is {}, not a scalar; --set changes only strings, numbers, booleans and null", at,
        type_name(*existing)));
  }
  if (existing && existing->is_string()) return Json(std::string(text));
  Json parsed = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return Json(std::string(text));
  if (parsed.is_structured()) {
    return unexpected(fmt::format(
        "the value is {}, not a scalar; --set sets only strings, numbers, booleans and null",
        type_name(parsed)));
  }
  return parsed;
}

// Sets the value at `tokens`; fails when the path or the value is wrong.
// Dotted paths try the longest run of segments that names an existing key
// first, so "thresholds.latency.p99" finds the key "latency.p99".
Expected<void> set_path(Json& doc, const std::vector<std::string>& tokens, bool dotted,
                        std::string_view text) {
  Json* node = &doc;
  std::string at;
  std::size_t i = 0;
  while (true) {
    if (node->is_object()) {
      std::size_t used = 1;
      std::string key = tokens[i];
      for (std::size_t n = dotted ? tokens.size() - i : 0; n > 1; --n) {
        std::string candidate = join_dots(tokens, i, n);
        if (node->contains(candidate)) {
          key = candidate;
          used = n;
          break;
        }
      }
      bool last = i + used == tokens.size();
      bool exists = node->contains(key);
      std::string key_at = child(at, key);
      if (last) {
        Expected<Json> value = new_value(exists ? &(*node)[key] : nullptr, text, key_at);
        if (!value) return unexpected(value.error());
        (*node)[key] = std::move(*value);
        return {};
      }
      if (!exists) {
        std::string hint = missing_hint(*node, at);
        // Only thresholds have dots in their keys ("latency.p99"); elsewhere
        // the hint would mislead.
        bool dotted_keys = at == "/thresholds";
        for (const auto& [existing, value] : node->items()) {
          dotted_keys = dotted_keys || existing.find('.') != std::string::npos;
        }
        if (dotted && dotted_keys) {
          hint += fmt::format("; a key with dots needs the pointer form: {}=...",
                              child(at, join_dots(tokens, i, tokens.size() - i)));
        }
        return unexpected(fmt::format("no such path \"{}\" ({})", key_at, hint));
      }
      node = &(*node)[key];
      at = key_at;
      i += used;
    } else if (node->is_array()) {
      const std::string& token = tokens[i];
      bool digits =
          !token.empty() && token.size() < 10 &&
          std::all_of(token.begin(), token.end(), [](char c) { return c >= '0' && c <= '9'; });
      std::size_t index = digits ? std::stoul(token) : node->size();
      std::string index_at = child(at, token);
      if (index >= node->size()) {
        return unexpected(
            fmt::format("no such path \"{}\" ({})", index_at, missing_hint(*node, at)));
      }
      if (i + 1 == tokens.size()) {
        Expected<Json> value = new_value(&(*node)[index], text, index_at);
        if (!value) return unexpected(value.error());
        (*node)[index] = std::move(*value);
        return {};
      }
      node = &(*node)[index];
      at = index_at;
      ++i;
    } else {
      return unexpected(
          fmt::format("no such path \"{}\" ({})", child(at, tokens[i]), missing_hint(*node, at)));
    }
  }
}

}  // namespace

void apply_overrides(Json& doc, const std::vector<std::string>& overrides, Problems& problems) {
  for (const std::string& argument : overrides) {
    std::string where = "--set " + argument;
    std::size_t eq = argument.find('=');
    if (eq == std::string::npos) {
      problems.general(where, "missing \"=\" (write key.path=value or /json/pointer=value)");
      continue;
    }
    std::string_view path = std::string_view(argument).substr(0, eq);
    std::string_view text = std::string_view(argument).substr(eq + 1);
    bool pointer = !path.empty() && path.front() == '/';
    std::vector<std::string> tokens = pointer ? pointer_tokens(path) : split_dots(path);
    if (path.empty() || path == "/") {
      problems.general(where, "the path before \"=\" is empty");
      continue;
    }
    // A failed set leaves the document as it was: the one write happens
    // only once the path and the value are known to be good.
    if (Expected<void> set = set_path(doc, tokens, !pointer, text); !set) {
      problems.general(where, set.error());
    }
  }
}

}  // namespace drover::scenario_json
