#include "harness/cli/schema_command.hpp"

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "harness/core/exit_code.hpp"
#include "harness/scenario/doc_tables.hpp"
#include "harness/scenario/json_schema.hpp"

namespace drover {
namespace {

// Rewrites the generated tables of one file; a message when it cannot.
Expected<void> fill_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  if (!in || !(text << in.rdbuf())) return unexpected(fmt::format("{}: cannot read it", path));
  Expected<std::string> filled = fill_doc_tables(text.str());
  if (!filled) return unexpected(fmt::format("{}: {}", path, filled.error()));
  if (*filled == text.str()) return {};
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!(out << *filled) || !out.flush())
    return unexpected(fmt::format("{}: cannot write it", path));
  fmt::print("{}: tables updated\n", path);
  return {};
}

}  // namespace

SchemaCommand::SchemaCommand(CLI::App& app)
    : command_(app.add_subcommand(
          "schema", "Print the JSON Schema of a scenario (scenarios/schema.json is its output)")) {
  command_->add_option("--docs", docs_,
                       "Instead, rewrite the tables generated from the format (the reference "
                       "targets' arguments) in these Markdown files");
}

int SchemaCommand::run() const {
  if (docs_.empty()) {
    fmt::print("{}", scenario_json_schema());
    return to_int(ExitCode::kPass);
  }
  int code = to_int(ExitCode::kPass);
  for (const std::string& path : docs_) {
    if (Expected<void> filled = fill_file(path); !filled) {
      fmt::print(stderr, "error: {}\n", filled.error());
      code = to_int(ExitCode::kBadInput);
    }
  }
  return code;
}

}  // namespace drover
