// drover-agent --job FILE --out DIR: see harness/agent/agent.hpp.
#include <cstdio>
#include <string>
#include <string_view>

#include "harness/agent/agent.hpp"
#include "harness/core/exit_code.hpp"

int main(int argc, char** argv) {
  std::string job, out;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if ((arg == "--job" || arg == "--out") && i + 1 < argc) {
      (arg == "--job" ? job : out) = argv[++i];
    } else {
      std::fprintf(stderr, "drover-agent: unexpected argument \"%s\"\n", argv[i]);
      job.clear();
      break;
    }
  }
  if (job.empty() || out.empty()) {
    std::fprintf(stderr,
                 "usage: drover-agent --job FILE --out DIR\n"
                 "Runs one fleet's share for drover on this host (drover uploads and starts "
                 "it over SSH).\n");
    return drover::to_int(drover::ExitCode::kBadInput);
  }
  // stderr is the agent's log: drover fetches it once the agent has exited.
  return drover::run_agent(job, out, [](const std::string& source, const std::string& message) {
    std::fprintf(stderr, "%s: %s\n", source.c_str(), message.c_str());
  });
}
