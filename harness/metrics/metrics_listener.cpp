#include "harness/metrics/metrics_listener.hpp"

#include <prometheus/exposer.h>

#include "harness/core/host_port.hpp"

namespace drover {

Expected<std::unique_ptr<MetricsListener>> MetricsListener::listen(
    const std::string& address, std::shared_ptr<RunCollector> collector) {
  if (!parse_host_port(address)) {
    return unexpected("'" + address + "' is not HOST:PORT (e.g. 127.0.0.1:9464)");
  }
  std::unique_ptr<MetricsListener> listener(new MetricsListener);
  try {
    // civetweb reads "1.2.3.4:9464" and "[::1]:9464", as parse_host_port
    // accepts them.
    listener->exposer_ = std::make_unique<prometheus::Exposer>(address, 2);
  } catch (const std::exception& e) {
    return unexpected("cannot listen on " + address + ": " + e.what());
  }
  listener->collector_ = std::move(collector);
  listener->exposer_->RegisterCollectable(listener->collector_);
  return listener;
}

MetricsListener::~MetricsListener() = default;

int MetricsListener::port() const {
  std::vector<int> ports = exposer_->GetListeningPorts();
  return ports.empty() ? 0 : ports.front();
}

}  // namespace drover
