// The reference targets drover ships (targets/), with the arguments a
// scenario may pass them. The one list that validation, `drover targets` and
// the runner read.
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
  std::string help;
};

// An invariant checked on every run of a kind, and where its parameter comes
// from: the value of one of the target's args, or that arg's default.
struct DefaultCheck {
  Invariant invariant;
  std::string parameter_arg;  // empty: no parameter
  std::int64_t parameter_default = 0;
};

struct ReferenceTarget {
  std::string kind;  // "udp_echo"; also the executable's name under targets/
  Protocol protocol;
  std::string summary;  // one line for `drover targets`
  std::vector<TargetArg> args;
  std::vector<DefaultCheck> default_checks;  // invariants every run of this kind checks
  // Flags added when the nemesis starts it again after a kill: what it needs
  // to continue from its state (ticket_db: --keep, to keep its file's count).
  std::vector<std::string> restart_args;
};

const std::vector<ReferenceTarget>& reference_targets();
const ReferenceTarget* find_reference_target(std::string_view kind);

// "max_children" -> "--max-children"
std::string flag_for_arg(std::string_view arg_name);

}  // namespace drover
