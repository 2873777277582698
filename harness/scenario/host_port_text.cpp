// "host:port" in a scenario: the address fleets use and the ready probes.
#include <arpa/inet.h>

#include <algorithm>

#include <fmt/format.h>

#include "harness/scenario/parse_sections.hpp"

namespace drover::scenario_json {

Expected<void> check_host_port(std::string_view text, bool placeholder_allowed) {
  std::string_view host, port;
  if (!text.empty() && text.front() == '[') {
    std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return unexpected(fmt::format("\"{}\" is not host:port (e.g. \"[::1]:9000\")", text));
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    in6_addr v6;
    if (!inet_pton(AF_INET6, std::string(host).c_str(), &v6)) host = {};
  } else {
    std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      return unexpected(fmt::format("\"{}\" is not host:port (e.g. \"127.0.0.1:9000\")", text));
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    in_addr v4;
    if (host != "localhost" && !inet_pton(AF_INET, std::string(host).c_str(), &v4)) host = {};
  }
  if (host.empty()) {
    return unexpected(
        fmt::format("\"{}\": the host must be an IPv4 address, \"localhost\" or an IPv6 address in "
                    "brackets (\"[::1]\")",
                    text));
  }
  if (port == "{port}") {
    if (placeholder_allowed) return {};
    return unexpected(
        fmt::format("\"{}\": \"{{port}}\" is only for targets drover starts (\"command\")", text));
  }
  // No leading zero: "080" reads as octal to some tools and decimal to others.
  bool digits = !port.empty() && port.size() <= 5 && port.front() != '0' &&
                std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
  int number = digits ? std::stoi(std::string(port)) : 0;
  if (number < 1 || number > 65535) {
    return unexpected(fmt::format("\"{}\": the port must be a number from 1 to 65535{}", text,
                                  placeholder_allowed ? " or \"{port}\"" : ""));
  }
  return {};
}

Expected<ParsedUrl> parse_http_url(std::string_view text) {
  ParsedUrl url;
  std::size_t scheme_end = text.find("://");
  if (scheme_end != std::string_view::npos) url.scheme = std::string(text.substr(0, scheme_end));
  if (url.scheme != "http" && url.scheme != "https") {
    return unexpected(fmt::format(
        "\"{}\" is not an http:// or https:// url (e.g. \"http://127.0.0.1:8080/base\")", text));
  }
  std::string_view rest = text.substr(scheme_end + 3);
  std::size_t slash = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  if (!path.empty() && path.front() != '/')
    return unexpected(fmt::format("\"{}\": a base url has no query or fragment", text));
  while (path.ends_with('/')) path.remove_suffix(1);
  url.path = std::string(path);
  url.host = std::string(authority);
  // The host is as written, for Host and SNI; the address has a port.
  bool has_port = authority.ends_with(']') ? false : authority.rfind(':') != std::string_view::npos;
  url.address = has_port ? url.host : url.host + (url.scheme == "https" ? ":443" : ":80");
  if (Expected<void> ok = check_host_port(url.address, false); !ok)
    return unexpected(fmt::format("\"{}\": {}", text, ok.error()));
  return url;
}

}  // namespace drover::scenario_json
