#include <stdexcept>

#include "harness/drivers/driver.hpp"
#include "harness/drivers/endpoint.hpp"
#include "harness/drivers/http_driver.hpp"
#include "harness/drivers/tcp_driver.hpp"
#include "harness/drivers/udp_driver.hpp"
#include "harness/drivers/workload_drivers.hpp"

namespace drover {

DriverPtr make_driver(const FleetSpec& fleet, Protocol protocol, const std::string& address,
                      QueueProducers& producers, const DataCatalog& data,
                      HttpStreamMaker http_streams) {
  auto target = resolve_endpoint(address);
  if (!target) {
    throw std::invalid_argument("fleet \"" + fleet.name + "\": target address \"" + address +
                                "\" is not host:port");
  }
  // Validation matched each workload to its target's protocol, and allowed
  // a mix of ops only for echo.
  switch (fleet.first_op().workload) {
    case Workload::kEcho:
      if (protocol == Protocol::kHttp)
        return make_http_driver(fleet.ops, *target, address, data, std::move(http_streams));
      return protocol == Protocol::kUdp ? make_udp_driver(fleet.ops, *target, data)
                                        : make_tcp_driver(fleet.ops, *target, data);
    case Workload::kBuy:
      return make_tickets_driver(fleet.first_op(), *target);
    case Workload::kProduce:
    case Workload::kConsume:
      return make_queue_driver(fleet.first_op(), *target, producers);
    case Workload::kSubmit:
      return make_pool_driver(fleet.first_op(), *target);
  }
  throw std::invalid_argument("unknown workload");
}

}  // namespace drover
