#include "harness/scenario/json_schema.hpp"

#include <cmath>

#include <nlohmann/json.hpp>

#include "harness/scenario/format.hpp"

namespace drover {
namespace {

using Json = nlohmann::ordered_json;
using format::Key;
using format::Object;
using format::Rule;
using format::Value;
using format::Variant;

// Whole numbers as JSON integers: "maximum": 256, not 256.0.
Json number(double d) {
  double whole = 0;
  if (std::modf(d, &whole) == 0 && std::fabs(whole) < 9e15) return static_cast<std::int64_t>(whole);
  return d;
}

// Adds `more`'s members to `out`, in their order.
void merge(Json& out, const Json& more) {
  for (const auto& [name, member] : more.items()) out[name] = member;
}

const char* size_keyword(Value::Type type) {
  switch (type) {
    case Value::Type::kString:
      return "minLength";
    case Value::Type::kArray:
      return "minItems";
    default:
      return "minProperties";
  }
}

Json required_one(const std::string& key) {
  return {{"required", Json::array({key})}};
}

// One schema per value; named values become definitions, written once, in
// the order they are first used.
class SchemaWriter {
 public:
  Json document() {
    Json root{{"$schema", "http://json-schema.org/draft-07/schema#"},
              {"$id", "urn:drover:scenario:1"},
              {"title", "drover scenario"}};
    merge(root, body(format::scenario()));
    root["definitions"] = definitions_;
    return root;
  }

 private:
  Json value(const Value& v) {
    if (v.definition.empty()) return body(v);
    define(v);
    Json ref{{"$ref", "#/definitions/" + v.definition}};
    if (v.min_size == 0) return ref;
    // draft-07 ignores a $ref's siblings: a refinement goes beside it.
    return {{"allOf", Json::array({ref})}, {size_keyword(v.type), v.min_size}};
  }

  void define(const Value& v) {
    if (definitions_.contains(v.definition)) return;
    definitions_[v.definition] = nullptr;  // holds its place while it is written
    Value plain = v;
    plain.definition.clear();
    plain.min_size = 0;
    definitions_[v.definition] = body(plain);
  }

  Json body(const Value& v) {
    Json out = Json::object();
    if (!v.description.empty()) out["description"] = v.description;
    switch (v.type) {
      case Value::Type::kString:
        out["type"] = "string";
        if (v.min_size > 0) out["minLength"] = v.min_size;
        if (!v.pattern.empty()) out["pattern"] = v.pattern;
        if (v.regex) out["format"] = "regex";
        break;
      case Value::Type::kBoolean:
        out["type"] = "boolean";
        break;
      case Value::Type::kNull:
        out["type"] = "null";
        break;
      case Value::Type::kInteger:
      case Value::Type::kNumber:
        out["type"] = v.type == Value::Type::kInteger ? "integer" : "number";
        if (v.minimum)
          out[v.exclusive_minimum ? "exclusiveMinimum" : "minimum"] = number(*v.minimum);
        if (v.maximum) out["maximum"] = number(*v.maximum);
        break;
      case Value::Type::kChoice:
        out["enum"] = v.choices;
        break;
      case Value::Type::kObject:
        merge(out, object(*v.object));
        break;
      case Value::Type::kArray:
        merge(out, array(v));
        break;
      case Value::Type::kMap:
        merge(out, map(v));
        break;
      case Value::Type::kOneOf:
        out["oneOf"] = Json::array();
        for (const Value& alternative : v.alternatives) out["oneOf"].push_back(value(alternative));
        break;
    }
    return out;
  }

  Json array(const Value& v) {
    Json out{{"type", "array"}};
    if (v.min_size > 0) out["minItems"] = v.min_size;
    if (v.unique) out["uniqueItems"] = true;
    if (v.first_item) {
      out["items"] = Json::array({value(*v.first_item)});
      out["additionalItems"] = value(*v.items);
    } else {
      out["items"] = value(*v.items);
    }
    return out;
  }

  Json map(const Value& v) {
    Json out{{"type", "object"}};
    if (v.min_size > 0) out["minProperties"] = v.min_size;
    if (v.members.size() == 1) {
      out["propertyNames"] = {{"pattern", v.members.front().name_pattern}};
      out["additionalProperties"] = value(*v.members.front().value);
      return out;
    }
    out["additionalProperties"] = false;
    out["patternProperties"] = Json::object();
    for (const format::MapMembers& m : v.members)
      out["patternProperties"][m.name_pattern] = value(*m.value);
    return out;
  }

  // An object with variants is one of its variants' closed objects; anyOf
  // when the variant may be inferred (several may fit), else oneOf.
  Json object(const Object& o) {
    if (o.variants.empty()) return closed(o, nullptr);
    const Key* picker = discriminator(o);
    bool inferred = !picker->required() && picker->default_json.empty();
    Json branches = Json::array();
    for (const Variant& variant : o.variants) branches.push_back(closed(o, &variant));
    return {{inferred ? "anyOf" : "oneOf", branches}};
  }

  static const Key* discriminator(const Object& o) {
    for (const Key& key : o.keys)
      if (key.name == o.discriminator) return &key;
    return nullptr;
  }

  Json closed(const Object& o, const Variant* variant) {
    Json out = Json::object();
    if (variant != nullptr && !variant->description.empty())
      out["description"] = variant->description;
    out["type"] = "object";
    out["additionalProperties"] = false;
    std::vector<Key> keys = o.keys_of(variant);
    Json required = Json::array(), properties = Json::object();
    for (const Key& key : keys) {
      if (key.refused()) continue;
      if (variant != nullptr && key.name == o.discriminator) {
        bool is_default = key.default_json == Json(variant->name).dump();
        if (key.required() || (!key.default_json.empty() && !is_default))
          required.push_back(key.name);
        properties[key.name] = {{"const", variant->name}};
        if (is_default) properties[key.name]["default"] = variant->name;
        continue;
      }
      if (key.required()) required.push_back(key.name);
      properties[key.name] = property(key);
    }
    if (!required.empty()) out["required"] = required;
    out["properties"] = properties;
    std::vector<Rule> rules = o.rules;
    if (variant != nullptr) rules.insert(rules.end(), variant->rules.begin(), variant->rules.end());
    add_rules(out, rules, keys);
    return out;
  }

  Json property(const Key& key) {
    Json out = Json::object();
    if (!key.description.empty()) out["description"] = key.description;
    if (!key.value.definition.empty()) {
      Json ref = value(key.value);
      if (out.empty() && key.default_json.empty()) return ref;
      if (ref.contains("$ref")) ref = {{"allOf", Json::array({ref})}};
      merge(out, ref);
    } else {
      Json inner = body(key.value);
      if (!key.description.empty()) inner.erase("description");
      merge(out, inner);
    }
    if (!key.default_json.empty()) out["default"] = Json::parse(key.default_json);
    return out;
  }

  // The rules as schema keywords: "dependencies" for the pairwise ones, the
  // others beside the properties (under "allOf" when there are several).
  void add_rules(Json& out, const std::vector<Rule>& rules, const std::vector<Key>& keys) {
    Json fragments = Json::array(), dependencies = Json::object();
    for (const Rule& rule : rules) {
      const std::vector<std::string>& k = rule.keys;
      switch (rule.kind) {
        case Rule::Kind::kAtLeastOne:
          fragments.push_back({{"anyOf", at_least_one(k, keys)}});
          break;
        case Rule::Kind::kAtMostOne:
          fragments.push_back({{"not", {{"required", k}}}});
          break;
        case Rule::Kind::kExactlyOne: {
          Json each = Json::array();
          for (const std::string& key : k) each.push_back(required_one(key));
          fragments.push_back({{"oneOf", each}});
          break;
        }
        case Rule::Kind::kRequires:
          dependencies[k[0]] =
              rule.json.empty()
                  ? Json::array({k[1]})
                  : Json{{"properties", {{k[1], {{"const", Json::parse(rule.json)}}}}},
                         {"required", Json::array({k[1]})}};
          break;
        case Rule::Kind::kExcludes:
          dependencies[k[0]] = {{"not", required_one(k[1])}};
          break;
        case Rule::Kind::kSchema:
          fragments.push_back(Json::parse(rule.json));
          break;
      }
    }
    if (!dependencies.empty()) out["dependencies"] = dependencies;
    if (fragments.size() == 1) merge(out, fragments.front());
    if (fragments.size() > 1) out["allOf"] = fragments;
  }

  // A boolean counts as given only when true ("agent": true).
  static Json at_least_one(const std::vector<std::string>& names, const std::vector<Key>& keys) {
    Json each = Json::array();
    for (const std::string& name : names) {
      Json one = required_one(name);
      for (const Key& key : keys) {
        if (key.name == name && key.value.type == Value::Type::kBoolean)
          one["properties"] = {{name, {{"const", true}}}};
      }
      each.push_back(one);
    }
    return each;
  }

  Json definitions_ = Json::object();
};

}  // namespace

std::string scenario_json_schema() {
  return SchemaWriter().document().dump(2) + "\n";
}

}  // namespace drover
