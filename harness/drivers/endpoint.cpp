#include "harness/drivers/endpoint.hpp"

#include "harness/core/host_port.hpp"

namespace drover {

std::optional<Endpoint> resolve_endpoint(std::string_view host_port) {
  auto parsed = parse_host_port(host_port);
  if (!parsed) return std::nullopt;
  std::string host = parsed->host == "localhost" ? "127.0.0.1" : parsed->host;
  boost::system::error_code error;
  auto address = asio::ip::make_address(host, error);
  if (error) return std::nullopt;
  return Endpoint{address, static_cast<std::uint16_t>(parsed->port)};
}

}  // namespace drover
