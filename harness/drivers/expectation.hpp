// Judges a reply against the fleet's expectation: "any", "echo", "upper",
// {"equals": template}, {"regex": ...} or {"resp": type, "value": ...}.
// Each session holds its own copy: matches() renders into a scratch buffer,
// so one copy is not thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "harness/core/payload_template.hpp"
#include "harness/core/regex.hpp"
#include "harness/drivers/resp.hpp"
#include "harness/scenario/scenario.hpp"

namespace drover {

class ReplyCheck {
 public:
  // The scenario was validated, so templates and regexes compile; data:
  // the files an equals template's {data:...} placeholders name.
  explicit ReplyCheck(const Expectation& expectation, const DataCatalog* data = nullptr);

  // True when reply is right for request. For kEquals the expected text is
  // rendered for (client, seq) with random_state as it was before the
  // request was rendered, so {random:N} matches the request's filler, and
  // with the rows the request took, so {data:...} matches its values. A
  // regex must match the whole reply (regex.hpp says what it cannot match).
  // For kResp the reply is one whole RESP value (framing "resp"), parsed
  // again here: bytes that are not one RESP value match nothing.
  bool matches(std::string_view request, std::string_view reply, std::uint64_t client,
               std::uint64_t seq, std::uint64_t random_state, RowsTaken rows = {}) const;

  // Why reply is wrong for request (arguments as for matches()), for the
  // example of a failed operation; called only when matches() said no.
  // framing: how the reply was cut from a stream, when it was (TCP), so the
  // rule can say what the framing took away ("line framing strips \r").
  struct Mismatch {
    std::string expected;  // the one right reply, raw; empty: no one reply (regex)
    std::string rule;      // 'expected equals "+OK\r", received "+OK" (note: ...)'
  };
  Mismatch explain(std::string_view request, std::string_view reply, std::uint64_t client,
                   std::uint64_t seq, std::uint64_t random_state, const RowsTaken& rows = {},
                   std::optional<Framing> framing = std::nullopt) const;

  // Whether a reply can be told apart from replies to other requests (then
  // a late reply is recognised as such rather than taken as the current one).
  bool identifies_request() const;

  // For an expectation that identifies_request(): writes into out the one
  // reply that is right for request (arguments as for matches()) and
  // returns true; false for any other.
  bool expected_reply(std::string_view request, std::uint64_t client, std::uint64_t seq,
                      std::uint64_t random_state, std::string& out, RowsTaken rows = {}) const;

  Expectation::Kind kind() const { return kind_; }

 private:
  Expectation::Kind kind_;
  std::optional<PayloadTemplate> equals_;
  std::optional<Regex> regex_;
  std::string regex_text_;  // as the scenario wrote it, for explain()
  std::string resp_type_;
  std::optional<RespValueSpec> resp_value_;
  mutable std::string scratch_;  // rendering buffer for kEquals
};

// Whether a parsed RESP value is of the named type (resp_type_name()) and,
// when `value` is given, holds it: a map's items are its keys and values in
// turn.
bool resp_matches(const RespValue& reply, std::string_view type,
                  const std::optional<RespValueSpec>& value);

// Same bytes with ASCII letters upper-cased: what the echo targets send back.
bool is_upper_of(std::string_view request, std::string_view reply);

}  // namespace drover
