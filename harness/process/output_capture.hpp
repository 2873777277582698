// Captures a started process's stdout and stderr: one reader thread per
// process appends every chunk to its log file as it arrives (so a log is
// current even if drover dies), keeps stdout lines for readiness waits (each
// to the length a ready regex reads) and the last stderr
// lines for error messages.
//
// Thread-safe: the reader thread writes, any thread may query; finish() and
// the destructor must not race with each other.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "harness/core/clock.hpp"
#include "harness/core/regex.hpp"

namespace drover {

// Owns a file descriptor; closes it once.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

class OutputCapture {
 public:
  // Stdout lines kept from the start, and again the latest ones after that:
  // a ready line is usually early, but a chatty server may print it late.
  static constexpr std::size_t kFirstStdoutLines = 1000;
  static constexpr std::size_t kLatestStdoutLines = 1000;
  static constexpr std::size_t kStderrLines = 200;
  // A "line" longer than this is cut, so a stream without newlines cannot
  // grow memory; a remote target's lines are cut the same.
  static constexpr std::size_t kMaxLineBytes = 64 * 1024;
  // A stdout line longer than this is never a ready line, here and on SSH
  // hosts: ready lines are short, so a kept line needs no more, and a target
  // printing long lines costs little memory.
  static constexpr std::size_t kReadyLineBytes = 4096;
  static bool is_ready_line(std::string_view line, const Regex& re) {
    return line.size() <= kReadyLineBytes && regex_search_in(line, re);
  }

  // Takes the read ends of the pipes and the opened log files, and starts
  // the reader thread.
  OutputCapture(UniqueFd stdout_pipe, UniqueFd stderr_pipe, UniqueFd stdout_log,
                UniqueFd stderr_log);
  ~OutputCapture();  // finish()
  OutputCapture(const OutputCapture&) = delete;
  OutputCapture& operator=(const OutputCapture&) = delete;

  struct Scan {
    std::optional<std::string> line;  // the first line matching, if any
    bool stdout_ended = false;        // no more stdout lines will come
  };
  // Looks for a ready line matching re among stdout lines with index >= *next
  // (0: from the start), waiting until `until` for new ones. Advances *next
  // past the lines it has seen. A longer line comes cut to kReadyLineBytes + 1
  // bytes.
  Scan scan_stdout(const Regex& re, std::size_t* next, TimePoint until);

  // The last max_lines lines of stderr, joined with '\n'.
  std::string stderr_tail(std::size_t max_lines);

  // Stops the reader once the pipes are drained (or after a bound when a
  // grandchild keeps writing) and joins it. Idempotent.
  void finish();

 private:
  struct Stream;
  void run();
  void read_chunk(Stream& stream);
  void add_line(bool is_stdout, std::string line);
  const std::string* stdout_line(std::size_t index) const;  // mutex held

  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> first_stdout_;
  std::deque<std::string> latest_stdout_;
  std::size_t latest_base_ = 0;  // absolute index of latest_stdout_.front()
  std::size_t stdout_count_ = 0;
  bool stdout_ended_ = false;
  std::deque<std::string> stderr_lines_;
  bool stop_requested_ = false;
  TimePoint stop_requested_at_{};

  std::unique_ptr<Stream> out_, err_;
  std::thread reader_;
};

}  // namespace drover
