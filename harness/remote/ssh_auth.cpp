// SshConnection's authentication: ssh-agent, a key file, a password, in
// that order, each only if the spec asks for it. Secrets are read just
// before use, never copied into messages, and wiped from memory afterwards.
// A file holding one that others than its owner may read is warned about,
// as OpenSSH does.
#include <libssh2.h>
#include <string.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>

#include <fmt/format.h>

#include "harness/remote/known_hosts.hpp"
#include "harness/remote/ssh_connection.hpp"

namespace drover {
namespace {

// A password or passphrase; its bytes are wiped when it goes.
// Copies, then wipes the source (a moved-from short string keeps its bytes).
class Secret {
 public:
  explicit Secret(std::string& source) : value_(source) { wipe(source); }
  Secret(Secret&& other) noexcept : value_(other.value_) { wipe(other.value_); }
  ~Secret() { wipe(value_); }
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;
  Secret& operator=(Secret&&) = delete;
  const std::string& value() const { return value_; }

 private:
  static void wipe(std::string& s) { ::explicit_bzero(s.data(), s.size()); }
  std::string value_;
};

std::string first_word(const std::string& text) {
  std::istringstream in(text);
  std::string word;
  in >> word;
  return word;
}

// The key type of a private key file (its own header, else its .pub); ""
// if neither tells.
std::string key_file_type(const std::string& key_file) {
  const Expected<std::string> key = read_text_file(key_file);
  std::string type = key ? private_key_type(*key) : "";
  if (type.empty() || type == "ecdsa") {
    const Expected<std::string> pub = read_text_file(key_file + ".pub");
    if (pub && !first_word(*pub).empty()) type = first_word(*pub);
  }
  return type;
}

constexpr const char* kRsaExplanation =
    "it is an RSA key, and libssh2 1.10 can sign only with ssh-rsa (SHA-1), which OpenSSH 8.8 "
    "and later refuse; use an ed25519 or ECDSA key instead (ssh-keygen -t ed25519)";

// The secret named by an environment variable or a file (first line, without
// its line end). Throws SshError naming the variable or file, never the value.
Secret read_secret(const std::string& label, const std::string& env, const std::string& file,
                   std::string_view what) {
  if (!env.empty()) {
    const char* value = std::getenv(env.c_str());
    if (value == nullptr) {
      throw SshError(fmt::format("{}: the {} variable ${} is not set", label, what, env));
    }
    std::string copy = value;
    return Secret(copy);
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw SshError(
        fmt::format("{}: cannot read the {} file {}: {}", label, what, file, std::strerror(errno)));
  }
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return Secret(line);
}

}  // namespace

void SshConnection::warn_if_unprotected(const std::string& path, std::string_view what) {
  if (std::optional<std::string> warning = unprotected_secret_file(path, what)) warn(*warning);
}

void SshConnection::authenticate(TimePoint deadline) {
  const std::string& user = spec_.user;
  auto* list =
      retry_open<char>([&] { return libssh2_userauth_list(session_, user.c_str(), user.size()); },
                       deadline, "asking for authentication methods");
  if (list == nullptr) {
    if (libssh2_userauth_authenticated(session_)) return;  // "none" was enough
    fail("cannot ask the server for its authentication methods");
  }
  const std::string offered = list;

  const SshAuth& auth = spec_.auth;
  std::vector<std::string> refusals;
  auto attempt = [&](bool configured, Expected<void> (SshConnection::*method)(TimePoint)) {
    if (!configured) return false;
    Expected<void> done = (this->*method)(deadline);
    if (!done) refusals.push_back(done.error());
    return done.has_value();
  };
  if (attempt(auth.agent, &SshConnection::try_agent) ||
      attempt(!auth.key_file.empty(), &SshConnection::try_key_file) ||
      attempt(!auth.password_env.empty() || !auth.password_file.empty(),
              &SshConnection::try_password)) {
    return;
  }
  if (refusals.empty()) {
    fail_plain("no authentication method configured (key file, password or ssh-agent)");
  }
  fail_plain(fmt::format("authentication failed: {} (the server offers: {})",
                         fmt::join(refusals, "; "), offered));
}

Expected<void> SshConnection::try_agent(TimePoint deadline) {
  if (std::getenv("SSH_AUTH_SOCK") == nullptr) {
    return unexpected("ssh-agent: SSH_AUTH_SOCK is not set");
  }
  LIBSSH2_AGENT* agent = libssh2_agent_init(session_);
  if (agent == nullptr) return unexpected("ssh-agent: " + last_error());
  std::unique_ptr<LIBSSH2_AGENT, void (*)(LIBSSH2_AGENT*)> free_agent(agent, [](LIBSSH2_AGENT* a) {
    libssh2_agent_disconnect(a);
    libssh2_agent_free(a);
  });
  if (libssh2_agent_connect(agent) != 0) {
    return unexpected("ssh-agent: cannot connect to $SSH_AUTH_SOCK: " + last_error());
  }
  if (retry([&] { return libssh2_agent_list_identities(agent); }, deadline,
            "listing ssh-agent keys") != 0) {
    return unexpected("ssh-agent: cannot list its keys: " + last_error());
  }
  libssh2_agent_publickey* identity = nullptr;
  libssh2_agent_publickey* previous = nullptr;
  int offered = 0;
  while (libssh2_agent_get_identity(agent, &identity, previous) == 0) {
    ++offered;
    int rc = retry([&] { return libssh2_agent_userauth(agent, spec_.user.c_str(), identity); },
                   deadline, "ssh-agent authentication");
    if (rc == 0) return {};
    previous = identity;
  }
  return unexpected(offered == 0
                        ? "ssh-agent holds no keys"
                        : fmt::format("publickey: all {} ssh-agent key(s) refused", offered));
}

Expected<void> SshConnection::try_key_file(TimePoint deadline) {
  const SshAuth& auth = spec_.auth;
  if (::access(auth.key_file.c_str(), R_OK) != 0) {
    return unexpected(
        fmt::format("key file {}: cannot read it: {}", auth.key_file, std::strerror(errno)));
  }
  warn_if_unprotected(auth.key_file, "private key");
  const std::string type = key_file_type(auth.key_file);
  std::optional<Secret> passphrase;
  if (!auth.passphrase_env.empty() || !auth.passphrase_file.empty()) {
    if (!auth.passphrase_file.empty()) warn_if_unprotected(auth.passphrase_file, "passphrase");
    passphrase.emplace(
        read_secret(label_, auth.passphrase_env, auth.passphrase_file, "key passphrase"));
  }
  const char* phrase = passphrase ? passphrase->value().c_str() : nullptr;
  int rc = retry(
      [&] {
        return libssh2_userauth_publickey_fromfile_ex(session_, spec_.user.c_str(),
                                                      spec_.user.size(), nullptr,
                                                      auth.key_file.c_str(), phrase);
      },
      deadline, "publickey authentication");
  if (rc == 0) return {};
  std::string why;
  if (type == "ssh-rsa") {
    why = kRsaExplanation;
  } else if (rc == LIBSSH2_ERROR_FILE) {
    why = fmt::format("libssh2 cannot use it ({}){}", last_error(),
                      passphrase ? " - wrong passphrase?" : " - does it need a passphrase?");
  } else {
    why = "the server refused it (is its public key in the user's authorized_keys?)";
  }
  return unexpected(fmt::format("publickey with key file {}{}: {}", auth.key_file,
                                type.empty() ? "" : " (" + type + ")", why));
}

Expected<void> SshConnection::try_password(TimePoint deadline) {
  const SshAuth& auth = spec_.auth;
  if (!auth.password_file.empty()) warn_if_unprotected(auth.password_file, "password");
  Secret password = read_secret(label_, auth.password_env, auth.password_file, "password");
  int rc = retry(
      [&] {
        return libssh2_userauth_password_ex(session_, spec_.user.c_str(), spec_.user.size(),
                                            password.value().c_str(), password.value().size(),
                                            nullptr);
      },
      deadline, "password authentication");
  if (rc == 0) return {};
  const std::string source =
      auth.password_env.empty() ? "file " + auth.password_file : "variable $" + auth.password_env;
  if (rc == LIBSSH2_ERROR_PASSWORD_EXPIRED) {
    return unexpected(fmt::format("password (from {}): the password has expired", source));
  }
  return unexpected(fmt::format(
      "password (from {}) refused: wrong password, or password login not allowed", source));
}

}  // namespace drover
