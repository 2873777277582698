#include "harness/load/load_threads.hpp"

#include <gtest/gtest.h>

namespace drover::load_threads_test {
namespace {

TargetSpec started(std::string name, std::string host = {}) {
  TargetSpec t;
  t.name = std::move(name);
  t.source = TargetSpec::Source::kCommand;
  t.host = std::move(host);
  return t;
}

TargetSpec reached(std::string name, std::string address) {
  TargetSpec t;
  t.name = std::move(name);
  t.source = TargetSpec::Source::kAddress;
  t.address = std::move(address);
  return t;
}

TEST(LoadThreads, OnePerCoreLessOnePerLocalTargetAndNeverNone) {
  EXPECT_EQ(default_load_threads(8, 0), 8u);
  EXPECT_EQ(default_load_threads(8, 3), 5u);
  EXPECT_EQ(default_load_threads(2, 1), 1u);
  EXPECT_EQ(default_load_threads(2, 2), 1u);
  EXPECT_EQ(default_load_threads(2, 5), 1u);
  EXPECT_EQ(default_load_threads(0, 0), 1u);  // hardware_concurrency() may not know
}

TEST(LoadThreads, LoopbackIsAll127SlashEightIpv6LoopbackAndLocalhost) {
  for (const char* host : {"127.0.0.1", "127.1.2.3", "127.255.255.254", "::1", "localhost"})
    EXPECT_TRUE(is_loopback_host(host)) << host;
  for (const char* host : {"128.0.0.1", "10.0.0.1", "0.0.0.0", "::", "::2", "192.168.1.127",
                           "example.com", "localhost.example", ""})
    EXPECT_FALSE(is_loopback_host(host)) << host;
}

TEST(LoadThreads, CountsTargetsStartedHereAndAddressesOnLoopback) {
  Scenario s;
  TargetSpec reference = started("echo");
  reference.source = TargetSpec::Source::kReference;
  s.targets = {reference,
               started("own"),
               started("far", "db1"),
               reached("v4", "127.0.0.1:9000"),
               reached("v6", "[::1]:9000"),
               reached("name", "localhost:80"),
               reached("lan", "10.1.2.3:80"),
               reached("lan6", "[fe80::1]:80")};
  EXPECT_EQ(local_targets(s), 5u);  // echo, own, v4, v6, name
  // On the host db1 only "far": loopback addresses are drover's machine.
  EXPECT_EQ(local_targets(s, "db1"), 1u);
  EXPECT_EQ(local_targets(s, "db2"), 0u);
  EXPECT_EQ(local_targets(Scenario{}), 0u);
}

}  // namespace
}  // namespace drover::load_threads_test
