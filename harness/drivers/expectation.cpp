#include "harness/drivers/expectation.hpp"

#include "harness/core/regex.hpp"
#include "harness/core/shown_bytes.hpp"

namespace drover {

bool is_upper_of(std::string_view request, std::string_view reply) {
  if (request.size() != reply.size()) return false;
  for (std::size_t i = 0; i < request.size(); ++i) {
    char c = request[i];
    char up = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    if (reply[i] != up) return false;
  }
  return true;
}

ReplyCheck::ReplyCheck(const Expectation& expectation, const DataCatalog* data)
    : kind_(expectation.kind) {
  if (kind_ == Expectation::Kind::kEquals) {
    // Checked when the scenario was read; one that is wrong matches nothing.
    if (auto compiled = PayloadTemplate::compile(expectation.text, data)) {
      equals_ = std::move(*compiled);
    }
  } else if (kind_ == Expectation::Kind::kRegex) {
    // Checked when the scenario was read, as for kEquals.
    if (auto compiled = compile_regex(expectation.text)) regex_ = std::move(*compiled);
    regex_text_ = expectation.text;
  }
}

bool ReplyCheck::matches(std::string_view request, std::string_view reply, std::uint64_t client,
                         std::uint64_t seq, std::uint64_t random_state, RowsTaken rows) const {
  switch (kind_) {
    case Expectation::Kind::kAny:
      return true;
    case Expectation::Kind::kEcho:
      return request == reply;
    case Expectation::Kind::kUpper:
      return is_upper_of(request, reply);
    case Expectation::Kind::kEquals:
      if (!equals_) return false;
      return equals_->render(scratch_, client, seq, random_state, &rows) && scratch_ == reply;
    case Expectation::Kind::kRegex:
      return regex_ && regex_match_whole(reply, *regex_);
  }
  return false;
}

bool ReplyCheck::identifies_request() const {
  return kind_ == Expectation::Kind::kEcho || kind_ == Expectation::Kind::kUpper ||
         kind_ == Expectation::Kind::kEquals;
}

bool ReplyCheck::expected_reply(std::string_view request, std::uint64_t client, std::uint64_t seq,
                                std::uint64_t random_state, std::string& out,
                                RowsTaken rows) const {
  switch (kind_) {
    case Expectation::Kind::kEcho:
      out.assign(request);
      return true;
    case Expectation::Kind::kUpper:
      out.resize(request.size());
      for (std::size_t i = 0; i < request.size(); ++i) {
        char c = request[i];
        out[i] = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
      }
      return true;
    case Expectation::Kind::kEquals:
      if (!equals_) return false;
      return equals_->render(out, client, seq, random_state, &rows);
    case Expectation::Kind::kAny:
    case Expectation::Kind::kRegex:
      return false;
  }
  return false;
}

namespace {

std::string in_quotes(std::string_view bytes) {
  return "\"" + shown_text(show_bytes(bytes)) + "\"";
}

// What a line framing did to the reply that the expected text did not
// allow for: the '\r' before '\n' is stripped, and a '\n' ends the reply.
std::string framing_note(std::string_view expected, std::optional<Framing> framing) {
  if (framing != Framing::kLine) return {};
  if (!expected.empty() && expected.back() == '\r') return " (note: line framing strips \"\\r\")";
  if (expected.find('\n') != std::string_view::npos)
    return " (note: line framing ends a reply at \"\\n\")";
  return {};
}

}  // namespace

ReplyCheck::Mismatch ReplyCheck::explain(std::string_view request, std::string_view reply,
                                         std::uint64_t client, std::uint64_t seq,
                                         std::uint64_t random_state, const RowsTaken& rows,
                                         std::optional<Framing> framing) const {
  Mismatch m;
  switch (kind_) {
    case Expectation::Kind::kAny:
      m.rule = "expected any reply";
      return m;
    case Expectation::Kind::kRegex:
      m.rule = "expected a reply matching regex " + regex_text_;
      return m;
    case Expectation::Kind::kEcho:
    case Expectation::Kind::kUpper:
    case Expectation::Kind::kEquals:
      break;
  }
  expected_reply(request, client, seq, random_state, m.expected, rows);
  std::string what = kind_ == Expectation::Kind::kEquals ? "equals " + in_quotes(m.expected)
                     : kind_ == Expectation::Kind::kEcho
                         ? "the request echoed, " + in_quotes(m.expected)
                         : "the request upper-cased, " + in_quotes(m.expected);
  m.rule =
      "expected " + what + ", received " + in_quotes(reply) + framing_note(m.expected, framing);
  return m;
}

}  // namespace drover
