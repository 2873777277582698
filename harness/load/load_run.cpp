#include "harness/load/load_run.hpp"

#include <algorithm>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

namespace drover {

// Think time and waits for a start are slept in slices, so stop() is seen
// within this long even by a client with a long think time.
constexpr auto kStopCheck = std::chrono::milliseconds(50);
// How long draining clients (queue consumers) may go on after the load's
// planned end before they are stopped regardless.
constexpr auto kDrainLimit = std::chrono::seconds(30);
// Due arrivals an open model's dispatcher sends back to back before it lets
// the thread read replies.
constexpr std::size_t kArrivalsPerYield = 8;
// The dispatcher sleeps at least this long between two wake-ups, and sends
// what fell due meanwhile together: re-arming the thread's timer for every
// arrival cost a fifth of drover's CPU at 60,000/s (timerfd_settime). The
// kernel's own timer slack already makes a wake-up about this late.
constexpr auto kWakeQuantum = std::chrono::microseconds(50);
// The same for a share whose driver batches (ArrivalBatch): each wake-up
// sends what fell due in one system call (UDP; TCP: one per connection), so
// a longer one buys fewer wake-ups and bigger batches. At 60,000/s on 2 cores, 250 us halved
// drover's CPU per operation against 50 us; the price is that an arrival
// goes out up to this late, which its latency (from the intended start)
// shows.
constexpr auto kBatchWakeQuantum = std::chrono::microseconds(250);

struct LoadRun::Client {
  ClientSessionPtr session;
  ClientPacerPtr pacer;
  std::size_t index_in_fleet = 0;
  std::size_t slot = 0;
  std::uint32_t in_share = 0;  // open models: its index in its FleetShare
};

// Open models: one fleet's clients on one thread, and that thread's share of
// the fleet's arrivals.
struct LoadRun::FleetShare {
  std::size_t slot = 0;
  std::vector<Client*> idle;
  std::vector<Client*> all;
  std::size_t inflight = 0;
  std::size_t max_inflight = 0;
  std::unique_ptr<ArrivalSchedule> schedule;
  // Set when the driver starts this share's arrivals itself, in batches;
  // then the clients have no sessions of their own.
  ArrivalBatchPtr batch;
  // The closed model's shared connections (pace_shared): the clients whose
  // operation ended since the pacer last ran, and its wait, which an ending
  // operation cuts short (once: woken) so the next requests go out together.
  std::vector<Client*> ended;
  asio::steady_timer* wake = nullptr;
  bool woken = false;
};

struct LoadRun::Worker {
  asio::io_context io{1};
  std::unique_ptr<Recorder> recorder;
  HistoryLog::Buffer* history = nullptr;
  std::vector<std::unique_ptr<Client>> clients;
  std::vector<std::unique_ptr<FleetShare>> shares;  // open models
  TimePoint finished_at{};
  std::atomic<bool> done{false};  // its io loop has returned: nothing records any more
};

LoadRun::LoadRun(std::vector<FleetPlan> fleets, LoadModel& model, std::size_t slot_count,
                 LoadThreads load_threads, HistoryLog* history, std::uint64_t seed)
    : fleets_(std::move(fleets)),
      model_(model),
      slot_count_(slot_count),
      history_(history),
      seed_(seed),
      busy_poll_(load_threads.busy_poll) {
  std::size_t total_clients = 0;
  for (const auto& f : fleets_) total_clients += static_cast<std::size_t>(f.spec->clients);
  const std::size_t threads =
      std::clamp<std::size_t>(load_threads.count, 1, std::max<std::size_t>(total_clients, 1));
  for (std::size_t i = 0; i < threads; ++i) {
    workers_.push_back(std::make_unique<Worker>());
    // Failure samples draw from the run's seed, a different stream per thread.
    workers_.back()->recorder = std::make_unique<Recorder>(
        slot_count_, load_start_, seed_ ^ ((i + 1) * 0x9E3779B97F4A7C15ULL));
  }
}

LoadRun::~LoadRun() {
  stop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

void LoadRun::start() {
  // Recorders and client logs read load_start_, set below once every client
  // is open: opening hundreds of sessions takes milliseconds that must not
  // count as latency of the first operations.
  for (auto& w : workers_) {
    if (history_) w->history = &history_->new_buffer();
  }
  // Clients are dealt round-robin over the threads, across fleets, so each
  // fleet is spread over every core.
  const RateProfile* arrivals = model_.arrivals();
  std::size_t next_worker = 0;
  for (auto& fleet : fleets_) {
    bool records_history = fleet.driver->records_history();
    const bool in_shares = arrivals || shares_connections(fleet);
    std::vector<std::vector<ClientLog>> share_logs(in_shares ? workers_.size() : 0);
    if (in_shares) add_shares(fleet);
    for (int i = 0; i < fleet.spec->clients; ++i) {
      const std::size_t worker_index = next_worker;
      Worker& w = *workers_[worker_index];
      next_worker = (next_worker + 1) % workers_.size();
      auto c = std::make_unique<Client>();
      const std::uint64_t index = fleet.first_index + static_cast<std::uint64_t>(i);
      ClientLog log(w.recorder.get(), records_history ? w.history : nullptr, fleet.first_slot,
                    fleet.first_client + static_cast<std::uint32_t>(i), index, fleet.spec->name,
                    load_start_, seed_);
      c->index_in_fleet = static_cast<std::size_t>(index);
      c->slot = fleet.first_slot;
      if (in_shares) {
        // Opened below, together or one by one.
        FleetShare& share = *w.shares.back();
        c->in_share = static_cast<std::uint32_t>(share.all.size());
        share.idle.push_back(c.get());
        share.all.push_back(c.get());
        share_logs[worker_index].push_back(std::move(log));
      } else {
        c->session = fleet.driver->open(w.io, std::move(log));
      }
      w.clients.push_back(std::move(c));
    }
    for (std::size_t t = 0; t < share_logs.size(); ++t)
      open_share(*workers_[t], *fleet.driver, std::move(share_logs[t]));
  }
  load_start_ = Clock::now();
  for (std::size_t t = 0; t < workers_.size(); ++t) {
    // Thread t serves share t of every fleet's arrivals (open models; the
    // closed model's shares are paced by their clients).
    for (auto& share : workers_[t]->shares) {
      if (arrivals)
        share->schedule =
            std::make_unique<ArrivalSchedule>(*arrivals, load_start_, t, workers_.size());
    }
    for (auto& c : workers_[t]->clients)
      c->pacer = model_.pacer_for(c->index_in_fleet, load_start_);
  }
  running_threads_ = workers_.size();
  for (auto& worker : workers_) {
    Worker& w = *worker;
    for (auto& share : w.shares) {
      if (arrivals)
        asio::co_spawn(w.io, dispatch(w, *share), asio::detached);
      else if (share->batch)
        asio::co_spawn(w.io, pace_shared(w, *share), asio::detached);
    }
    // The closed model's clients with sessions of their own (none in a
    // batch) pace themselves.
    for (auto& c : w.clients) {
      if (!arrivals && c->session) asio::co_spawn(w.io, run_client(w, *c), asio::detached);
    }
    threads_.emplace_back([this, &w] { run_worker(w); });
  }
}

void LoadRun::run_worker(Worker& w) {
  if (busy_poll_) {
    // poll() runs what is ready, timers that are due and the reactor
    // without waiting; it stops the context once no work is left.
    while (!w.io.stopped()) w.io.poll();
  } else {
    w.io.run();
  }
  w.finished_at = Clock::now();
  w.done.store(true, std::memory_order_release);
  running_threads_.fetch_sub(1);
}

bool LoadRun::shares_connections(const FleetPlan& fleet) const {
  return fleet.spec->first_op().clients_per_connection > 1;
}

void LoadRun::add_shares(const FleetPlan& fleet) {
  // Each thread serves an equal share of the fleet's arrivals (open models)
  // with the fleet's clients it holds.
  for (std::size_t t = 0; t < workers_.size(); ++t) {
    auto share = std::make_unique<FleetShare>();
    share->slot = fleet.first_slot;
    std::size_t limit = model_.max_inflight() > 0 ? static_cast<std::size_t>(model_.max_inflight())
                                                  : static_cast<std::size_t>(fleet.spec->clients);
    share->max_inflight = std::max<std::size_t>(1, (limit + t) / workers_.size());
    workers_[t]->shares.push_back(std::move(share));
  }
}

void LoadRun::open_share(Worker& w, Driver& driver, std::vector<ClientLog> logs) {
  FleetShare& share = *w.shares.back();
  if (share.all.empty()) return;
  const bool closed = model_.arrivals() == nullptr;
  share.batch = driver.open_batch(w.io, logs, [&w, &share, closed](std::uint32_t client) {
    --share.inflight;
    w.recorder->operation_ended(share.slot);
    if (!closed) {
      share.idle.push_back(share.all[client]);
      return;
    }
    share.ended.push_back(share.all[client]);
    if (share.wake && !share.woken) {
      share.woken = true;
      share.wake->cancel();
    }
  });
  if (share.batch) return;
  for (std::size_t i = 0; i < logs.size(); ++i)
    share.all[i]->session = driver.open(w.io, std::move(logs[i]));
}

asio::awaitable<void> LoadRun::run_client(Worker& worker, Client& client) {
  asio::steady_timer wait(worker.io);
  std::uint64_t seq = 0;
  boost::system::error_code ec;
  while (!stop_.load(std::memory_order_relaxed)) {
    auto start = client.pacer->next(Clock::now());
    if (!start) break;
    while (Clock::now() < *start && !stop_.load(std::memory_order_relaxed)) {
      wait.expires_at(std::min<TimePoint>(*start, Clock::now() + kStopCheck));
      co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    }
    if (stop_.load(std::memory_order_relaxed)) break;
    worker.recorder->operation_begun(client.slot);
    co_await client.session->iterate(seq++, *start);
    worker.recorder->operation_ended(client.slot);
  }
  // A draining client empties what it consumes before it stops, within a
  // bound, unless the run is being stopped.
  TimePoint drain_deadline = Clock::now() + kDrainLimit;
  while (client.session->drains() && !client.session->drained() &&
         !stop_.load(std::memory_order_relaxed) && Clock::now() < drain_deadline) {
    co_await client.session->iterate(seq++, Clock::now());
  }
  client.session->close();
}

asio::awaitable<void> LoadRun::dispatch(Worker& worker, FleetShare& share) {
  asio::steady_timer wait(worker.io);
  boost::system::error_code ec;
  std::uint64_t seq = 0;
  std::size_t without_yield = 0;
  TimePoint last_wake{};
  // Lets the thread's other work run (replies that free clients among it):
  // the reactor is polled before this coroutine resumes.
  auto yield = [&worker]() { return asio::post(worker.io, asio::use_awaitable); };
  // A batching driver puts what was added on the wire before every wait.
  auto flush = [&share] {
    if (share.batch) share.batch->flush();
  };
  while (!stop_.load(std::memory_order_relaxed)) {
    auto intended = share.schedule->next();
    if (!intended) break;
    // Behind schedule, due arrivals go out at once, one after another
    // (their latency still counts from when they were due), but not so many
    // that the replies waiting to free their clients are never read.
    if (Clock::now() < *intended) {
      without_yield = 0;
      flush();
      if (busy_poll_) {
        // Due to the microsecond: the thread reads replies meanwhile.
        while (Clock::now() < *intended && !stop_.load(std::memory_order_relaxed)) {
          co_await yield();
        }
      } else {
        TimePoint wake =
            std::max(*intended, last_wake + (share.batch ? kBatchWakeQuantum : kWakeQuantum));
        while (Clock::now() < wake && !stop_.load(std::memory_order_relaxed)) {
          wait.expires_at(std::min<TimePoint>(wake, Clock::now() + kStopCheck));
          co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        }
        last_wake = Clock::now();
      }
    } else if (++without_yield == kArrivalsPerYield) {
      without_yield = 0;
      flush();
      co_await yield();
    }
    if (stop_.load(std::memory_order_relaxed)) break;
    if (share.idle.empty() || share.inflight >= share.max_inflight) {
      // A start is missed only if no client is free once the replies that
      // have already arrived are read. A batch reads them at once: the
      // completion of its reader's wait may be queued behind this
      // coroutine's resumption.
      without_yield = 0;
      flush();
      if (share.batch) share.batch->poll();
      co_await yield();
    }
    if (share.idle.empty() || share.inflight >= share.max_inflight) {
      worker.recorder->record_missed_start(share.slot);
      continue;
    }
    Client* client = share.idle.back();
    share.idle.pop_back();
    ++share.inflight;
    worker.recorder->operation_begun(share.slot);
    if (share.batch) {
      share.batch->add(client->in_share, seq++, *intended);
    } else {
      asio::co_spawn(worker.io, run_arrival(worker, share, *client, seq++, *intended),
                     asio::detached);
    }
  }
  flush();
  // Outstanding iterations end within their timeout; then the clients close.
  while (share.inflight > 0) {
    wait.expires_after(std::chrono::milliseconds(5));
    co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  if (share.batch) {
    share.batch->close();
  } else {
    for (Client* client : share.all) client->session->close();
  }
}

asio::awaitable<void> LoadRun::pace_shared(Worker& worker, FleetShare& share) {
  asio::steady_timer wake(worker.io);
  boost::system::error_code ec;
  SharedPacing pacing{*this, worker, share, share.all.size(), 0, {}};
  TimePoint now = Clock::now();
  for (Client* client : share.all) pacing.next(*client, now);
  while (pacing.active > 0) {
    now = Clock::now();
    std::vector<Client*> ended;
    ended.swap(share.ended);
    for (Client* client : ended) pacing.next(*client, now);
    pacing.start_due(now);
    share.batch->flush();
    // Requests the flush answered at once are paced before any wait.
    if (!share.ended.empty() || pacing.active == 0) continue;
    wake.expires_at(std::min(pacing.earliest(), Clock::now() + kStopCheck));
    share.wake = &wake;
    share.woken = false;
    co_await wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    share.wake = nullptr;
  }
  share.batch->close();
}

void LoadRun::SharedPacing::next(Client& client, TimePoint now) {
  auto start = run.stopping() ? std::nullopt : client.pacer->next(now);
  if (!start) {
    --active;
    return;
  }
  if (*start > now) {
    later.emplace_back(*start, &client);
    std::push_heap(later.begin(), later.end(), std::greater<>());
    return;
  }
  begin(client, *start);
}

void LoadRun::SharedPacing::start_due(TimePoint now) {
  if (run.stopping()) {
    active -= later.size();
    later.clear();
  }
  while (!later.empty() && later.front().first <= now) {
    std::pop_heap(later.begin(), later.end(), std::greater<>());
    auto [start, client] = later.back();
    later.pop_back();
    begin(*client, start);
  }
}

TimePoint LoadRun::SharedPacing::earliest() const {
  return later.empty() ? TimePoint::max() : later.front().first;
}

void LoadRun::SharedPacing::begin(Client& client, TimePoint start) {
  worker.recorder->operation_begun(share.slot);
  ++share.inflight;
  share.batch->add(client.in_share, seq++, start);
}

asio::awaitable<void> LoadRun::run_arrival(Worker& worker, FleetShare& share, Client& client,
                                           std::uint64_t seq, TimePoint intended) {
  co_await client.session->iterate(seq, intended);
  share.idle.push_back(&client);
  --share.inflight;
  worker.recorder->operation_ended(share.slot);
}

void LoadRun::on_each_recorder(const std::function<void(Recorder&)>& use) {
  std::mutex mutex;
  std::vector<char> taken(workers_.size(), 0);  // by the worker's own thread
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    Worker& w = *workers_[i];
    if (w.done.load(std::memory_order_acquire)) continue;
    // Handed to the worker's thread. A thread that finishes before running
    // it never will (its io loop has returned), and then its recorder is
    // used here instead: it records nothing any more.
    asio::post(w.io, [&use, &mutex, &taken, &w, i] {
      std::lock_guard lock(mutex);
      use(*w.recorder);
      taken[i] = 1;
    });
  }
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    Worker& w = *workers_[i];
    for (;;) {
      {
        std::lock_guard lock(mutex);
        if (taken[i]) break;
      }
      if (w.done.load(std::memory_order_acquire)) {
        std::lock_guard lock(mutex);
        if (!taken[i]) use(*w.recorder);
        taken[i] = 1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }
}

Recording LoadRun::snapshot() {
  Recording out;
  on_each_recorder([&out](Recorder& r) { r.add_totals_to(out.slots); });
  return out;
}

std::map<std::size_t, SecondRecording> LoadRun::take_seconds_before(std::size_t second) {
  std::map<std::size_t, SecondRecording> out;
  on_each_recorder([&out, second](Recorder& r) { r.take_seconds_before(second, out); });
  return out;
}

Recording LoadRun::finish() {
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  Recording recording;
  load_end_ = load_start_;
  for (auto& w : workers_) {
    if (w->recorder) w->recorder->merge_into(recording);
    load_end_ = std::max(load_end_, w->finished_at);
  }
  recording.slots.resize(slot_count_);
  return recording;
}

}  // namespace drover
