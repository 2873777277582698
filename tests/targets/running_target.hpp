// A reference target started by its own test from <build>/targets/, its
// READY line read (3 s at most): "READY udp ..." for udp_echo, "READY tcp
// ..." for the others. Killed and reaped with its group when the test ends,
// pass or fail (TestProcess). Not thread-safe: one test thread owns it.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/loopback.hpp"
#include "tests/targets/target_process.hpp"

namespace drover::test {

class RunningTarget {
 public:
  RunningTarget(const std::string& name, const std::vector<std::string>& flags) {
    std::vector<std::string> argv{std::string(DROVER_TARGETS_DIR) + "/" + name};
    argv.insert(argv.end(), flags.begin(), flags.end());
    process_ = std::make_unique<TestProcess>(argv);
    ready_line_ = process_->read_line(std::chrono::milliseconds(3000)).value_or("(no line)");
    endpoint_ = parse_ready(ready_line_, name == "udp_echo" ? "udp" : "tcp");
  }
  bool ready() const { return endpoint_.has_value(); }
  // What the target said, for assertion messages.
  std::string said() { return "stdout: " + ready_line_ + "\nstderr: " + process_->stderr_text(); }
  const Endpoint& endpoint() const { return *endpoint_; }
  TestProcess& process() { return *process_; }
  pid_t pid() const { return process_->pid(); }

 private:
  std::unique_ptr<TestProcess> process_;
  std::string ready_line_;
  std::optional<Endpoint> endpoint_;
};

}  // namespace drover::test
