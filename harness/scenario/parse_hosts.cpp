// "hosts": the SSH hosts targets can be placed on. Only where to find
// secrets is read (a variable's name, a file's path): a secret written into
// the scenario is an error, so it never reaches a run folder or a log.
#include <arpa/inet.h>

#include <algorithm>
#include <cstdlib>

#include <fmt/format.h>

#include "harness/scenario/parse_sections.hpp"

namespace drover::scenario_json {
namespace {

using namespace std::chrono_literals;

bool is_literal_address(const std::string& text) {
  if (text == "localhost") return true;
  unsigned char buffer[16];
  return inet_pton(AF_INET, text.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

// "~/x" under $HOME, a relative path under the scenario's folder.
std::string file_path(const std::string& text, const ParseContext& ctx) {
  std::filesystem::path path = text;
  if (text == "~" || text.starts_with("~/")) {
    const char* home = std::getenv("HOME");
    path = std::filesystem::path(home != nullptr ? home : "/") /
           text.substr(std::min<std::size_t>(2, text.size()));
  } else if (path.is_relative()) {
    path = ctx.folder / path;
  }
  return path.lexically_normal().string();
}

std::optional<std::string> read_path(ObjectReader& r, std::string_view key,
                                     const ParseContext& ctx) {
  std::optional<std::string> text = r.string(key, Need::kOptional);
  if (!text) return std::nullopt;
  if (text->empty()) {
    r.problems().at(r.at(key), "must not be empty");
    return std::nullopt;
  }
  return file_path(*text, ctx);
}

std::optional<std::string> read_variable_name(ObjectReader& r, std::string_view key) {
  std::optional<std::string> name = r.string(key, Need::kOptional);
  if (name && (name->empty() || name->find('=') != std::string::npos)) {
    r.problems().at(r.at(key), "is not an environment variable name");
    return std::nullopt;
  }
  return name;
}

// Where one secret (password, passphrase) is found: a variable or a file,
// not both; empty when not given.
struct SecretSource {
  std::string env;
  std::string file;
};

SecretSource read_secret(ObjectReader& r, const std::string& secret, const ParseContext& ctx) {
  if (r.has(secret)) {
    r.problems().at(r.at(secret),
                    fmt::format("secrets never go into a scenario: give \"{0}_env\" (an "
                                "environment variable's name) or \"{0}_file\" (a file's path)",
                                secret));
  }
  const std::string env_key = secret + "_env", file_key = secret + "_file";
  if (r.has(env_key) && r.has(file_key)) {
    r.problems().at(r.at(file_key),
                    fmt::format("give at most one of \"{}\" and \"{}\"", env_key, file_key));
  }
  return {read_variable_name(r, env_key).value_or(""), read_path(r, file_key, ctx).value_or("")};
}

void parse_auth(const Json& value, const std::string& at, const ParseContext& ctx,
                RemoteHostSpec& host) {
  ObjectReader r(ctx.problems, value, at, format::auth().known_keys());
  if (!r.ok()) return;
  host.key_file = read_path(r, "key_file", ctx).value_or("");
  SecretSource passphrase = read_secret(r, "passphrase", ctx);
  host.passphrase_env = passphrase.env;
  host.passphrase_file = passphrase.file;
  SecretSource password = read_secret(r, "password", ctx);
  host.password_env = password.env;
  host.password_file = password.file;
  host.agent = r.boolean("agent", Need::kOptional).value_or(false);
  if ((r.has("passphrase_env") || r.has("passphrase_file")) && !r.has("key_file")) {
    ctx.problems.at(r.at("key_file"), "required with a passphrase (the key it unlocks)");
  }
  bool any = r.has("key_file") || r.has("password_env") || r.has("password_file") || host.agent ||
             (r.has("agent") && !r.get("agent")->is_boolean());
  if (!any && !r.had_unknown_keys() && !r.has("password")) {
    ctx.problems.at(at,
                    "needs at least one of \"key_file\", \"password_env\", \"password_file\" or "
                    "\"agent\": true");
  }
}

void parse_host(const Json& value, const std::string& at, ParseContext& ctx, RemoteHostSpec& host) {
  ObjectReader r(ctx.problems, value, at, format::host().known_keys());
  if (!r.ok()) return;
  if (std::optional<std::string> address = r.string("address", Need::kRequired)) {
    if (!is_literal_address(*address)) {
      ctx.problems.at(r.at("address"),
                      fmt::format("\"{}\" is not an IP address or \"localhost\" (names are not "
                                  "resolved, so a scenario means the same everywhere)",
                                  *address));
    }
    host.address = *address;
  }
  host.port =
      static_cast<int>(r.positive_integer("port", Need::kOptional, format::kMaxPort).value_or(22));
  if (std::optional<std::string> user = r.string("user", Need::kRequired)) {
    if (user->empty()) ctx.problems.at(r.at("user"), "must not be empty");
    host.user = *user;
  }
  if (const Json* auth = r.get("auth", Need::kRequired)) parse_auth(*auth, r.at("auth"), ctx, host);
  host.known_hosts = read_path(r, "known_hosts", ctx).value_or("");
  host.accept_new_host_key =
      r.choice("host_key_policy", Need::kOptional, {"strict", "accept-new"}) == "accept-new";
  host.connect_timeout =
      r.duration("connect_timeout", Need::kOptional, Zero::kRefused).value_or(10s);
}

}  // namespace

std::vector<RemoteHostSpec> parse_hosts(const Json& value, ParseContext& ctx) {
  std::vector<RemoteHostSpec> out;
  if (!value.is_object()) {
    ctx.problems.at("/hosts", "must be an object (host name -> how to reach it over SSH)");
    ctx.hosts_known = false;
    return out;
  }
  for (const auto& [name, spec] : value.items()) {
    std::string at = child("/hosts", name);
    if (!is_simple_name(name, format::kNameExtras)) {
      ctx.problems.at(at, "a host name must be 1 to 64 letters, digits, \"_\" or \"-\"");
    }
    ctx.hosts.push_back(name);
    RemoteHostSpec host;
    host.name = name;
    parse_host(spec, at, ctx, host);
    out.push_back(std::move(host));
  }
  return out;
}

}  // namespace drover::scenario_json

namespace drover::scenario_json {

Expected<void> ParseContext::check_host(const std::string& name) const {
  if (!hosts_known || std::find(hosts.begin(), hosts.end(), name) != hosts.end()) return {};
  std::string message = fmt::format("no host named \"{}\"", name);
  if (hosts.empty()) {
    message += " (declare it under \"hosts\")";
  } else if (std::optional<std::string> near = closest(name, hosts)) {
    message += fmt::format(" (did you mean \"{}\"?)", *near);
  } else {
    message += fmt::format(" (hosts: {})", joined(hosts));
  }
  return unexpected(std::move(message));
}

}  // namespace drover::scenario_json
