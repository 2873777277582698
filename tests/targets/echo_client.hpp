// What the echo targets (tcp_fork_echo in either model) promise on one
// connection, checked with GoogleTest assertions: the reply is the
// upper-cased request, whole, within 2 s. Not thread-safe: one socket per
// thread.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>

#include "tests/support/loopback.hpp"

namespace drover::test {

// Sends text on the connection and checks the upper-cased reply.
inline void expect_echo(Socket& s, const std::string& text) {
  ASSERT_TRUE(s.send_all(text, std::chrono::milliseconds(1000)));
  EXPECT_EQ(s.receive_exactly(text.size(), std::chrono::milliseconds(2000)),
            std::optional<std::string>(upper(text)));
}

}  // namespace drover::test
