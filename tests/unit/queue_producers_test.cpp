// The hand-off between a queue's producers and its consumers: consumers
// may call the queue drained only once every producer, here or elsewhere,
// has ended.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "harness/drivers/queue_producers.hpp"

namespace drover::queue_producers_test {
namespace {

TEST(QueueProducersTest, NoProducersMeansAllDone) {
  QueueProducers producers;
  EXPECT_TRUE(producers.all_done());
}

TEST(QueueProducersTest, AllDoneOnlyOnceEveryStartedProducerEnded) {
  QueueProducers producers;
  producers.started();
  producers.started();  // e.g. those elsewhere, held for them
  EXPECT_FALSE(producers.all_done());
  producers.ended();
  EXPECT_FALSE(producers.all_done());
  producers.ended();
  EXPECT_TRUE(producers.all_done());
}

TEST(QueueProducersTest, ProducersOnManyThreadsAllEnd) {
  QueueProducers producers;
  producers.started();  // held while the threads run, so none sees all done early
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&producers] {
      for (int i = 0; i < 10'000; ++i) {
        producers.started();
        producers.ended();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_FALSE(producers.all_done());
  producers.ended();
  EXPECT_TRUE(producers.all_done());
}

}  // namespace
}  // namespace drover::queue_producers_test
