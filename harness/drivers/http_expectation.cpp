#include "harness/drivers/http_expectation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "harness/core/shown_bytes.hpp"

namespace drover {
namespace {

using Json = nlohmann::json;

// A value as a rule quotes it: escaped and cut, so a rule stays one line.
std::string quoted_cut(std::string_view text) {
  return "\"" + shown_text(show_bytes(text, 80)) + "\"";
}

std::string statuses_text(const HttpExpectation& e) {
  std::vector<std::string> parts;
  for (int s : e.statuses) parts.push_back(std::to_string(s));
  for (int c : e.classes) parts.push_back(fmt::format("{}xx", c));
  if (parts.size() == 1) return parts.front();
  std::string out = "one of " + parts.front();
  for (std::size_t i = 1; i < parts.size(); ++i) out += ", " + parts[i];
  return out;
}

std::string judge_json(const HttpExpectation::Body& check, const std::string& body) {
  Json doc = Json::parse(body, nullptr, false);
  if (doc.is_discarded()) return "expected a JSON body, received " + quoted_cut(body);
  if (check.value.empty()) return {};
  Json::json_pointer pointer(check.pointer);
  if (!doc.contains(pointer))
    return fmt::format("expected {} equal to {}, but the body has no {}", check.pointer,
                       check.value, check.pointer);
  const Json& got = doc.at(pointer);
  if (got == Json::parse(check.value)) return {};
  return fmt::format("expected {} equal to {}, got {}", check.pointer, check.value,
                     shown_text(show_bytes(got.dump(), 80)));
}

}  // namespace

int status_class(int status) {
  return status >= 100 && status <= 599 ? status / 100 : 0;
}

HttpReplyCheck::HttpReplyCheck(const HttpExpectation& expectation) : expectation_(expectation) {
  for (const auto& h : expectation_.headers) {
    header_regexes_.emplace_back();
    if (h.kind == HttpExpectation::Header::Kind::kRegex) {
      if (auto re = compile_regex(h.text)) header_regexes_.back() = std::move(*re);
    }
  }
  if (expectation_.body.kind == HttpExpectation::Body::Kind::kRegex) {
    if (auto re = compile_regex(expectation_.body.text)) body_regex_ = std::move(*re);
  }
}

std::string HttpReplyCheck::judge(const HttpReply& reply) const {
  std::string rule = judge_status(reply.status);
  for (std::size_t i = 0; rule.empty() && i < expectation_.headers.size(); ++i) {
    const auto& regex = header_regexes_[i];
    rule = judge_header(expectation_.headers[i], regex ? &*regex : nullptr, reply);
  }
  if (rule.empty()) rule = judge_body(reply.body);
  return rule;
}

std::string HttpReplyCheck::judge_status(int status) const {
  const auto& e = expectation_;
  if (e.statuses.empty() && e.classes.empty()) return {};
  bool listed = std::find(e.statuses.begin(), e.statuses.end(), status) != e.statuses.end();
  bool in_class =
      std::find(e.classes.begin(), e.classes.end(), status_class(status)) != e.classes.end();
  if (listed || in_class) return {};
  return fmt::format("expected status {}, received {}", statuses_text(e), status);
}

std::string HttpReplyCheck::judge_header(const HttpExpectation::Header& check, const Regex* regex,
                                         const HttpReply& reply) const {
  using Kind = HttpExpectation::Header::Kind;
  const std::string* value = reply.header(check.name);
  if (check.kind == Kind::kAbsent) {
    return value == nullptr
               ? std::string()
               : fmt::format("expected no header {}, received {}", check.name, quoted_cut(*value));
  }
  if (value == nullptr) return fmt::format("expected header {}, received none", check.name);
  if (check.kind == Kind::kEquals && *value != check.text) {
    return fmt::format("expected header {} equal to {}, received {}", check.name,
                       quoted_cut(check.text), quoted_cut(*value));
  }
  if (check.kind == Kind::kRegex && (regex == nullptr || !regex_search_in(*value, *regex))) {
    return fmt::format("expected header {} matching {}, received {}", check.name,
                       quoted_cut(check.text), quoted_cut(*value));
  }
  return {};
}

std::string HttpReplyCheck::judge_body(const std::string& body) const {
  using Kind = HttpExpectation::Body::Kind;
  const auto& check = expectation_.body;
  switch (check.kind) {
    case Kind::kAny:
      return {};
    case Kind::kEquals:
      return body == check.text ? std::string()
                                : "expected the body to equal " + quoted_cut(check.text);
    case Kind::kContains:
      return body.find(check.text) != std::string::npos
                 ? std::string()
                 : "expected the body to contain " + quoted_cut(check.text);
    case Kind::kRegex:
      return body_regex_ && regex_search_in(body, *body_regex_)
                 ? std::string()
                 : "expected the body to match " + quoted_cut(check.text);
    case Kind::kJson:
      return judge_json(check, body);
  }
  return {};
}

}  // namespace drover
