// The console's summary of a run, as a terminal shows it without colour:
// the warnings after the verdict, and no such block without any.
#include <cstdio>
#include <string>

#include <gtest/gtest.h>

#include "reports/sink.hpp"

namespace drover {
namespace {

std::string console_text(const RunResult& run) {
  std::FILE* out = std::tmpfile();
  EXPECT_NE(out, nullptr);
  make_console_sink(out, false)->write(run);
  std::rewind(out);
  std::string text;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, out)) > 0;) text.append(buffer, n);
  std::fclose(out);
  return text;
}

RunResult failed_run() {
  RunResult run;
  run.scenario = "udp";
  run.run_dir = "runs/udp/1";
  run.verdict = Verdict::kFail;
  run.exit_code = ExitCode::kFailed;
  run.invariants.push_back({Invariant::kRepliesCorrect, "clients", false, "3 wrong replies", {}});
  return run;
}

TEST(Console, ShowsEachWarningAfterTheVerdict) {
  RunResult run = failed_run();
  run.warnings = {{1.25, "target echo", "its log stays behind"},
                  {12.0, "host db1", "unknown host key accepted"}};
  std::string text = console_text(run);
  std::size_t verdict = text.find("FAIL  exit code 1  runs/udp/1\n");
  ASSERT_NE(verdict, std::string::npos) << text;
  EXPECT_NE(text.find("\nwarnings\n"
                      "     1.2s  target echo: its log stays behind\n"
                      "    12.0s  host db1: unknown host key accepted\n",
                      verdict),
            std::string::npos)
      << text;
}

TEST(Console, SaysNothingOfWarningsWhenThereAreNone) {
  std::string text = console_text(failed_run());
  EXPECT_NE(text.find("FAIL  exit code 1"), std::string::npos) << text;
  EXPECT_EQ(text.find("warnings"), std::string::npos) << text;
}

}  // namespace
}  // namespace drover
