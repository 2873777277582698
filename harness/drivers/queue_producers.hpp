// The producers of one queue target that are still running, wherever they
// run: its consumers drain (go on until the queue answers EMPTY) only once
// all of them are done, as a JoinableQueue's do, so no item a producer may
// still PUT is left behind. A producer client counts from when it opens
// until it closes; producers elsewhere (in an agent on another host) count
// as one that drover, or the agent itself, ends once they are known to be
// done.
//
// Thread-safe: producers start and end on load threads while consumers and
// the runner's thread ask.
#pragma once

#include <atomic>

namespace drover {

class QueueProducers {
 public:
  QueueProducers() = default;
  QueueProducers(const QueueProducers&) = delete;
  QueueProducers& operator=(const QueueProducers&) = delete;

  void started() { running_.fetch_add(1); }
  // Once per started().
  void ended() { running_.fetch_sub(1); }
  bool all_done() const { return running_.load() == 0; }

 private:
  std::atomic<int> running_{0};
};

}  // namespace drover
