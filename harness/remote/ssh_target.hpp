// Where and how to reach one SSH host: plain data, parsed and checked before
// any connection is made. Secrets are never held here, only where to find
// them (an environment variable's name or a file's path).
#pragma once

#include <chrono>
#include <string>

#include "harness/core/clock.hpp"

namespace drover {

enum class HostKeyPolicy {
  strict,      // the host key must already be in known_hosts
  accept_new,  // an unknown host's key is recorded (and a warning given);
               // a changed key is refused all the same
};

// Tried in this order: agent, key file, password; each only if configured.
struct SshAuth {
  std::string key_file;         // private key (ed25519 or ECDSA; RSA cannot work)
  std::string passphrase_env;   // the key's passphrase, from this variable ...
  std::string passphrase_file;  // ... or the first line of this file
  std::string password_env;     // the login password, from this variable ...
  std::string password_file;    // ... or the first line of this file
  bool agent = false;           // ssh-agent at $SSH_AUTH_SOCK
};

struct SshHostSpec {
  std::string name;  // how messages name the host; empty: the address
  std::string address;
  int port = 22;
  std::string user;
  SshAuth auth;
  std::string known_hosts;  // empty: $HOME/.ssh/known_hosts
  HostKeyPolicy host_key_policy = HostKeyPolicy::strict;
  Duration connect_timeout = std::chrono::seconds(10);  // the TCP connect
  Duration login_timeout = std::chrono::seconds(20);    // handshake and authentication
  // How long a command or transfer may wait on the host in silence before
  // drover sends a keepalive, so that a firewall or NAT on the way does not
  // drop the connection under a long quiet command; zero: never.
  std::chrono::seconds keepalive_interval = std::chrono::seconds(15);

  // "h1 (drover@10.99.0.2:22)", the prefix of every message about this host.
  std::string label() const;
  // "host h1 (10.99.0.2)": what a warning about this host names as its source.
  std::string notice_source() const;
};

}  // namespace drover
