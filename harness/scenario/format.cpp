#include "harness/scenario/format.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace drover::format {
namespace {

Value of_type(Value::Type type) {
  Value v;
  v.type = type;
  return v;
}

std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

void add_names(std::vector<std::string>& names, const std::vector<Key>& keys) {
  for (const Key& key : keys) {
    if (std::find(names.begin(), names.end(), key.name) == names.end()) names.push_back(key.name);
  }
}

// A host, then ":" and a port: the forms check_host_port() accepts.
constexpr std::string_view kOctet = "(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";
constexpr std::string_view kPort =
    "([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])";

std::string host_port_pattern(std::string_view port) {
  return fmt::format(R"(^(({0}\.){{3}}{0}|localhost|\[[0-9A-Fa-f:.]+\]):{1}$)", kOctet, port);
}

}  // namespace

Value Value::at_least(std::size_t n) const {
  Value v = *this;
  v.min_size = n;
  return v;
}

Value Value::without_repeats() const {
  Value v = *this;
  v.unique = true;
  return v;
}

Value Value::about(std::string text) const {
  Value v = *this;
  v.description = std::move(text);
  return v;
}

Value text() {
  return of_type(Value::Type::kString);
}

Value text(std::string pattern) {
  Value v = of_type(Value::Type::kString);
  v.pattern = std::move(pattern);
  return v;
}

Value regex_text() {
  Value v = text();
  v.regex = true;
  return v;
}

Value boolean() {
  return of_type(Value::Type::kBoolean);
}

Value null_value() {
  return of_type(Value::Type::kNull);
}

Value integer(std::int64_t min, std::int64_t max) {
  Value v = integer_from(min);
  v.maximum = static_cast<double>(max);
  return v;
}

Value integer_from(std::int64_t min) {
  Value v = of_type(Value::Type::kInteger);
  v.minimum = static_cast<double>(min);
  return v;
}

Value number(double min, double max) {
  Value v = of_type(Value::Type::kNumber);
  v.minimum = min;
  v.maximum = max;
  return v;
}

Value number_above(double min, double max) {
  Value v = number(min, max);
  v.exclusive_minimum = true;
  return v;
}

Value choice(std::vector<std::string> choices) {
  Value v = of_type(Value::Type::kChoice);
  v.choices = std::move(choices);
  return v;
}

Value object(ObjectPtr object) {
  Value v = of_type(Value::Type::kObject);
  v.object = std::move(object);
  return v;
}

Value array_of(Value items) {
  Value v = of_type(Value::Type::kArray);
  v.items = std::make_shared<const Value>(std::move(items));
  return v;
}

Value map_of(std::string name_pattern, Value value) {
  Value v = of_type(Value::Type::kMap);
  v.members.push_back({std::move(name_pattern), std::make_shared<const Value>(std::move(value))});
  return v;
}

Value one_of(std::vector<Value> alternatives) {
  Value v = of_type(Value::Type::kOneOf);
  v.alternatives = std::move(alternatives);
  return v;
}

Value named(std::string name, Value value) {
  value.definition = std::move(name);
  return value;
}

std::string name_pattern(std::string_view extra) {
  // With dots allowed, a name of dots alone ("." or "..") is still no name.
  std::string_view not_only_dots = extra.find('.') == std::string_view::npos ? "" : R"((?!\.+$))";
  return fmt::format("^{}[A-Za-z0-9{}]{{1,64}}$", not_only_dots, extra);
}

Value name_text(std::string_view extra) {
  return text(name_pattern(extra));
}

Value duration() {
  return named("duration", text(R"(^[0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h)$)")
                               .about(R"(A number and one unit: "250ms", "10s", "2m", "1.5s".)"));
}

Value payload_template() {
  return named("template",
               text(R"(^([^{}]|\{\{|\}\}|\{(client|seq|random:[1-9][0-9]{0,4}|)"
                    R"(key:(uniform|sequential):[1-9][0-9]{0,15}|)"
                    R"(key:zipf:[1-9][0-9]{0,15}:([0-9]+\.?[0-9]*|\.[0-9]+)|)"
                    R"(data:[^:{}]+(:[^{}]*)?)\})*$)")
                   .about(R"(A payload template: {client}, {seq}, {random:N}, keys )"
                          R"({key:uniform:N}, {key:zipf:N:s}, {key:sequential:N}, and values )"
                          R"(of data files {data:FILE:COLUMN}, {data:FILE}; "{{" and "}}" )"
                          R"(are literal braces.)"));
}

Value command_line() {
  Value run = array_of(text()).at_least(1);
  run.first_item = std::make_shared<const Value>(text().at_least(1));
  return run;
}

Value host_port() {
  return named("hostPort", text(host_port_pattern(kPort))
                               .about(R"(IPv4 address, "localhost" or bracketed IPv6, then a )"
                                      R"(port: "127.0.0.1:9000", "[::1]:9000".)"));
}

Value host_port_or_free_port() {
  return named("hostPortOrFreePort",
               text(host_port_pattern(fmt::format(R"(({}|\{{port\}}))", kPort)))
                   .about(R"(As hostPort; the port may be "{port}": one free port drover )"
                          R"(picks for this target.)"));
}

Value protocol() {
  return named("protocol", choice({"udp", "tcp", "tickets", "queue", "pool", "http"})
                               .about("What the target speaks: echo over UDP or TCP, a "
                                      "correctness target's line protocol over TCP "
                                      "(targets/README.md), or HTTP/1.1."));
}

Key Key::default_string(std::string_view text) const {
  Key k = *this;
  k.default_json = quoted(text);
  return k;
}

Key Key::default_number(double number) const {
  Key k = *this;
  double whole = 0;
  k.default_json = std::modf(number, &whole) == 0 ? fmt::format("{}", static_cast<long long>(whole))
                                                  : fmt::format("{}", number);
  return k;
}

Key Key::default_boolean(bool flag) const {
  Key k = *this;
  k.default_json = flag ? "true" : "false";
  return k;
}

Key Key::about(std::string text) const {
  Key k = *this;
  k.description = std::move(text);
  return k;
}

Key optional(std::string name, Value value) {
  Key k;
  k.name = std::move(name);
  k.value = std::move(value);
  return k;
}

Key required(std::string name, Value value) {
  Key k = optional(std::move(name), std::move(value));
  k.presence = Key::Presence::kRequired;
  return k;
}

Key refused(std::string name) {
  Key k = optional(std::move(name), text());
  k.presence = Key::Presence::kRefused;
  return k;
}

Rule at_least_one(std::vector<std::string> keys) {
  return {Rule::Kind::kAtLeastOne, std::move(keys), ""};
}

Rule at_most_one(std::vector<std::string> keys) {
  return {Rule::Kind::kAtMostOne, std::move(keys), ""};
}

Rule exactly_one(std::vector<std::string> keys) {
  return {Rule::Kind::kExactlyOne, std::move(keys), ""};
}

Rule requires_key(std::string key, std::string other, std::string value_json) {
  return {Rule::Kind::kRequires, {std::move(key), std::move(other)}, std::move(value_json)};
}

Rule excludes(std::string key, std::string other) {
  return {Rule::Kind::kExcludes, {std::move(key), std::move(other)}, ""};
}

Rule schema_rule(std::string fragment_json) {
  return {Rule::Kind::kSchema, {}, std::move(fragment_json)};
}

KnownKeys KnownKeys::operator+(const KnownKeys& more) const {
  std::vector<std::string> names = names_;
  for (const std::string& name : more.names_) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  return KnownKeys(std::move(names));
}

std::vector<Key> Object::keys_of(const Variant* variant) const {
  std::vector<Key> out = keys;
  if (variant == nullptr) return out;
  for (const Key& key : variant->keys) {
    auto same =
        std::find_if(out.begin(), out.end(), [&](const Key& k) { return k.name == key.name; });
    if (same != out.end()) {
      *same = key;
    } else {
      out.push_back(key);
    }
  }
  return out;
}

const Variant* Object::variant(std::string_view name) const {
  for (const Variant& v : variants)
    if (v.name == name) return &v;
  return nullptr;
}

std::vector<std::string> Object::variant_names() const {
  std::vector<std::string> names;
  for (const Variant& v : variants) names.push_back(v.name);
  return names;
}

KnownKeys Object::known_keys() const {
  return known_keys(variant_names());
}

KnownKeys Object::known_keys(const std::vector<std::string>& names) const {
  std::vector<std::string> out;
  add_names(out, keys);
  for (const std::string& name : names) {
    if (const Variant* v = variant(name)) add_names(out, v->keys);
  }
  return KnownKeys(std::move(out));
}

ObjectPtr with_variants(Object object, std::string discriminator, std::vector<Variant> variants) {
  object.discriminator = std::move(discriminator);
  object.variants = std::move(variants);
  for (Key& key : object.keys) {
    if (key.name == object.discriminator) key.value.choices = object.variant_names();
  }
  return std::make_shared<const Object>(std::move(object));
}

}  // namespace drover::format
