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

// Reads history.jsonl line by line, calling on_event for each. An error
// naming the file and the line number on the first malformed line (a torn
// last line, as a crash leaves it, is skipped), or when the file cannot be
// read.
template <class OnEvent>
Expected<void> read_history(const std::string& path, OnEvent&& on_event);

Expected<void> read_history_file(const std::string& path, void (*on_event)(const Event&, void*),
                                 void* context);

template <class OnEvent>
Expected<void> read_history(const std::string& path, OnEvent&& on_event) {
  return read_history_file(
      path, [](const Event& e, void* ctx) { (*static_cast<OnEvent*>(ctx))(e); }, &on_event);
}

}  // namespace drover
