// The reference targets drover ships (targets/), with the arguments a
// scenario may pass them. The one list that validation, the schema
// (`drover schema`), the READMEs' argument tables, `drover targets` and the
// runner read; each target's own --help is checked against it
// (tests/scripts/reference_target_flags_test.py). Immutable once built:
// safe to read from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "harness/scenario/scenario.hpp"

namespace drover {

struct TargetArg {
  enum class Type { kInt, kBool, kChoice };
  std::string name;  // scenario key ("max_children"); flag is "--max-children"
  Type type = Type::kInt;
  std::int64_t min = 0, max = 0;     // kInt
  std::vector<std::string> choices;  // kChoice
  // What the target does without the flag, as its --help says: "2",
  // "workers"; empty for kBool (off).
  std::string default_value;
  std::string help;
};

// A flag of the target's own that no scenario sets: drover passes it itself,
// or leaves it at its default.
struct TargetFlag {
  std::string flag;    // "--file"
  std::string values;  // what it takes, "a path"; empty: a flag without a value
  std::string default_value;
  std::string help;
};

// An invariant checked on every run of a kind, and the arg its parameter
// comes from (the arg's value, else its default).
struct DefaultCheck {
  Invariant invariant;
  std::string parameter_arg;  // empty: no parameter
};

struct ReferenceTarget {
  std::string kind;  // "udp_echo"; also the executable's name under targets/
  Protocol protocol;
  std::string summary;  // one line for `drover targets`
  std::vector<TargetArg> args;
  std::vector<TargetFlag> own_flags;         // besides the args and --host, --port
  std::vector<DefaultCheck> default_checks;  // invariants every run of this kind checks
  // Flags added when the nemesis starts it again after a kill: what it needs
  // to continue from its state (ticket_db: --keep, to keep its file's count).
  std::vector<std::string> restart_args;

  const TargetArg* arg(std::string_view name) const;
};

const std::vector<ReferenceTarget>& reference_targets();
const ReferenceTarget* find_reference_target(std::string_view kind);

// The parameter of `check` when the target's args leave it out: its arg's
// default (0 for a check without a parameter).
std::int64_t default_parameter(const ReferenceTarget& target, const DefaultCheck& check);

// "max_children" -> "--max-children"
std::string flag_for_arg(std::string_view arg_name);

}  // namespace drover
