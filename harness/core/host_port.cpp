#include "harness/core/host_port.hpp"

#include <charconv>

namespace drover {

std::optional<HostPort> parse_host_port(std::string_view address) {
  HostPort hp;
  std::string_view port_text;
  if (!address.empty() && address.front() == '[') {
    auto close = address.find(']');
    if (close == std::string_view::npos || close + 1 >= address.size() ||
        address[close + 1] != ':') {
      return std::nullopt;
    }
    hp.host = std::string(address.substr(1, close - 1));
    port_text = address.substr(close + 2);
  } else {
    auto colon = address.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    hp.host = std::string(address.substr(0, colon));
    if (hp.host.find(':') != std::string::npos) return std::nullopt;  // IPv6 needs brackets
    port_text = address.substr(colon + 1);
  }
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), hp.port);
  if (hp.host.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      hp.port < 1 || hp.port > 65535) {
    return std::nullopt;
  }
  return hp;
}

}  // namespace drover
