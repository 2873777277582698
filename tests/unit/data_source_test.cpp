#include "harness/core/data_source.hpp"

#include <set>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace drover::data_source_test {
namespace {

using ::testing::ElementsAre;
using Order = DataSource::Order;

std::shared_ptr<const DataTable> lines(std::size_t n) {
  std::string text;
  for (std::size_t i = 0; i < n; ++i) text += "row" + std::to_string(i) + "\n";
  auto table = DataTable::parse(text, DataTable::Format::kLines);
  EXPECT_TRUE(table);
  return std::make_shared<const DataTable>(std::move(*table));
}

std::vector<std::size_t> rows_of(const DataSource& s, std::uint64_t client, std::uint64_t seqs,
                                 std::uint64_t random_state = 1) {
  std::vector<std::size_t> out;
  for (std::uint64_t seq = 0; seq < seqs; ++seq) {
    std::optional<std::size_t> row = s.take(client, seq, random_state);
    EXPECT_TRUE(row);
    out.push_back(row.value_or(999));
  }
  return out;
}

TEST(DataSource, RoundRobinWalksTheRowsFromEachClientsOwnStart) {
  DataSource s("w.txt", lines(3), Order::kRoundRobin);
  EXPECT_THAT(rows_of(s, 0, 4), ElementsAre(0, 1, 2, 0));
  EXPECT_THAT(rows_of(s, 1, 4), ElementsAre(1, 2, 0, 1));
  EXPECT_THAT(rows_of(s, 5, 2), ElementsAre(2, 0));
  std::uint64_t state = 7;
  EXPECT_EQ(s.take(0, ~std::uint64_t{0}, state), (~std::uint64_t{0}) % 3);
  EXPECT_EQ(state, 7u);  // no draw
}

TEST(DataSource, RandomRowsRepeatWithTheSeedAndCoverTheFile) {
  DataSource s("w.txt", lines(10), Order::kRandom);
  std::vector<std::size_t> a = rows_of(s, 0, 200, 99), b = rows_of(s, 3, 200, 99);
  EXPECT_EQ(a, b);  // the client's stream decides, not its index
  EXPECT_NE(a, rows_of(s, 0, 200, 100));
  EXPECT_EQ(std::set<std::size_t>(a.begin(), a.end()).size(), 10u);
}

TEST(DataSource, OnceHandsOutEachRowOnceThenNone) {
  DataSource s("w.txt", lines(3), Order::kOnce);
  std::uint64_t state = 1;
  EXPECT_EQ(s.take(0, 0, state), 0u);
  EXPECT_EQ(s.take(7, 0, state), 1u);
  EXPECT_EQ(s.take(0, 1, state), 2u);
  EXPECT_EQ(s.taken(), 3u);
  EXPECT_EQ(s.take(0, 2, state), std::nullopt);
  EXPECT_EQ(s.take(1, 0, state), std::nullopt);
  EXPECT_EQ(s.taken(), 3u);
}

// Threads racing for the rows get every row exactly once between them.
TEST(DataSource, OnceNeverGivesARowTwiceAcrossThreads) {
  constexpr std::size_t kRows = 20000;
  DataSource s("w.txt", lines(kRows), Order::kOnce);
  std::vector<std::vector<std::size_t>> got(4);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < got.size(); ++t) {
    threads.emplace_back([&s, &mine = got[t], t] {
      std::uint64_t state = 1;
      for (std::uint64_t seq = 0;; ++seq) {
        std::optional<std::size_t> row = s.take(t, seq, state);
        if (!row) break;
        mine.push_back(*row);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  std::vector<bool> seen(kRows, false);
  std::size_t total = 0;
  for (const auto& mine : got) {
    for (std::size_t row : mine) {
      ASSERT_LT(row, kRows);
      EXPECT_FALSE(seen[row]) << "row " << row << " twice";
      seen[row] = true;
      ++total;
    }
  }
  EXPECT_EQ(total, kRows);
  EXPECT_EQ(s.taken(), kRows);
}

}  // namespace
}  // namespace drover::data_source_test
