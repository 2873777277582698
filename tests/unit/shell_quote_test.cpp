// Quoting for the remote shell, checked against a real /bin/sh: whatever an
// argument holds, it arrives as that one argument and runs nothing.
#include "harness/remote/shell_quote.hpp"

#include <stdio.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/temp_dir.hpp"

namespace drover::shell_quote_test {
namespace {

// What sh receives as separate arguments, one per line (printf '%s\n').
std::string through_sh(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"printf", "%s\\n"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string command = shell_command(argv);
  FILE* pipe = ::popen(("/bin/sh -c " + shell_quote(command)).c_str(), "r");
  if (pipe == nullptr) return "popen failed";
  std::string out;
  char buffer[256];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  ::pclose(pipe);
  return out;
}

TEST(ShellQuoteTest, WrapsInSingleQuotes) {
  EXPECT_EQ(shell_quote("abc"), "'abc'");
  EXPECT_EQ(shell_quote(""), "''");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_command({"ls", "-l", "a b"}), "'ls' '-l' 'a b'");
}

TEST(ShellQuoteTest, EveryArgumentArrivesLiterally) {
  std::vector<std::string> args = {
      "plain", "two words", "it's", "''", "\"dq\"",  "$HOME",    "$(id)", "`id`",  "*",     "a\\b",
      "x\ty",  "-n",        "!",    "~",  "a;b|c&d", "'; ls '#", "",      "{a,b}", "$'\\n'"};
  std::string expected;
  for (const auto& a : args) expected += a + "\n";
  EXPECT_EQ(through_sh(args), expected);
}

TEST(ShellQuoteTest, NoInjection) {
  test_files::TempDir dir;
  const std::string pwned = (dir.path() / "pwned").string();
  for (const std::string& attack :
       {"; touch " + pwned, "' ; touch " + pwned + " ; '", "$(touch " + pwned + ")",
        "`touch " + pwned + "`", "\n touch " + pwned, "'\\''; touch " + pwned + "; echo '"}) {
    EXPECT_EQ(through_sh({attack}), attack + "\n") << attack;
    EXPECT_FALSE(std::filesystem::exists(pwned)) << attack;
  }
}

}  // namespace
}  // namespace drover::shell_quote_test
