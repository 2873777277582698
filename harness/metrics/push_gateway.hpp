// --push-gateway: pushes the collector's figures to a Prometheus Pushgateway
// under job "drover", grouped by scenario and run (the run folder's name),
// every interval while the run goes and once more at its end.
//
// prometheus-cpp 1.0's Gateway::Push has no timeout, so every push runs on
// a detached thread that owns what it uses; the caller waits for at most
// the deadline and a hung Pushgateway never holds up the run.
//
// Thread-safety: one owner thread calls push_final() and the destructor.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <variant>

#include "harness/core/clock.hpp"
#include "harness/metrics/run_metrics.hpp"

namespace drover {

struct PushTarget {
  std::string url;  // "http://127.0.0.1:9091"
  std::string scenario;
  std::string run;
};

// "http://host:port" (or https); the reason when it is not.
std::optional<std::string> check_push_gateway_url(const std::string& url);

class MetricsPusher {
 public:
  MetricsPusher(const PushTarget& target, std::shared_ptr<RunCollector> collector,
                Duration interval, Duration deadline);
  ~MetricsPusher();  // stops the periodic pushes; never waits for a hung one
  MetricsPusher(const MetricsPusher&) = delete;
  MetricsPusher& operator=(const MetricsPusher&) = delete;

  // Stops the periodic pushes and pushes the latest figures, waiting at
  // most the deadline. Returns why it failed, if it did.
  std::optional<std::string> push_final();

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace drover
