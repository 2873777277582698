// Drives every fleet of a run: N clients per fleet, each a coroutine on an
// io_context pool with one thread per core, each recording into its thread's
// Recorder. The runner's thread starts it, watches it and stops it.
//
// Thread-safety: start(), stop(), finished(), live_*() and finish() are for
// the runner's thread; everything else runs on the pool's threads.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <thread>
#include <vector>

#include "harness/core/clock.hpp"
#include "harness/drivers/driver.hpp"
#include "harness/history/history_log.hpp"
#include "harness/load/load_model.hpp"
#include "harness/load/load_threads.hpp"
#include "harness/measure/recorder.hpp"

namespace drover {

struct FleetPlan {
  const FleetSpec* spec = nullptr;  // its clients: how many run here
  DriverPtr driver;
  std::size_t first_slot = 0;  // the recorder slot of the driver's first op
  // The first client's id, unique across the run's fleets wherever they
  // run, and its index in the fleet (not 0 for a share of a fleet split
  // over hosts): ids pick each client's random seed, indices its items and
  // its place in a ramp of clients, so a client behaves the same anywhere.
  std::uint32_t first_client = 0;
  std::uint64_t first_index = 0;
};

class LoadRun {
 public:
  // history: where correctness workloads record their events (null: none).
  LoadRun(std::vector<FleetPlan> fleets, LoadModel& model, std::size_t slot_count,
          LoadThreads threads, HistoryLog* history, std::uint64_t seed);
  ~LoadRun();

  void start();
  // Asks every client to finish its current operation and stop.
  void stop() { stop_.store(true, std::memory_order_relaxed); }
  bool stopping() const { return stop_.load(std::memory_order_relaxed); }
  bool finished() const { return running_threads_.load() == 0; }
  // The totals so far (no per-second series), each thread's taken on that
  // thread between two of its operations. For judging a run while it goes
  // (abort_on_fail); call from one thread at a time, not a load thread.
  Recording snapshot();
  // The seconds (since load_start) before `second` that the threads have
  // recorded and not yet given up, taken from them as snapshot() takes
  // totals; each second is given once.
  std::map<std::size_t, SecondRecording> take_seconds_before(std::size_t second);
  TimePoint load_start() const { return load_start_; }

  // Joins the threads (after stop() or the load's natural end) and merges
  // what they recorded. Call once.
  Recording finish();
  // When the last client finished.
  TimePoint load_end() const { return load_end_; }

 private:
  struct Client;
  struct Worker;
  struct FleetShare;
  // The closed model's pacing of a share whose clients share connections:
  // each client's next operation starts when its pacer says, the ones due
  // together handed to the batch together.
  struct SharedPacing {
    LoadRun& run;
    Worker& worker;
    FleetShare& share;
    std::size_t active = 0;  // clients whose pacer has not ended
    std::uint64_t seq = 0;
    // Clients waiting for a later start (think time, a ramp): a min-heap.
    std::vector<std::pair<TimePoint, Client*>> later;

    void next(Client& client, TimePoint now);
    void start_due(TimePoint now);
    TimePoint earliest() const;
    void begin(Client& client, TimePoint start);
  };
  // Whether the fleet's clients share connections in a batch, in the
  // closed model as in the open ones (clients_per_connection above 1).
  bool shares_connections(const FleetPlan& fleet) const;
  // A load thread: runs w's io_context until its work is done (busy_poll_:
  // polling it without pause), then marks w finished.
  void run_worker(Worker& w);
  // Runs use on every worker's recorder, on the worker's thread between two
  // of its operations (or here, once that thread has finished); returns
  // when each has run.
  void on_each_recorder(const std::function<void(Recorder&)>& use);
  // One share of the fleet per thread, appended to each worker's shares.
  void add_shares(const FleetPlan& fleet);
  // Opens the clients of w's newest fleet share, in one batch if the
  // driver can (logs: theirs, in share order).
  void open_share(Worker& w, Driver& driver, std::vector<ClientLog> logs);
  asio::awaitable<void> run_client(Worker& worker, Client& client);
  asio::awaitable<void> dispatch(Worker& worker, FleetShare& share);
  // The closed model for a share whose driver batches its clients.
  asio::awaitable<void> pace_shared(Worker& worker, FleetShare& share);
  asio::awaitable<void> run_arrival(Worker& worker, FleetShare& share, Client& client,
                                    std::uint64_t seq, TimePoint intended);

  std::vector<FleetPlan> fleets_;
  LoadModel& model_;
  std::size_t slot_count_;
  HistoryLog* history_;
  std::uint64_t seed_;
  bool busy_poll_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  std::atomic<std::size_t> running_threads_{0};
  TimePoint load_start_{};
  TimePoint load_end_{};
};

}  // namespace drover
