// partition_rules: table names that record their owner, the nft script of a
// partition, and reading what nft, ip and /proc print.
#include "harness/faults/partition_rules.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace drover::partition_rules_test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(PartitionRules, ATableNameRecordsItsOwner) {
  TableOwner owner{4242, 987654321};
  std::string name = partition_table_name(owner, 3);
  EXPECT_EQ(name, "drover_4242_987654321_3");
  EXPECT_EQ(partition_table_owner(name), owner);
}

TEST(PartitionRules, TablesDroverDidNotMakeHaveNoOwner) {
  for (const char* other :
       {"filter", "nat", "drover", "drover_", "drover_1_2", "drover_x_2_3", "drover_1_2_3_4",
        "drover_0_2_3", "drover_-1_2_3", "drover_1__3", "my_drover_1_2_3"}) {
    EXPECT_EQ(partition_table_owner(other), std::nullopt) << other;
  }
}

TEST(PartitionRules, AFullPartitionKeepsOnlyLoopbackAndTheControlPort) {
  PartitionRules rules;
  rules.table = "drover_1_2_0";
  rules.control_port = 2222;
  std::string script = partition_script(rules);
  EXPECT_THAT(script, HasSubstr("table inet drover_1_2_0 {"));
  EXPECT_THAT(script, HasSubstr("type filter hook input priority -200; policy accept;"));
  EXPECT_THAT(script, HasSubstr("type filter hook output priority -200; policy accept;"));
  EXPECT_THAT(script, HasSubstr("tcp dport 2222 accept"));
  EXPECT_THAT(script, HasSubstr("tcp sport 2222 accept"));
  EXPECT_THAT(script, HasSubstr("iifname \"lo\" accept"));
  // The accepts come before the drop of everything else, in both chains.
  std::size_t input = script.find("chain input"), output = script.find("chain output");
  EXPECT_LT(script.find("tcp dport 2222 accept", input), script.find("    drop\n", input));
  EXPECT_LT(script.find("tcp sport 2222 accept", output), script.find("    drop\n", output));
  EXPECT_NE(script.find("    drop\n", output), std::string::npos);
}

TEST(PartitionRules, APartitionFromPeersDropsOnlyTheirTraffic) {
  PartitionRules rules;
  rules.table = "drover_1_2_0";
  rules.peers = {"10.99.0.3", "fd00::4", "10.99.0.4"};
  std::string script = partition_script(rules);
  EXPECT_THAT(script, HasSubstr("ip saddr { 10.99.0.3, 10.99.0.4 } drop"));
  EXPECT_THAT(script, HasSubstr("ip daddr { 10.99.0.3, 10.99.0.4 } drop"));
  EXPECT_THAT(script, HasSubstr("ip6 saddr { fd00::4 } drop"));
  EXPECT_THAT(script, HasSubstr("ip6 daddr { fd00::4 } drop"));
  EXPECT_THAT(script, Not(HasSubstr("    drop\n")));
  EXPECT_THAT(script, HasSubstr("tcp dport 22 accept"));
}

TEST(PartitionRules, ReadsInetTablesFromNftsListing) {
  EXPECT_THAT(inet_tables("table ip nat\ntable inet drover_1_2_0\ntable inet filter\n"
                          "table ip6 drover_3_4_5\n"),
              ElementsAre("drover_1_2_0", "filter"));
  EXPECT_THAT(inet_tables(""), ElementsAre());
}

TEST(PartitionRules, ReadsTheStartTimeFromProcStat) {
  // comm may hold spaces and parentheses: fields count from the last ')'.
  std::string stat =
      "1234 (a (b) c) S 1 1234 1234 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 "
      "8765432 1000000 200 18446744073709551615";
  EXPECT_EQ(start_ticks_from_stat(stat), 8765432u);
  EXPECT_EQ(start_ticks_from_stat("1234 (x) S 1 2"), std::nullopt);
  EXPECT_EQ(start_ticks_from_stat("garbage"), std::nullopt);
}

TEST(PartitionRules, ReadsAddressesFromIpsListing) {
  std::string listing =
      "1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever\n"
      "1: lo    inet6 ::1/128 scope host \\       valid_lft forever preferred_lft forever\n"
      "2: eth0    inet 10.99.0.2/24 brd 10.99.0.255 scope global eth0\\       valid_lft forever\n";
  EXPECT_THAT(addresses_in_listing(listing), ElementsAre("127.0.0.1", "::1", "10.99.0.2"));
}

TEST(PartitionRules, ComparesAddressesByValue) {
  EXPECT_TRUE(same_address("10.99.0.2", "10.99.0.2"));
  EXPECT_FALSE(same_address("10.99.0.2", "10.99.0.20"));
  EXPECT_TRUE(same_address("fd00::1", "fd00:0::0:1"));
  EXPECT_FALSE(same_address("::1", "127.0.0.1"));
  EXPECT_FALSE(same_address("localhost", "127.0.0.1"));
}

// drover runs the tools as root: by absolute path, never whichever `ip`
// or `nft` PATH finds first, and where Debian 12 puts them.
TEST(PartitionRules, ToolsRunByAbsolutePath) {
  EXPECT_THAT(
      nft_in_netns("drover-h1", {"list", "tables"}),
      ElementsAre("/sbin/ip", "netns", "exec", "drover-h1", "/usr/sbin/nft", "list", "tables"));
  EXPECT_THAT(netns_addresses_command("drover-h1"),
              ElementsAre("/sbin/ip", "-n", "drover-h1", "-o", "addr", "show"));
}

}  // namespace
}  // namespace drover::partition_rules_test
