#include "harness/drivers/expectation.hpp"

#include "harness/core/regex.hpp"

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

}  // namespace drover
