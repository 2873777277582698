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

bool read_history_file(const std::string& path, void (*on_event)(const Event&, void*),
                       void* context, std::string* error) {
  std::FILE* file = std::fopen(path.c_str(), "r");
  if (!file) {
    if (error) *error = "cannot read " + path + ": " + std::strerror(errno);
    return false;
  }
  // Large reads and in-place line splitting: a history may hold tens of
  // millions of lines.
  std::vector<char> buffer(1 << 20);
  std::size_t filled = 0;
  std::uint64_t line_number = 0;
  Event event;
  std::string parse_error;
  bool ok = true;
  for (;;) {
    std::size_t n = std::fread(buffer.data() + filled, 1, buffer.size() - filled, file);
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
        if (!parse_event_json(line, event, &parse_error)) {
          // A torn last line is what a crash leaves: skip it, keep the rest.
          if (!(eof && !newline)) {
            if (error) *error = path + ":" + std::to_string(line_number) + ": " + parse_error;
            ok = false;
          }
          break;
        }
        on_event(event, context);
      }
      start += length + (newline ? 1 : 0);
      if (start >= filled) break;
    }
    if (!ok) break;
    std::memmove(buffer.data(), buffer.data() + start, filled - start);
    filled -= std::min(start, filled);
    if (eof) break;
    if (filled == buffer.size()) buffer.resize(buffer.size() * 2);  // a very long line
  }
  std::fclose(file);
  return ok;
}

}  // namespace drover
