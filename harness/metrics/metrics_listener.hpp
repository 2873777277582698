// --metrics-listen: serves the collector's figures on http://HOST:PORT/metrics
// (prometheus-cpp's Exposer) for as long as it lives.
#pragma once

#include <memory>
#include <string>

#include "harness/core/expected.hpp"
#include "harness/metrics/run_metrics.hpp"

namespace prometheus {
class Exposer;
}

namespace drover {

class MetricsListener {
 public:
  // Binds address ("127.0.0.1:9464", "[::1]:9464"); on a malformed address
  // or one that cannot be bound, returns the reason and nothing listens.
  static Expected<std::unique_ptr<MetricsListener>> listen(const std::string& address,
                                                           std::shared_ptr<RunCollector> collector);
  ~MetricsListener();
  int port() const;

 private:
  MetricsListener() = default;
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::shared_ptr<RunCollector> collector_;
};

}  // namespace drover
