// --push-gateway: pushes the collector's figures to a Prometheus Pushgateway
// under job "drover", grouped by scenario and run (the run folder's name),
// every interval while the run goes and once more at its end.
//
// prometheus-cpp 1.0's Gateway::Push has no timeout, so every push runs on
// a detached thread that owns what it uses; the caller waits for at most
// the deadline and a hung Pushgateway never holds up the run.
//
// A periodic push that fails is reported once, to the Notify given, from
// the pusher's own thread; never once push_final() or the destructor has
// begun. The final push's failure is push_final()'s result.
//
// Thread-safety: one owner thread calls push_final() and the destructor.
#pragma once

#include <memory>
#include <string>

#include "harness/core/clock.hpp"
#include "harness/core/expected.hpp"
#include "harness/core/notice.hpp"
#include "harness/metrics/run_metrics.hpp"

namespace drover {

struct PushTarget {
  std::string url;  // "http://127.0.0.1:9091"
  std::string scenario;
  std::string run;
};

// "http://host:port" (or https), with user information before the host
// or not ("http://user:password@host:port"); the reason when it is not,
// naming the URL as without_user_info() shows it.
Expected<void> check_push_gateway_url(const std::string& url);

// url without its user information, "http://host:port": the only form
// drover prints or stores (warnings, summaries, logs), since a password may
// be part of it. Everything up to the last '@' after the scheme goes.
std::string without_user_info(const std::string& url);

class MetricsPusher {
 public:
  MetricsPusher(const PushTarget& target, std::shared_ptr<RunCollector> collector,
                Duration interval, Duration deadline, Notify notify);
  ~MetricsPusher();  // stops the periodic pushes; never waits for a hung one
  MetricsPusher(const MetricsPusher&) = delete;
  MetricsPusher& operator=(const MetricsPusher&) = delete;

  // Stops the periodic pushes and pushes the latest figures, waiting at
  // most the deadline; why it failed, if it did.
  Expected<void> push_final();

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace drover
