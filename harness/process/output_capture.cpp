#include "harness/process/output_capture.hpp"

#include "harness/core/regex.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <string_view>

namespace drover {
namespace {

using namespace std::chrono_literals;

// How long one poll() may block: the reader checks for a stop request this often.
constexpr int kPollTimeoutMs = 50;
// After a stop request, how long the reader keeps draining a pipe that still
// has data: a grandchild outside the process group may hold it open and keep
// writing, and the reader must end anyway.
constexpr auto kDrainLimit = 1s;

void write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // a full disk must not stop the capture; the lines are still kept
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) reset(other.release());
  return *this;
}

void UniqueFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

struct OutputCapture::Stream {
  UniqueFd pipe;
  UniqueFd log;
  bool is_stdout = false;
  std::string partial;  // bytes after the last '\n'
};

OutputCapture::OutputCapture(UniqueFd stdout_pipe, UniqueFd stderr_pipe, UniqueFd stdout_log,
                             UniqueFd stderr_log)
    : out_(std::make_unique<Stream>(
          Stream{std::move(stdout_pipe), std::move(stdout_log), true, {}})),
      err_(std::make_unique<Stream>(
          Stream{std::move(stderr_pipe), std::move(stderr_log), false, {}})) {
  latest_base_ = kFirstStdoutLines;
  reader_ = std::thread([this] { run(); });
}

OutputCapture::~OutputCapture() {
  finish();
}

void OutputCapture::finish() {
  {
    std::lock_guard lock(mutex_);
    if (!stop_requested_) {
      stop_requested_ = true;
      stop_requested_at_ = Clock::now();
    }
  }
  if (reader_.joinable()) reader_.join();
}

void OutputCapture::run() {
  Stream* streams[2] = {out_.get(), err_.get()};
  for (;;) {
    pollfd fds[2];
    int open = 0;
    for (int i = 0; i < 2; ++i) {
      // A negative fd is skipped by poll(): a closed stream stays in its slot.
      fds[i] = pollfd{streams[i]->pipe.get(), POLLIN, 0};
      if (fds[i].fd >= 0) ++open;
    }
    if (open == 0) break;
    int n = ::poll(fds, 2, kPollTimeoutMs);
    if (n < 0 && errno != EINTR) break;

    bool stopping;
    TimePoint stop_at;
    {
      std::lock_guard lock(mutex_);
      stopping = stop_requested_;
      stop_at = stop_requested_at_;
    }
    // Nothing buffered after a stop request: everything written is drained.
    if (n == 0 && stopping) break;
    for (int i = 0; n > 0 && i < 2; ++i) {
      if (fds[i].revents != 0) read_chunk(*streams[i]);
    }
    if (stopping && Clock::now() - stop_at > kDrainLimit) break;
  }

  std::lock_guard lock(mutex_);
  for (Stream* s : streams) {
    if (!s->partial.empty()) add_line(s->is_stdout, std::move(s->partial));
    s->partial.clear();
    s->pipe.reset();
  }
  stdout_ended_ = true;
  changed_.notify_all();
}

void OutputCapture::read_chunk(Stream& stream) {
  char buffer[64 * 1024];
  ssize_t n = ::read(stream.pipe.get(), buffer, sizeof buffer);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  // Straight to the log, unbuffered: a log is as current as the pipe.
  if (n > 0) write_all(stream.log.get(), buffer, static_cast<std::size_t>(n));

  std::lock_guard lock(mutex_);
  if (n <= 0) {  // end of file: every writer has closed the pipe
    if (!stream.partial.empty()) add_line(stream.is_stdout, std::move(stream.partial));
    stream.partial.clear();
    stream.pipe.reset();
    if (stream.is_stdout) stdout_ended_ = true;
    changed_.notify_all();
    return;
  }
  std::string_view data(buffer, static_cast<std::size_t>(n));
  while (!data.empty()) {
    auto newline = data.find('\n');
    if (newline == std::string_view::npos) {
      stream.partial.append(data);
      if (stream.partial.size() >= kMaxLineBytes) {
        add_line(stream.is_stdout, std::move(stream.partial));
        stream.partial.clear();
      }
      break;
    }
    stream.partial.append(data.substr(0, newline));
    if (!stream.partial.empty() && stream.partial.back() == '\r') stream.partial.pop_back();
    add_line(stream.is_stdout, std::move(stream.partial));
    stream.partial.clear();
    data.remove_prefix(newline + 1);
  }
}

void OutputCapture::add_line(bool is_stdout, std::string line) {
  if (!is_stdout) {
    stderr_lines_.push_back(std::move(line));
    if (stderr_lines_.size() > kStderrLines) stderr_lines_.pop_front();
    return;
  }
  // A line longer than kReadyLineBytes is no ready line: a kept line needs
  // no more, and one byte past them says it went on.
  if (line.size() > kReadyLineBytes + 1) {
    line.resize(kReadyLineBytes + 1);
    line.shrink_to_fit();
  }
  if (first_stdout_.size() < kFirstStdoutLines) {
    first_stdout_.push_back(std::move(line));
  } else {
    latest_stdout_.push_back(std::move(line));
    if (latest_stdout_.size() > kLatestStdoutLines) {
      latest_stdout_.pop_front();
      ++latest_base_;
    }
  }
  ++stdout_count_;
  changed_.notify_all();
}

const std::string* OutputCapture::stdout_line(std::size_t index) const {
  if (index < first_stdout_.size()) return &first_stdout_[index];
  if (index >= latest_base_ && index - latest_base_ < latest_stdout_.size()) {
    return &latest_stdout_[index - latest_base_];
  }
  return nullptr;
}

OutputCapture::Scan OutputCapture::scan_stdout(const Regex& re, std::size_t* next,
                                               TimePoint until) {
  std::unique_lock lock(mutex_);
  for (;;) {
    while (*next < stdout_count_) {
      // Lines between the first and the latest ones were dropped: skip them.
      if (*next >= first_stdout_.size() && *next < latest_base_) *next = latest_base_;
      const std::string* line = stdout_line(*next);
      ++*next;
      if (line && is_ready_line(*line, re)) return Scan{*line, stdout_ended_};
    }
    if (stdout_ended_ || Clock::now() >= until) return Scan{std::nullopt, stdout_ended_};
    changed_.wait_until(lock, until);
  }
}

std::string OutputCapture::stderr_tail(std::size_t max_lines) {
  std::lock_guard lock(mutex_);
  std::size_t start = stderr_lines_.size() > max_lines ? stderr_lines_.size() - max_lines : 0;
  std::string tail;
  for (std::size_t i = start; i < stderr_lines_.size(); ++i) {
    if (!tail.empty()) tail += '\n';
    tail += stderr_lines_[i];
  }
  return tail;
}

}  // namespace drover
