// `drover schema`: prints the JSON Schema of a scenario, written from the
// format's tables (scenarios/schema.json is its output); with --docs FILE...,
// rewrites the tables generated from them in those Markdown files instead.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace drover {

// Adds the subcommand to `app`; it must outlive the parse.
class SchemaCommand {
 public:
  explicit SchemaCommand(CLI::App& app);

  bool chosen() const { return command_->parsed(); }
  // drover's exit code: 0, or 2 when a --docs file cannot be read, written or
  // holds a marker it cannot fill.
  int run() const;

 private:
  CLI::App* command_;
  std::vector<std::string> docs_;
};

}  // namespace drover
