#include "harness/checks/radix_sort.hpp"

#include <algorithm>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace drover::radix_sort_test {
namespace {

TEST(RadixSort, OrdersSignedNumbersAsStdSortDoes) {
  std::mt19937_64 random(7);
  std::vector<std::int64_t> numbers;
  for (int i = 0; i < 100'000; ++i) numbers.push_back(static_cast<std::int64_t>(random()));
  numbers.insert(numbers.end(), {0, -1, 1, INT64_MIN, INT64_MAX, -1, 0});
  std::vector<std::int64_t> expected = numbers;
  std::sort(expected.begin(), expected.end());
  radix_sort(numbers);
  EXPECT_EQ(numbers, expected);
}

// Keys sharing their high bytes (task ids, microsecond times) skip the
// passes over those bytes and still come out in order.
TEST(RadixSort, KeysThatShareHighBytesComeOutInOrder) {
  std::mt19937_64 random(11);
  std::vector<std::int64_t> numbers;
  for (int i = 0; i < 50'000; ++i) {
    numbers.push_back(1'700'000'000'000'000 + static_cast<std::int64_t>(random() % 5'000'000));
  }
  std::vector<std::int64_t> expected = numbers;
  std::sort(expected.begin(), expected.end());
  radix_sort(numbers);
  EXPECT_EQ(numbers, expected);
}

TEST(RadixSort, IsStableForEqualKeys) {
  struct Item {
    std::uint64_t key;
    int order;
  };
  std::vector<Item> items;
  for (int i = 0; i < 10'000; ++i) items.push_back({static_cast<std::uint64_t>(i % 7) << 40, i});
  radix_sort(items, [](const Item& item) { return item.key; });
  for (std::size_t i = 1; i < items.size(); ++i) {
    ASSERT_LE(items[i - 1].key, items[i].key) << i;
    if (items[i - 1].key == items[i].key) {
      ASSERT_LT(items[i - 1].order, items[i].order) << i;
    }
  }
}

TEST(RadixSort, EmptyOneAndAllEqualListsAreLeftAlone) {
  std::vector<std::int64_t> empty, one{5}, same(100, 42);
  radix_sort(empty);
  radix_sort(one);
  radix_sort(same);
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(one, std::vector<std::int64_t>{5});
  EXPECT_EQ(same, std::vector<std::int64_t>(100, 42));
}

}  // namespace
}  // namespace drover::radix_sort_test
