#include "harness/history/history_log.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

namespace drover {

constexpr auto kFlushInterval = std::chrono::milliseconds(100);

void HistoryLog::Buffer::record(const Event& event) {
  std::lock_guard lock(mutex_);
  pending_.push_back(event);
  ++recorded_;
}

HistoryLog::HistoryLog(const std::string& path) {
  file_ = std::fopen(path.c_str(), "w");
  if (!file_) throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
  flusher_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      wake_.wait_for(lock, kFlushInterval);
      flush_locked();
    }
  });
}

HistoryLog::~HistoryLog() {
  close();
}

HistoryLog::Buffer& HistoryLog::new_buffer() {
  std::lock_guard lock(mutex_);
  buffers_.push_back(std::make_unique<Buffer>());
  return *buffers_.back();
}

void HistoryLog::flush() {
  std::lock_guard lock(mutex_);
  flush_locked();
}

void HistoryLog::flush_locked() {
  if (!file_) return;
  batch_.clear();
  for (auto& b : buffers_) {
    std::lock_guard lock(b->mutex_);
    std::move(b->pending_.begin(), b->pending_.end(), std::back_inserter(batch_));
    b->pending_.clear();
  }
  if (batch_.empty()) return;
  std::stable_sort(batch_.begin(), batch_.end(),
                   [](const Event& a, const Event& b) { return a.time_ns < b.time_ns; });
  line_.clear();
  for (const Event& e : batch_) {
    append_event_json(line_, e);
    line_ += '\n';
  }
  std::fwrite(line_.data(), 1, line_.size(), file_);
  std::fflush(file_);
  written_ += batch_.size();
}

void HistoryLog::close() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !file_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (flusher_.joinable()) flusher_.join();
  std::lock_guard lock(mutex_);
  flush_locked();
  if (file_) std::fclose(file_);
  file_ = nullptr;
}

namespace {

// Parses history.jsonl into batches of events. Runs on its own thread
// while the caller checks the previous batch: parsing and checking each
// take seconds on ten million operations, so they overlap.
class BatchReader {
 public:
  static constexpr std::size_t kBatch = 8192;
  static constexpr std::size_t kInFlight = 4;

  explicit BatchReader(std::FILE* file) : file_(file) {
    for (std::size_t i = 0; i < kInFlight; ++i) free_.push_back(std::vector<Event>(kBatch));
    thread_ = std::thread([this] { run(); });
  }
  ~BatchReader() {
    {
      std::lock_guard lock(mutex_);
      abandoned_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }

  // The next batch (size events in it), or false at the end.
  bool next(std::vector<Event>& batch, std::size_t& size) {
    std::unique_lock lock(mutex_);
    if (!batch.empty()) {
      free_.push_back(std::move(batch));
      changed_.notify_all();
    }
    changed_.wait(lock, [this] { return !full_.empty() || finished_; });
    if (full_.empty()) return false;
    batch = std::move(full_.front().first);
    size = full_.front().second;
    full_.erase(full_.begin());
    changed_.notify_all();
    return true;
  }
  const std::string& error() const { return error_; }

 private:
  void run() {
    std::vector<char> buffer(1 << 20);
    std::size_t filled = 0;
    std::uint64_t line_number = 0;
    std::vector<Event> batch;
    std::size_t size = 0;
    auto take_free = [&]() -> bool {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [this] { return !free_.empty() || abandoned_; });
      if (abandoned_) return false;
      batch = std::move(free_.back());
      free_.pop_back();
      size = 0;
      return true;
    };
    auto hand_over = [&] {
      std::lock_guard lock(mutex_);
      full_.emplace_back(std::move(batch), size);
      changed_.notify_all();
    };
    bool ok = take_free();
    while (ok) {
      std::size_t n = std::fread(buffer.data() + filled, 1, buffer.size() - filled, file_);
      filled += n;
      bool eof = n == 0;
      std::size_t start = 0;
      for (;;) {
        char* begin = buffer.data() + start;
        auto* newline = static_cast<char*>(std::memchr(begin, '\n', filled - start));
        std::size_t length;
        if (newline) {
          length = static_cast<std::size_t>(newline - begin);
        } else if (eof && start < filled) {
          length = filled - start;  // a last line without its newline (a crash mid-write)
        } else {
          break;
        }
        ++line_number;
        std::string_view line(begin, length);
        if (!line.empty()) {
          Expected<void> parsed = parse_event_json(line, batch[size]);
          if (!parsed) {
            // A torn last line is what a crash leaves: skip it, keep the rest.
            if (!(eof && !newline)) {
              error_ = std::to_string(line_number) + ": " + parsed.error();
              ok = false;
            }
            break;
          }
          if (++size == kBatch) {
            hand_over();
            if (!take_free()) {
              ok = false;
              break;
            }
          }
        }
        start += length + (newline ? 1 : 0);
        if (start >= filled) break;
      }
      if (!ok || eof) break;
      std::memmove(buffer.data(), buffer.data() + start, filled - start);
      filled -= std::min(start, filled);
      if (filled == buffer.size()) buffer.resize(buffer.size() * 2);  // a very long line
    }
    if (ok && size > 0) hand_over();
    std::lock_guard lock(mutex_);
    finished_ = true;
    changed_.notify_all();
  }

  std::FILE* file_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::vector<Event>> free_;
  std::vector<std::pair<std::vector<Event>, std::size_t>> full_;
  bool finished_ = false;
  bool abandoned_ = false;
  std::string error_;
  std::thread thread_;
};

}  // namespace

Expected<void> read_history_file(const std::string& path, void (*on_event)(const Event&, void*),
                                 void* context) {
  std::FILE* file = std::fopen(path.c_str(), "r");
  if (!file) return unexpected("cannot read " + path + ": " + std::strerror(errno));
  std::string error;
  {
    BatchReader reader(file);
    std::vector<Event> batch;
    std::size_t size = 0;
    while (reader.next(batch, size)) {
      for (std::size_t i = 0; i < size; ++i) on_event(batch[i], context);
    }
    error = reader.error();
  }
  std::fclose(file);
  if (!error.empty()) return unexpected(path + ":" + error);
  return {};
}

}  // namespace drover
