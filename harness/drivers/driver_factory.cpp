#include <stdexcept>

#include "harness/drivers/driver.hpp"
#include "harness/drivers/endpoint.hpp"
#include "harness/drivers/tcp_driver.hpp"
#include "harness/drivers/udp_driver.hpp"

namespace drover {

DriverPtr make_driver(const FleetSpec& fleet, Protocol protocol, const std::string& address) {
  auto target = resolve_endpoint(address);
  if (!target) {
    throw std::invalid_argument("fleet \"" + fleet.name + "\": target address \"" + address +
                                "\" is not host:port");
  }
  switch (protocol) {
    case Protocol::kUdp:
      return make_udp_driver(fleet.op, *target);
    case Protocol::kTcp:
      return make_tcp_driver(fleet.op, *target);
  }
  throw std::invalid_argument("unknown protocol");
}

}  // namespace drover
