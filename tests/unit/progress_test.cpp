// `drover run`'s live progress: each warning shown when it happens, as a
// line of its own in every style, without garbling a terminal's in-place
// lines (checked on a real pseudo-terminal).
#include <pty.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "harness/cli/progress.hpp"

namespace drover::progress_test {
namespace {

// Everything written to a file, as text.
std::string text_of(std::FILE* out) {
  std::fflush(out);
  std::rewind(out);
  std::string text;
  char buffer[4096];
  for (std::size_t n; (n = std::fread(buffer, 1, sizeof buffer, out)) > 0;) text.append(buffer, n);
  return text;
}

LiveStatus two_fleets() {
  LiveStatus s;
  s.elapsed = std::chrono::seconds(2);
  s.planned = std::chrono::seconds(10);
  s.ops = 200;
  s.fleets = {LiveFleet{}, LiveFleet{}};
  s.fleets[0].name = "readers";
  s.fleets[1].name = "writers";
  return s;
}

const Warning kWarning{1.25, "target echo", "its log \"stays\" behind"};

TEST(Progress, InJsonEachWarningIsALineOfItsOwnShapedAsInSummaryJson) {
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  ProgressPrinter progress(out, "udp", ProgressPrinter::Style::kJson);
  progress.update(two_fleets());
  progress.warning(kWarning);
  progress.update(two_fleets());
  std::string text = text_of(out);
  std::fclose(out);
  std::size_t first_end = text.find('\n');
  std::size_t second_end = text.find('\n', first_end + 1);
  ASSERT_NE(second_end, std::string::npos) << text;
  std::string line = text.substr(first_end + 1, second_end - first_end - 1);
  EXPECT_EQ(
      line,
      R"({"warning":{"at_s":1.25,"source":"target echo","message":"its log \"stays\" behind"}})");
  EXPECT_TRUE(nlohmann::json::parse(text.substr(second_end + 1))["ops"] == 200);
}

TEST(Progress, ElsewhereAWarningIsALineBetweenUpdates) {
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  ProgressPrinter progress(out, "udp");
  progress.warning(kWarning);
  std::string text = text_of(out);
  std::fclose(out);
  EXPECT_EQ(text, "warning: target echo: its log \"stays\" behind\n");
}

TEST(Progress, OnATerminalTheInPlaceLinesGiveWayToAWarningAndComeBackBelowIt) {
  int terminal = -1, device = -1;
  ASSERT_EQ(openpty(&terminal, &device, nullptr, nullptr, nullptr), 0);
  std::FILE* out = fdopen(device, "w");
  ASSERT_NE(out, nullptr);
  {
    ProgressPrinter progress(out, "udp");
    progress.update(two_fleets());  // three lines, the cursor on the last
    progress.warning(kWarning);
    progress.update(two_fleets());
  }
  std::fclose(out);
  std::string text;
  char buffer[4096];
  for (ssize_t n; (n = read(terminal, buffer, sizeof buffer)) > 0;) text.append(buffer, n);
  close(terminal);
  // Up to the first of the three lines, cleared to the end of the screen,
  // the warning, then the three lines again from there: no move up.
  std::size_t warning = text.find("\x1b[2A\r\x1b[Jwarning: target echo: its log");
  ASSERT_NE(warning, std::string::npos) << text;
  std::string after = text.substr(warning + 10);
  EXPECT_EQ(after.find("\x1b[2A"), std::string::npos) << after;
  EXPECT_NE(after.find("writers"), std::string::npos) << after;
}

}  // namespace
}  // namespace drover::progress_test
