// A command's output as it comes off its channel: limits per stream, and
// the pid line that commands drover may have to kill write first.
#include "harness/remote/channel_output.hpp"

#include <string>

#include <gtest/gtest.h>

namespace drover::channel_output_test {
namespace {

TEST(ChannelOutputTest, KeepsBothStreamsAsTheyCome) {
  ChannelOutput output(100, false);
  output.add_stdout("hello ");
  output.add_stderr("drover-pid:42\n");  // no pid line expected: just output
  output.add_stdout("world\n");
  EXPECT_EQ(output.result().out, "hello world\n");
  EXPECT_EQ(output.result().err, "drover-pid:42\n");
  EXPECT_EQ(output.pid(), 0);
  EXPECT_FALSE(output.result().truncated);
}

TEST(ChannelOutputTest, TakesThePidLineOffStderr) {
  ChannelOutput output(100, true);
  output.add_stderr("drover-pi");
  EXPECT_EQ(output.pid(), 0);  // not a whole line yet
  output.add_stderr("d:4711\nwarning: x\n");
  EXPECT_EQ(output.pid(), 4711);
  EXPECT_EQ(output.result().err, "warning: x\n");
  output.add_stderr("drover-pid:1\n");  // only the first line is the shell's
  EXPECT_EQ(output.pid(), 4711);
  EXPECT_EQ(output.result().err, "warning: x\ndrover-pid:1\n");
}

TEST(ChannelOutputTest, AFirstLineOfAnotherKindStays) {
  ChannelOutput output(100, true);
  output.add_stderr("motd\ndrover-pid:9\n");
  EXPECT_EQ(output.pid(), 0);
  EXPECT_EQ(output.result().err, "motd\ndrover-pid:9\n");
}

TEST(ChannelOutputTest, KeepsUpToTheLimitAndSaysSo) {
  ChannelOutput output(5, true);
  output.add_stdout("1234");
  EXPECT_FALSE(output.result().truncated);
  output.add_stdout("5678");
  EXPECT_EQ(output.result().out, "12345");
  EXPECT_TRUE(output.result().truncated);

  // The pid line does not count against stderr's limit.
  ChannelOutput err(5, true);
  err.add_stderr("drover-pid:77\nabcde");
  EXPECT_EQ(err.pid(), 77);
  EXPECT_EQ(err.result().err, "abcde");
  EXPECT_FALSE(err.result().truncated);
  err.add_stderr("f");
  EXPECT_EQ(err.result().err, "abcde");
  EXPECT_TRUE(err.result().truncated);

  // Arriving with the pid line, more than the limit: cut once it is off.
  ChannelOutput burst(5, true);
  burst.add_stderr("drover-pid:8\nabcdefgh");
  EXPECT_EQ(burst.result().err, "abcde");
  EXPECT_TRUE(burst.result().truncated);
}

TEST(ChannelOutputTest, WritesThePidLineFirst) {
  EXPECT_EQ(ChannelOutput::with_pid_line("exec 'true'"), "echo drover-pid:$$ >&2; exec 'true'");
}

TEST(ChannelOutputTest, DescribesHowACommandEnded) {
  CommandResult r;
  EXPECT_EQ(r.describe(), "ended without an exit status");
  r.exit_status = 3;
  EXPECT_EQ(r.describe(), "exited with status 3");
  EXPECT_FALSE(r.succeeded());
  r.exit_status = 0;
  EXPECT_TRUE(r.succeeded());
  r.exit_status.reset();
  r.exit_signal = "KILL";
  EXPECT_EQ(r.describe(), "killed by signal KILL");
}

}  // namespace
}  // namespace drover::channel_output_test
