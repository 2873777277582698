// drover's table of reference targets (harness/scenario/reference_targets.hpp)
// against the targets themselves: each target's --help must list exactly the
// args of its entry, its own flags and the common --host and --port, each
// with the table's range, choices and default.
#include <cstdio>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "harness/scenario/reference_targets.hpp"

namespace drover::reference_targets_test {
namespace {

// One flag as --help shows it: "--threads INT:INT in [1 - 256]=2".
struct HelpFlag {
  bool takes_value = false;
  std::optional<std::pair<std::int64_t, std::int64_t>> range;
  std::vector<std::string> choices;
  std::string default_value;
};

std::string help_of(const std::string& kind) {
  std::string command = std::string(DROVER_TARGETS_DIR) + "/" + kind + " --help";
  std::FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return "";
  std::string out;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
  int status = pclose(pipe);
  EXPECT_EQ(status, 0) << command;
  return out;
}

// CLI11's option lines: two spaces, the flag and what it takes, then two or
// more spaces (or a line break) before its description.
std::map<std::string, HelpFlag> parse_help(const std::string& help) {
  static const std::regex kLine(R"(^  (?:-\w,)?(--[a-z-]+)((?: ?\S)*))");
  static const std::regex kRange(R"(\[(-?\d+) - (-?\d+)\])");
  static const std::regex kChoices(R"(\{([^}]*)\})");
  static const std::regex kDefault(R"(=(\S*)$)");
  std::map<std::string, HelpFlag> flags;
  std::istringstream lines(help);
  std::smatch m;
  for (std::string line; std::getline(lines, line);) {
    if (!std::regex_search(line, m, kLine)) continue;
    std::string spec = m[2];
    HelpFlag& flag = flags[m[1]];
    flag.takes_value = !spec.empty();
    if (std::regex_search(spec, m, kRange)) flag.range = {std::stoll(m[1]), std::stoll(m[2])};
    if (std::regex_search(spec, m, kChoices)) {
      std::istringstream names(m[1].str());
      for (std::string name; std::getline(names, name, ',');) flag.choices.push_back(name);
    }
    if (std::regex_search(spec, m, kDefault)) flag.default_value = m[1];
  }
  return flags;
}

void expect_arg(const TargetArg& arg, const HelpFlag& shown) {
  SCOPED_TRACE(arg.name);
  EXPECT_EQ(shown.takes_value, arg.type != TargetArg::Type::kBool);
  switch (arg.type) {
    case TargetArg::Type::kInt:
      ASSERT_TRUE(shown.range.has_value());
      EXPECT_EQ(shown.range->first, arg.min);
      EXPECT_EQ(shown.range->second, arg.max);
      EXPECT_EQ(shown.default_value, arg.default_value);
      break;
    case TargetArg::Type::kBool:
      break;
    case TargetArg::Type::kChoice:
      EXPECT_EQ(shown.choices, arg.choices);
      EXPECT_EQ(shown.default_value, arg.default_value);
      break;
  }
}

TEST(ReferenceTargets, HelpListsExactlyTheTablesFlags) {
  for (const ReferenceTarget& target : reference_targets()) {
    SCOPED_TRACE(target.kind);
    std::map<std::string, HelpFlag> shown = parse_help(help_of(target.kind));
    ASSERT_FALSE(shown.empty()) << "no flags in " << target.kind << " --help";
    // Every target's (targets/common/target.hpp).
    for (const char* common : {"--help", "--host", "--port"}) {
      EXPECT_TRUE(shown.count(common)) << common;
      shown.erase(common);
    }
    for (const TargetArg& arg : target.args) {
      auto it = shown.find(flag_for_arg(arg.name));
      if (it == shown.end()) {
        ADD_FAILURE() << flag_for_arg(arg.name) << " is in drover's table, not in --help";
        continue;
      }
      expect_arg(arg, it->second);
      shown.erase(it);
    }
    for (const TargetFlag& own : target.own_flags) {
      auto it = shown.find(own.flag);
      if (it == shown.end()) {
        ADD_FAILURE() << own.flag << " is in drover's table, not in --help";
        continue;
      }
      EXPECT_EQ(it->second.takes_value, !own.values.empty()) << own.flag;
      if (!own.values.empty()) {
        EXPECT_EQ(it->second.default_value, own.default_value) << own.flag;
      }
      shown.erase(it);
    }
    for (const auto& [flag, unused] : shown)
      ADD_FAILURE() << flag << " is in --help, not in drover's table (reference_targets.cpp)";
    for (const std::string& restart : target.restart_args) {
      EXPECT_TRUE(std::any_of(target.own_flags.begin(), target.own_flags.end(),
                              [&](const TargetFlag& f) { return f.flag == restart; }))
          << restart << " (a restart flag) is not among the target's own flags";
    }
  }
}

TEST(ReferenceTargets, HelpParsing) {
  auto flags = parse_help(
      "Options:\n"
      "  -h,--help                   Print this help message and exit\n"
      "  --threads INT:INT in [1 - 256]=2\n"
      "                              worker threads\n"
      "  --model TEXT:{fork,async}=fork  fork or async\n"
      "  --no-reap                   never reap\n");
  ASSERT_EQ(flags.size(), 4u);
  EXPECT_FALSE(flags["--help"].takes_value);
  EXPECT_EQ(flags["--threads"].range, std::make_pair(std::int64_t{1}, std::int64_t{256}));
  EXPECT_EQ(flags["--threads"].default_value, "2");
  EXPECT_EQ(flags["--model"].choices, (std::vector<std::string>{"fork", "async"}));
  EXPECT_EQ(flags["--model"].default_value, "fork");
  EXPECT_FALSE(flags["--no-reap"].takes_value);
}

TEST(ReferenceTargets, DefaultChecksTakeTheirParameterFromAnArg) {
  for (const ReferenceTarget& target : reference_targets()) {
    for (const DefaultCheck& check : target.default_checks) {
      if (check.parameter_arg.empty()) continue;
      const TargetArg* arg = target.arg(check.parameter_arg);
      ASSERT_NE(arg, nullptr) << target.kind << ": " << check.parameter_arg;
      EXPECT_EQ(arg->type, TargetArg::Type::kInt) << target.kind;
      EXPECT_EQ(default_parameter(target, check), std::stoll(arg->default_value));
    }
  }
}

}  // namespace
}  // namespace drover::reference_targets_test
