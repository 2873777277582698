// A process's memory as the kernel counts it, from /proc/<pid>/status: its
// peak resident set (VmHWM) is the kernel's own high-water mark, so a sampler
// that reads it every 100 ms misses only a peak in the last 100 ms before
// the process exits (its status then has no memory lines).
//
// Thread-safe: RssSampler's thread writes atomics the test reads.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <optional>
#include <string>
#include <thread>

namespace drover::test {

// Under AddressSanitizer most of a process's memory is the sanitizer's own
// (shadow memory, a quarantine of freed blocks up to 256 MB): a limit on it
// says nothing there, so tests check memory limits in the normal build only
// (ci/test runs both).
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kMemoryIsMeasured = false;
#else
inline constexpr bool kMemoryIsMeasured = true;
#endif

// A "Name: 123 kB" line of /proc/<pid>/status, in kB; nullopt once the
// process is gone or a zombie (whose status has no memory lines).
inline std::optional<long> status_kb(int pid, const std::string& name) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name + ":", 0) == 0) return std::stol(line.substr(name.size() + 1));
  }
  return std::nullopt;
}

// Samples a process's memory until stop() is called.
class RssSampler {
 public:
  explicit RssSampler(int pid)
      : thread_([this, pid] {
          while (!done_) {
            if (auto hwm = status_kb(pid, "VmHWM")) peak_kb_ = std::max<long>(peak_kb_, *hwm);
            if (auto rss = status_kb(pid, "VmRSS")) max_rss_kb_ = std::max<long>(max_rss_kb_, *rss);
            ++samples_;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
          }
        }) {}
  ~RssSampler() { stop(); }
  void stop() {
    done_ = true;
    if (thread_.joinable()) thread_.join();
  }
  double peak_mb() const { return static_cast<double>(peak_kb_) / 1024; }
  double max_rss_mb() const { return static_cast<double>(max_rss_kb_) / 1024; }
  int samples() const { return samples_; }

 private:
  std::atomic<bool> done_{false};
  std::atomic<long> peak_kb_{0}, max_rss_kb_{0};
  std::atomic<int> samples_{0};
  std::thread thread_;
};

}  // namespace drover::test
