#include "harness/core/shown_bytes.hpp"

#include <gtest/gtest.h>

#include <string>

namespace drover::shown_bytes_test {
namespace {

using namespace std::string_literals;

TEST(ShownBytes, PrintableAsciiStaysAsItIs) {
  EXPECT_EQ(escape_bytes("PING hello \"x\" ~"), "PING hello \"x\" ~");
}

TEST(ShownBytes, ControlBytesBackslashAndNonAsciiBecomeEscapes) {
  EXPECT_EQ(escape_bytes("+OK\r\n"), "+OK\\r\\n");
  EXPECT_EQ(escape_bytes("a\tb\\c"), "a\\tb\\\\c");
  EXPECT_EQ(escape_bytes("\0x"s), "\\x00x");
  EXPECT_EQ(escape_bytes("\x7f\x1b"), "\\x7F\\x1B");
  EXPECT_EQ(escape_bytes("\xc3\xa9"), "\\xC3\\xA9");  // UTF-8 shown byte by byte
}

TEST(ShownBytes, CutsAtTheLimitAndSaysHowManyBytesWereLeftOut) {
  ShownBytes shown = show_bytes(std::string(300, 'a'), 256);
  EXPECT_EQ(shown.text, std::string(256, 'a'));
  EXPECT_EQ(shown.cut_bytes, 44u);
  EXPECT_EQ(shown_text(shown), std::string(256, 'a') + " \u2026 (44 more bytes)");
}

TEST(ShownBytes, TheLimitCountsBytesNotEscapes) {
  ShownBytes shown = show_bytes("\r\r\r\r", 3);
  EXPECT_EQ(shown.text, "\\r\\r\\r");
  EXPECT_EQ(shown.cut_bytes, 1u);
}

TEST(ShownBytes, NothingCutReadsAsItIs) {
  ShownBytes shown = show_bytes("+OK");
  EXPECT_EQ(shown.cut_bytes, 0u);
  EXPECT_EQ(shown_text(shown), "+OK");
  EXPECT_EQ(show_bytes("").text, "");
}

}  // namespace
}  // namespace drover::shown_bytes_test
