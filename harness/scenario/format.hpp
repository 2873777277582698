// The scenario format as data: every JSON object a scenario may hold, with
// its keys, each key's type, constraints, default and one line saying what
// it is. It is the one statement of the format: the parser takes each
// object's known keys from it (an ObjectReader accepts only KnownKeys, which
// only these tables make), `drover schema` writes scenarios/schema.json from
// it, and the reference targets' argument tables in the READMEs come from
// reference_targets(). The parser keeps its own checks and messages: the
// tables say what a scenario may contain, the parser how a mistake is
// explained and what it means.
//
// The tables are built on first use and never change: safe to read from any
// thread.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace drover::format {

struct Object;
using ObjectPtr = std::shared_ptr<const Object>;
struct Value;
using ValuePtr = std::shared_ptr<const Value>;

// Members of a map whose names match one pattern.
struct MapMembers {
  std::string name_pattern;  // an anchored ECMAScript regex
  ValuePtr value;
};

// The shape of one JSON value.
struct Value {
  enum class Type {
    kString,
    kBoolean,
    kInteger,
    kNumber,
    kNull,
    kChoice,
    kObject,
    kArray,
    kMap,
    kOneOf
  };
  Type type = Type::kString;
  // Non-empty: the schema states this value once, under this name, and
  // refers to it wherever it is used.
  std::string definition;
  std::string description;                 // what the value is, wherever it appears
  std::string pattern;                     // kString: an anchored ECMAScript regex the text matches
  bool regex = false;                      // kString: the text is itself an ECMAScript regex
  std::optional<double> minimum, maximum;  // kInteger, kNumber
  bool exclusive_minimum = false;          // kNumber: above `minimum`, not from it
  std::vector<std::string> choices;        // kChoice: the strings allowed
  ObjectPtr object;                        // kObject
  ValuePtr items;                          // kArray: each element
  ValuePtr first_item;                     // kArray: the first element, when it differs
  bool unique = false;                     // kArray: no element twice
  std::vector<MapMembers> members;         // kMap; any other name is refused
  std::vector<Value> alternatives;         // kOneOf: exactly one of them fits
  // kString, kArray, kMap, kObject: at least this many characters,
  // elements or members.
  std::size_t min_size = 0;

  Value at_least(std::size_t n) const;
  Value without_repeats() const;  // kArray
  Value about(std::string text) const;
};

Value text();
// Text matching `pattern` (anchored with ^...$ by the caller).
Value text(std::string pattern);
// Text that is itself an ECMAScript regex.
Value regex_text();
Value boolean();
Value null_value();  // JSON's null
Value integer(std::int64_t min, std::int64_t max);
Value integer_from(std::int64_t min);
// A number from `min` to `max`; number_above: above `min`, at most `max`.
Value number(double min, double max);
Value number_above(double min, double max);
Value choice(std::vector<std::string> choices);
Value object(ObjectPtr object);
Value array_of(Value items);
// A map from names matching `name_pattern` to values.
Value map_of(std::string name_pattern, Value value);
Value one_of(std::vector<Value> alternatives);
// `value`, stated once under `name` in the schema.
Value named(std::string name, Value value);

// 1 to 64 letters, digits or `extra` characters, and not dots alone
// (is_simple_name in json_reading.hpp reads the same): the pattern and the
// value.
std::string name_pattern(std::string_view extra);
Value name_text(std::string_view extra);
inline constexpr std::string_view kNameExtras = "_-";           // targets, fleets, hosts
inline constexpr std::string_view kScenarioNameExtras = "._-";  // the scenario: a folder

// Values several sections use, each a named definition.
Value duration();
Value payload_template();
// An argv: the program, which must be named, then its arguments, which may
// be empty.
Value command_line();
Value host_port();
Value host_port_or_free_port();
Value protocol();

struct Key {
  enum class Presence {
    kOptional,
    kRequired,
    // Known only so the parser can say why it is refused ("password": secrets
    // never go into a scenario); never allowed.
    kRefused,
  };
  std::string name;
  Value value;
  Presence presence = Presence::kOptional;
  std::string default_json;  // the default, as JSON text; empty: none
  std::string description;

  Key default_string(std::string_view text) const;
  Key default_number(double number) const;
  Key default_boolean(bool flag) const;
  Key about(std::string text) const;
  bool required() const { return presence == Presence::kRequired; }
  bool refused() const { return presence == Presence::kRefused; }
};

Key optional(std::string name, Value value);
Key required(std::string name, Value value);
Key refused(std::string name);

// A constraint between keys of one object, stated in the schema; the parser
// checks each in its own words.
struct Rule {
  enum class Kind {
    kAtLeastOne,  // keys: one of them at least (a boolean counts when true)
    kAtMostOne,   // keys: not two of them
    kExactlyOne,  // keys: one of them
    kRequires,    // keys {a, b}: a only with b (equal to `json` when given)
    kExcludes,    // keys {a, b}: a never with b
    kSchema,      // a JSON Schema fragment, for what the kinds above cannot say
  };
  Kind kind = Kind::kAtLeastOne;
  std::vector<std::string> keys;
  std::string json;  // kRequires: b's value (JSON text); kSchema: the fragment
};

Rule at_least_one(std::vector<std::string> keys);
Rule at_most_one(std::vector<std::string> keys);
Rule exactly_one(std::vector<std::string> keys);
Rule requires_key(std::string key, std::string other, std::string value_json = "");
Rule excludes(std::string key, std::string other);
Rule schema_rule(std::string fragment_json);

// The names of the keys an object may hold. Only the tables make them, so
// an ObjectReader accepts no key the tables lack.
class KnownKeys {
 public:
  const std::vector<std::string>& names() const { return names_; }
  // Both lists' names, each once, in order: for a value whose form is not
  // yet known.
  KnownKeys operator+(const KnownKeys& more) const;

 private:
  friend struct Object;
  explicit KnownKeys(std::vector<std::string> names) : names_(std::move(names)) {}
  std::vector<std::string> names_;
};

// One shape an object takes, chosen by the value of its discriminator key
// ("model": "open").
struct Variant {
  std::string name;  // the discriminator's value
  std::string description;
  // Beside the object's own keys; one with the name of an object's key
  // takes its place (to say more about it in this variant).
  std::vector<Key> keys;
  std::vector<Rule> rules;
};

struct Object {
  std::vector<Key> keys;
  std::vector<Rule> rules;
  // Non-empty: the key of `keys` whose value names the variant. Required, or
  // with a default (the variant when it is left out), or neither: then the
  // parser infers the variant (a fleet's workload, from its target).
  std::string discriminator;
  std::vector<Variant> variants;

  // The keys of `variant` (nullptr: the object has none): the object's, then
  // the variant's own.
  std::vector<Key> keys_of(const Variant* variant) const;
  const Variant* variant(std::string_view name) const;
  std::vector<std::string> variant_names() const;
  // Every variant's keys, or those of the named variants.
  KnownKeys known_keys() const;
  KnownKeys known_keys(const std::vector<std::string>& variants) const;
};

// Sets `discriminator` and the variants, and makes the discriminator's
// value the choice of the variants' names.
ObjectPtr with_variants(Object object, std::string discriminator, std::vector<Variant> variants);

// ---- the tables ----------------------------------------------------------

// The scenario document itself.
Value scenario();
const Object& host();
const Object& auth();
const Object& setup_step();
const Object& data_file();         // a file of "data"
const Object& reference_target();  // "kind": a variant per reference target
const Object& command_target();
const Object& address_target();
const Object& ready();
const Object& tls();
const Object& fleet();
const Object& op();      // "workload": a variant per workload
const Object& mix_op();  // an op of "ops": op() with "name" and "weight"
const Object& expectation();
const Object& framing();            // "type": a variant per framing
const Object& http_expectation();   // an http op's "expect"
const Object& http_header_check();  // one header of it
const Object& http_body_check();    // its "body"
const Object& load();               // "model": a variant per load model
const Object& closed_stage();
const Object& rate_stage();
const Object& threshold();  // a threshold written as an object
const Object& check();      // "invariant": a variant per invariant
const Object& fault();      // "action": a variant per action

// What a threshold's limit is measured in.
enum class MetricUnit {
  kDuration,  // "< 20ms"
  kRatio,     // 0..1, or a percentage
  kCount,     // a whole number
  kRate,      // operations per second
};
struct ThresholdMetric {
  std::string name;  // "latency.p99"
  MetricUnit unit;
};
const std::vector<ThresholdMetric>& threshold_metrics();

// Limits the parser and the schema share.
inline constexpr std::int64_t kMaxClients = 100'000;
inline constexpr std::int64_t kMaxRate = 10'000'000;  // iterations per second, per fleet
inline constexpr std::int64_t kMaxFleetInflight = 1'000'000;
inline constexpr std::int64_t kMaxPort = 65'535;
inline constexpr std::int64_t kMaxOpInflight = 1024;
inline constexpr std::int64_t kMaxClientsPerConnection = 100'000;
inline constexpr std::int64_t kMaxHttpPipeline = 64;  // "pipeline", as wrk's scripts go
inline constexpr std::int64_t kMaxOpWeight = 1'000'000;
inline constexpr std::int64_t kMaxReplyLimit = std::int64_t{1} << 30;  // "max_reply": 1GiB
// n*n must fit an int64: floor(sqrt(2^63 - 1)).
inline constexpr std::int64_t kMaxN = 3'037'000'499;
inline constexpr std::int64_t kMaxBandwidth = 10'000'000'000;  // bytes per second
inline constexpr double kMaxFactor = 10;
inline constexpr double kMinResolution = 0.001, kMaxResolution = 0.5;
// A data file's name in "data" and in placeholders: a path without the
// characters that end a placeholder or its parts.
inline constexpr std::string_view kDataFileNamePattern = "^[^:{}]{1,255}$";

// The RESP types an expectation may name ({"resp": "bulk"}): RESP2's, then
// RESP3's. The drivers' RESP parser names what it reads the same way
// (resp_type_name() in harness/drivers/resp.hpp).
inline constexpr std::array<std::string_view, 13> kRespTypeNames{
    "simple", "error",      "integer",  "bulk", "null", "array", "boolean",
    "double", "big_number", "verbatim", "map",  "set",  "push"};

}  // namespace drover::format
