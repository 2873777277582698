// drover: the command line. Subcommands parse flags, call one stage, and
// map the outcome to an exit code; nothing else lives here.
#include <cstdio>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "harness/core/exit_code.hpp"
#include "harness/scenario/reference_targets.hpp"

namespace drover {
namespace {

int list_targets() {
  for (const auto& t : reference_targets()) {
    fmt::print("{:<16} {:<4} {}\n", t.kind, protocol_name(t.protocol), t.summary);
  }
  return to_int(ExitCode::kPass);
}

}  // namespace
}  // namespace drover

int main(int argc, char** argv) {
  CLI::App app{"drover: drive fleets of clients against servers and check they stay correct"};
  app.require_subcommand(1);
  auto* targets = app.add_subcommand("targets", "List the reference targets drover ships");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : drover::to_int(drover::ExitCode::kBadInput);
  }
  if (targets->parsed()) return drover::list_targets();
  return drover::to_int(drover::ExitCode::kBadInput);
}
