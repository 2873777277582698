// An echo op against an http target: the request ("method", "path",
// "headers", "body" or "body_file", "keep_alive", "connect_timeout",
// "max_body") and its "expect" ({"status", "headers", "body"}).
#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "harness/core/regex.hpp"
#include "harness/scenario/parse_sections.hpp"

namespace drover::scenario_json {
namespace {

// The keys only http ops have, and those only other echo ops have.
constexpr const char* kHttpKeys[] = {"method",      "path",       "headers",  "body",
                                     "body_file",   "keep_alive", "max_body", "connect_timeout",
                                     "connections", "pipeline"};
constexpr const char* kStreamKeys[] = {"send", "framing", "clients_per_connection"};

// RFC 9110's token: what a method and a header name are made of.
bool is_token(std::string_view text) {
  constexpr std::string_view kExtra = "!#$%&'*+-.^_`|~";
  if (text.empty()) return false;
  for (char c : text) {
    bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (!alnum && kExtra.find(c) == std::string_view::npos) return false;
  }
  return true;
}

// A header the driver writes itself, from the target and the body.
bool set_by_drover(std::string_view name) {
  auto same = [name](std::string_view other) {
    return name.size() == other.size() &&
           std::equal(name.begin(), name.end(), other.begin(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) ==
                    std::tolower(static_cast<unsigned char>(b));
           });
  };
  return same("Host") || same("Content-Length") || same("Transfer-Encoding");
}

void parse_request_headers(ObjectReader& r, HttpRequestSpec& out) {
  const Json* headers = r.get("headers");
  if (headers == nullptr) return;
  if (!headers->is_object()) {
    r.problems().at(r.at("headers"), "must be an object: header name to value template");
    return;
  }
  for (const auto& [name, value] : headers->items()) {
    std::string at = child(r.at("headers"), name);
    if (!is_token(name)) {
      r.problems().at(at, "is not a header name (letters, digits and !#$%&'*+-.^_`|~)");
      continue;
    }
    if (set_by_drover(name)) {
      r.problems().at(at, "is set by drover (from the target and the body)");
      continue;
    }
    std::optional<std::string> text = read_string(r.problems(), value, at);
    if (!text) continue;
    if (text->find_first_of("\r\n") != std::string::npos) {
      r.problems().at(at, "must not hold a line break");
      continue;
    }
    if (read_template(r.problems(), *text, at)) out.headers.emplace_back(name, *text);
  }
}

void parse_body(ObjectReader& r, const std::filesystem::path& folder, HttpRequestSpec& out) {
  if (r.has("body") && r.has("body_file")) {
    r.problems().at(r.at("body_file"), "give \"body\" or \"body_file\", not both");
    return;
  }
  if (std::optional<std::string> body = r.string("body", Need::kOptional)) {
    if (read_template(r.problems(), *body, r.at("body"))) out.body = *body;
  }
  std::optional<std::string> file = r.string("body_file", Need::kOptional);
  if (!file) return;
  std::filesystem::path path = (folder / *file).lexically_normal();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    r.problems().at(r.at("body_file"), fmt::format("\"{}\" is not a file", *file));
    return;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    r.problems().at(r.at("body_file"), fmt::format("cannot read \"{}\"", *file));
    return;
  }
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  out.body = std::move(bytes);
  out.body_from_file = true;
}

// 200, "2xx", or a list of them, into statuses and classes.
void parse_status(Problems& problems, const Json& value, const std::string& at,
                  HttpExpectation& out) {
  out.classes.clear();
  auto one = [&](const Json& v, const std::string& where) {
    std::optional<std::int64_t> code = integer_value(v);
    if (code && *code >= 100 && *code <= 599) {
      out.statuses.push_back(static_cast<int>(*code));
      return;
    }
    if (v.is_string()) {
      const auto& text = v.get_ref<const std::string&>();
      if (text.size() == 3 && text[0] >= '1' && text[0] <= '5' && text.substr(1) == "xx") {
        out.classes.push_back(text[0] - '0');
        return;
      }
    }
    problems.at(where, R"(must be a status from 100 to 599 or a class such as "2xx")");
  };
  if (!value.is_array()) {
    one(value, at);
    return;
  }
  if (value.empty()) problems.at(at, "must list at least one status");
  for (std::size_t i = 0; i < value.size(); ++i) one(value[i], child(at, i));
}

std::optional<std::string> read_regex(ObjectReader& r, std::string_view key) {
  std::optional<std::string> text = r.string(key, Need::kOptional);
  if (!text) return std::nullopt;
  if (auto compiled = compile_regex(*text); !compiled) {
    r.problems().at(r.at(key), fmt::format("is not a valid regex ({})", compiled.error()));
    return std::nullopt;
  }
  return text;
}

void parse_header_checks(Problems& problems, const Json& value, const std::string& at,
                         HttpExpectation& out) {
  if (!value.is_object()) {
    problems.at(at, R"(must be an object: header name to {"equals"}, {"regex"} or {"present"})");
    return;
  }
  for (const auto& [name, check] : value.items()) {
    std::string where = child(at, name);
    if (!is_token(name)) problems.at(where, "is not a header name");
    ObjectReader r(problems, check, where, format::http_header_check().known_keys());
    if (!r.ok()) continue;
    if (int{r.has("equals")} + int{r.has("regex")} + int{r.has("present")} != 1) {
      if (!r.had_unknown_keys())
        problems.at(where, R"(give exactly one of "equals", "regex" and "present")");
      continue;
    }
    HttpExpectation::Header header{name, HttpExpectation::Header::Kind::kPresent, ""};
    if (auto text = r.string("equals", Need::kOptional)) {
      header = {name, HttpExpectation::Header::Kind::kEquals, *text};
    } else if (auto regex = read_regex(r, "regex")) {
      header = {name, HttpExpectation::Header::Kind::kRegex, *regex};
    } else if (auto present = r.boolean("present", Need::kOptional); present && !*present) {
      header = {name, HttpExpectation::Header::Kind::kAbsent, ""};
    }
    out.headers.push_back(std::move(header));
  }
}

void parse_json_check(ObjectReader& r, HttpExpectation::Body& out) {
  std::optional<std::string> pointer = r.string("json", Need::kOptional);
  if (!pointer) return;
  try {
    Json::json_pointer checked(*pointer);
  } catch (const Json::exception&) {
    r.problems().at(r.at("json"), R"(is not a JSON pointer ("" or "/a/0/b"))");
    return;
  }
  out.kind = HttpExpectation::Body::Kind::kJson;
  out.pointer = *pointer;
  if (const Json* value = r.get("value")) out.value = value->dump();
}

void parse_body_check(Problems& problems, const Json& value, const std::string& at,
                      HttpExpectation::Body& out) {
  ObjectReader r(problems, value, at, format::http_body_check().known_keys());
  if (!r.ok()) return;
  int given =
      int{r.has("equals")} + int{r.has("regex")} + int{r.has("contains")} + int{r.has("json")};
  if (given != 1) {
    if (!r.had_unknown_keys())
      problems.at(at, R"(give exactly one of "equals", "regex", "contains" and "json")");
    return;
  }
  if (r.has("value") && !r.has("json")) problems.at(r.at("value"), "only with \"json\"");
  using Kind = HttpExpectation::Body::Kind;
  if (auto text = r.string("equals", Need::kOptional)) out = {Kind::kEquals, *text, "", ""};
  if (auto text = r.string("contains", Need::kOptional)) out = {Kind::kContains, *text, "", ""};
  if (auto regex = read_regex(r, "regex")) out = {Kind::kRegex, *regex, "", ""};
  parse_json_check(r, out);
}

void parse_http_expectation(Problems& problems, const Json& value, const std::string& at,
                            HttpExpectation& out) {
  if (!value.is_object()) {
    problems.at(at, R"(must be an object for an http target: {"status", "headers", "body"})");
    return;
  }
  ObjectReader r(problems, value, at, format::http_expectation().known_keys());
  if (!r.ok()) return;
  if (const Json* status = r.get("status")) parse_status(problems, *status, r.at("status"), out);
  if (const Json* headers = r.get("headers"))
    parse_header_checks(problems, *headers, r.at("headers"), out);
  if (const Json* body = r.get("body")) parse_body_check(problems, *body, r.at("body"), out.body);
}

// "connections" and "pipeline": the pool's keys, which need keep-alive
// connections, and pipelining a pool (one client has one request at a time).
void parse_shared_connections(ObjectReader& r, HttpRequestSpec& http) {
  if (auto n = r.positive_integer("connections", Need::kOptional, format::kMaxClients)) {
    http.connections = static_cast<int>(*n);
    if (!http.keep_alive)
      r.problems().at(r.at("connections"),
                      "not with \"keep_alive\": false (shared connections are kept alive)");
  }
  if (auto n = r.positive_integer("pipeline", Need::kOptional, format::kMaxHttpPipeline)) {
    http.pipeline = static_cast<int>(*n);
    if (*n > 1 && http.connections == 0)
      r.problems().at(r.at("pipeline"),
                      "only with \"connections\": a client sends one request at a time, so "
                      "only clients sharing a connection can pipeline on it");
  }
}

}  // namespace

void parse_http_op(ObjectReader& r, const std::filesystem::path& folder, OpSpec& op) {
  for (const char* key : kStreamKeys) {
    if (r.has(key)) r.problems().at(r.at(key), "not for an http target (see \"method\", \"path\")");
  }
  HttpRequestSpec& http = op.http;
  if (auto method = r.string("method", Need::kOptional)) {
    if (!is_token(*method)) r.problems().at(r.at("method"), "is not an HTTP method (\"GET\")");
    http.method = *method;
  }
  if (auto path = r.string("path", Need::kOptional)) {
    if (path->empty() || path->front() != '/')
      r.problems().at(r.at("path"), "must start with \"/\"");
    else if (path->find_first_of(" \r\n") != std::string::npos)
      r.problems().at(r.at("path"), "must not hold spaces or line breaks (write %20)");
    else if (read_template(r.problems(), *path, r.at("path")))
      http.path = *path;
  }
  parse_request_headers(r, http);
  parse_body(r, folder, http);
  http.keep_alive = r.boolean("keep_alive", Need::kOptional).value_or(true);
  parse_shared_connections(r, http);
  http.connect_timeout = r.duration("connect_timeout", Need::kOptional, Zero::kRefused);
  if (const Json* max = r.get("max_body"))
    http.max_body = read_byte_size(r.problems(), *max, r.at("max_body")).value_or(http.max_body);
  if (const Json* expect = r.get("expect"))
    parse_http_expectation(r.problems(), *expect, r.at("expect"), http.expect);
}

void refuse_http_keys(ObjectReader& r, const DeclaredTarget& target) {
  for (const char* key : kHttpKeys) {
    if (r.has(key)) {
      r.problems().at(r.at(key), fmt::format("only for http targets (\"{}\" speaks {})",
                                             target.name, protocol_name(*target.protocol)));
    }
  }
}

}  // namespace drover::scenario_json
