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

// Events parsed from history.jsonl, with the line each came from.
struct Batch {
  std::vector<Event> events;
  std::vector<std::uint64_t> lines;
  std::size_t size = 0;
};

bool blank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

// Parses history.jsonl into batches of events. Runs on its own thread
// while the caller checks the previous batch: parsing and checking each
// take seconds on ten million operations, so they overlap.
class BatchReader {
 public:
  static constexpr std::size_t kBatch = 8192;
  static constexpr std::size_t kInFlight = 4;

  explicit BatchReader(std::FILE* file) : file_(file) {
    for (std::size_t i = 0; i < kInFlight; ++i) {
      free_.push_back(Batch{std::vector<Event>(kBatch), std::vector<std::uint64_t>(kBatch), 0});
    }
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

  // The next batch, or false at the end. batch: the one the caller is done
  // with (empty the first time).
  bool next(Batch& batch) {
    std::unique_lock lock(mutex_);
    if (!batch.events.empty()) {
      free_.push_back(std::move(batch));
      changed_.notify_all();
    }
    changed_.wait(lock, [this] { return !full_.empty() || finished_; });
    if (full_.empty()) return false;
    batch = std::move(full_.front());
    full_.erase(full_.begin());
    changed_.notify_all();
    return true;
  }
  // After next() returned false: what went wrong, and the line torn by a
  // crash (0: none).
  const std::string& error() const { return error_; }
  std::uint64_t torn_line() const { return torn_line_; }

 private:
  // One line: into the batch, or the error. False to stop reading.
  bool take_line(std::string_view line, bool last_without_newline) {
    ++line_number_;
    if (line.empty() || blank(line)) return true;
    Expected<void> parsed = parse_event_json(line, batch_.events[batch_.size]);
    if (!parsed) {
      // A torn last line is what a crash leaves: skip it, keep the rest.
      if (last_without_newline) {
        torn_line_ = line_number_;
      } else {
        error_ = std::to_string(line_number_) + ": " + parsed.error();
      }
      return false;
    }
    batch_.lines[batch_.size] = line_number_;
    if (++batch_.size < kBatch) return true;
    hand_over();
    return take_free();
  }

  // Every whole line in the buffer; the start of the next, partial one.
  // False to stop reading.
  bool take_lines(bool eof, std::size_t& start) {
    while (start < filled_) {
      char* begin = buffer_.data() + start;
      auto* newline = static_cast<char*>(std::memchr(begin, '\n', filled_ - start));
      if (!newline && !eof) break;
      // A last line without its newline: a crash mid-write, or an editor.
      std::size_t length = newline ? static_cast<std::size_t>(newline - begin) : filled_ - start;
      if (!take_line({begin, length}, !newline)) return false;
      start += length + (newline ? 1 : 0);
    }
    return true;
  }

  void run() {
    bool ok = take_free();
    while (ok) {
      std::size_t n = std::fread(buffer_.data() + filled_, 1, buffer_.size() - filled_, file_);
      filled_ += n;
      bool eof = n == 0;
      std::size_t start = 0;
      ok = take_lines(eof, start) && !eof;
      std::memmove(buffer_.data(), buffer_.data() + start, filled_ - start);
      filled_ -= start;
      if (filled_ == buffer_.size()) buffer_.resize(buffer_.size() * 2);  // a very long line
    }
    if (error_.empty() && batch_.size > 0) hand_over();
    std::lock_guard lock(mutex_);
    finished_ = true;
    changed_.notify_all();
  }

  bool take_free() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return !free_.empty() || abandoned_; });
    if (abandoned_) return false;
    batch_ = std::move(free_.back());
    free_.pop_back();
    batch_.size = 0;
    return true;
  }

  void hand_over() {
    std::lock_guard lock(mutex_);
    full_.push_back(std::move(batch_));
    batch_.size = 0;
    changed_.notify_all();
  }

  std::FILE* file_;
  // The reading thread's own.
  std::vector<char> buffer_ = std::vector<char>(1 << 20);
  std::size_t filled_ = 0;
  std::uint64_t line_number_ = 0;
  Batch batch_;
  std::uint64_t torn_line_ = 0;
  std::string error_;
  // Shared with the caller's thread.
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Batch> free_;
  std::vector<Batch> full_;
  bool finished_ = false;
  bool abandoned_ = false;
  std::thread thread_;
};

}  // namespace

Expected<HistoryRead> read_history_file(const std::string& path,
                                        void (*on_event)(const Event&, std::uint64_t, void*),
                                        void* context) {
  std::FILE* file = std::fopen(path.c_str(), "r");
  if (!file) return unexpected("cannot read " + path + ": " + std::strerror(errno));
  std::string error;
  HistoryRead read;
  {
    BatchReader reader(file);
    Batch batch;
    while (reader.next(batch)) {
      for (std::size_t i = 0; i < batch.size; ++i)
        on_event(batch.events[i], batch.lines[i], context);
      read.events += batch.size;
    }
    error = reader.error();
    read.torn_line = reader.torn_line();
  }
  std::fclose(file);
  if (!error.empty()) return unexpected(path + ":" + error);
  return read;
}

}  // namespace drover
