// history.jsonl, written as the run goes. Each io thread records into its
// own buffer (a mutex that only the flusher ever contends); a flusher thread
// appends every buffer to the file every 100 ms, so a crash loses at most
// the last tenth of a second. Lines are in time order within each flush;
// across threads and flushes they are nearly, not strictly, ordered:
// readers sort when order matters.
//
// Thread-safety: record() on a Buffer from its one io thread; everything
// else from the owning (runner's) thread.
#pragma once

#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "harness/core/expected.hpp"
#include "harness/history/event.hpp"

namespace drover {

class HistoryLog {
 public:
  class Buffer {
   public:
    void record(const Event& event);
    std::uint64_t recorded() const { return recorded_; }

   private:
    friend class HistoryLog;
    std::mutex mutex_;
    std::vector<Event> pending_;
    std::uint64_t recorded_ = 0;
  };

  // Opens (truncates) path. Throws std::runtime_error naming it on failure.
  explicit HistoryLog(const std::string& path);
  ~HistoryLog();  // close()

  Buffer& new_buffer();
  // Writes everything recorded so far.
  void flush();
  // Stops the flusher, writes what is left and closes the file; idempotent.
  void close();
  std::uint64_t events_written() const { return written_; }

 private:
  void flush_locked();
  std::mutex mutex_;  // guards buffers_, file_ and the flusher's state
  std::condition_variable wake_;
  std::vector<std::unique_ptr<Buffer>> buffers_;
  std::FILE* file_ = nullptr;
  std::string line_;
  std::vector<Event> batch_;
  std::uint64_t written_ = 0;
  bool stopping_ = false;
  std::thread flusher_;
};

// What reading a history found besides its events.
struct HistoryRead {
  std::uint64_t events = 0;
  // The last line, when a crash tore it (no newline, not an event): it was
  // skipped, and the event on it is lost. 0: none.
  std::uint64_t torn_line = 0;
};

// Reads history.jsonl line by line, calling on_event(event, line number)
// for each event (blank lines are skipped). An error naming the file and
// the line number on the first line that is not an event (a torn last
// line, as a crash leaves it, is skipped and reported in HistoryRead), or
// when the file cannot be read.
//
// Reading and parsing run on a thread of its own; on_event is called on
// the caller's thread.
template <class OnEvent>
Expected<HistoryRead> read_history_lines(const std::string& path, OnEvent&& on_event);

// The same, for a caller that needs neither line numbers nor the torn line.
template <class OnEvent>
Expected<void> read_history(const std::string& path, OnEvent&& on_event);

Expected<HistoryRead> read_history_file(const std::string& path,
                                        void (*on_event)(const Event&, std::uint64_t, void*),
                                        void* context);

template <class OnEvent>
Expected<HistoryRead> read_history_lines(const std::string& path, OnEvent&& on_event) {
  return read_history_file(
      path,
      [](const Event& e, std::uint64_t line, void* ctx) {
        (*static_cast<std::remove_reference_t<OnEvent>*>(ctx))(e, line);
      },
      &on_event);
}

template <class OnEvent>
Expected<void> read_history(const std::string& path, OnEvent&& on_event) {
  auto read = read_history_lines(path, [&on_event](const Event& e, std::uint64_t) { on_event(e); });
  if (!read) return unexpected(read.take_error());
  return {};
}

}  // namespace drover
