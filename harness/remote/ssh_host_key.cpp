// SshConnection's host key check: the key the server presents against what
// known_hosts records for the host. A revoked key (an "@revoked" line) and
// a changed key are always refused; an unknown one is refused, or recorded
// (and the user warned) under the accept-new policy.
#include <fcntl.h>
#include <libssh2.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "harness/remote/known_hosts.hpp"
#include "harness/remote/ssh_connection.hpp"

namespace drover {
namespace {

namespace fs = std::filesystem;

// libssh2's host key types as its known_hosts masks.
int knownhost_key_bit(int hostkey_type) {
  switch (hostkey_type) {
    case LIBSSH2_HOSTKEY_TYPE_RSA:
      return LIBSSH2_KNOWNHOST_KEY_SSHRSA;
    case LIBSSH2_HOSTKEY_TYPE_DSS:
      return LIBSSH2_KNOWNHOST_KEY_SSHDSS;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_256:
      return LIBSSH2_KNOWNHOST_KEY_ECDSA_256;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_384:
      return LIBSSH2_KNOWNHOST_KEY_ECDSA_384;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_521:
      return LIBSSH2_KNOWNHOST_KEY_ECDSA_521;
    case LIBSSH2_HOSTKEY_TYPE_ED25519:
      return LIBSSH2_KNOWNHOST_KEY_ED25519;
    default:
      return LIBSSH2_KNOWNHOST_KEY_UNKNOWN;
  }
}

}  // namespace

struct SshConnection::HostKey {
  std::string blob;  // SSH wire format
  int type = LIBSSH2_HOSTKEY_TYPE_UNKNOWN;
  std::string type_name;  // "ssh-ed25519", ...
  std::string fingerprint;
};

void SshConnection::verify_host_key(const KnownHosts& known) {
  const HostKey key = presented_host_key();
  refuse_revoked(key, known);
  switch (check_known_hosts(key, known)) {
    case LIBSSH2_KNOWNHOST_CHECK_MATCH:
      return;
    case LIBSSH2_KNOWNHOST_CHECK_MISMATCH:
      fail_plain(fmt::format(
          "host key verification failed: the {} host key of {} has CHANGED (it is now {}), and "
          "{} records a different one. Someone may be intercepting the connection, or the host "
          "was reinstalled; if the change is expected, remove the old entry with "
          "ssh-keygen -R '{}' -f {}",
          key.type_name, known.name, key.fingerprint, known.path, known.name, known.path));
    case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND:
      break;
    default:
      fail(fmt::format("cannot check the host key against {}", known.path));
  }
  refuse_unknown(key, known);
  record_host_key(key, known);
  warn(fmt::format("accepted the new {} host key {} of {} and added it to {}", key.type_name,
                   key.fingerprint, known.name, known.path));
}

SshConnection::HostKey SshConnection::presented_host_key() const {
  std::size_t len = 0;
  HostKey key;
  const char* blob = libssh2_session_hostkey(session_, &len, &key.type);
  if (blob == nullptr) fail("the server sent no host key");
  key.blob.assign(blob, len);
  key.type_name = key_type_of_blob(key.blob);
  key.fingerprint = sha256_fingerprint(key.blob);
  return key;
}

// A LIBSSH2_KNOWNHOST_CHECK_* value.
int SshConnection::check_known_hosts(const HostKey& key, const KnownHosts& known) const {
  LIBSSH2_KNOWNHOSTS* hosts = libssh2_knownhost_init(session_);
  if (hosts == nullptr) fail("cannot check known_hosts");
  std::unique_ptr<LIBSSH2_KNOWNHOSTS, void (*)(LIBSSH2_KNOWNHOSTS*)> free_hosts(
      hosts, libssh2_knownhost_free);
  // Line by line: a line libssh2 cannot read (a marker, a key type it does
  // not know) is skipped instead of failing the whole file.
  std::istringstream lines(known.text);
  for (std::string line; std::getline(lines, line);) {
    auto first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#' || line[first] == '@') continue;
    libssh2_knownhost_readline(hosts, line.c_str(), line.size(), LIBSSH2_KNOWNHOST_FILE_OPENSSH);
  }
  // The name is already "[address]:port" for a port other than 22, and the
  // port argument is -1: libssh2 would otherwise also accept an entry for
  // the bare address on any port, which OpenSSH does not.
  const int mask =
      LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | knownhost_key_bit(key.type);
  libssh2_knownhost* entry = nullptr;
  return libssh2_knownhost_checkp(hosts, known.name.c_str(), -1, key.blob.data(), key.blob.size(),
                                  mask, &entry);
}

// Before anything else: a revoked key is refused whatever else the file
// says of it, and never recorded by accept-new.
void SshConnection::refuse_revoked(const HostKey& key, const KnownHosts& known) const {
  const std::optional<int> line = revoked_key_line(known.text, known.name, key.blob);
  if (!line) return;
  fail_plain(fmt::format(
      "host key verification failed: the {} host key {} of {} is REVOKED in {} (line {}): "
      "refused. The host must be given a new key before drover connects to it again",
      key.type_name, key.fingerprint, known.name, known.path, *line));
}

// Throws unless the host is new to known_hosts and the policy lets drover
// record its key.
void SshConnection::refuse_unknown(const HostKey& key, const KnownHosts& known) const {
  const auto recorded = recorded_key_types(known.text, known.name);
  if (!recorded.empty()) {
    fail_plain(fmt::format(
        "host key verification failed: {} records {} key(s) for {}, but the server presents "
        "a {} key {}: refused as a changed key; if expected, remove the old entries with "
        "ssh-keygen -R '{}' -f {}",
        known.path, fmt::join(recorded, ", "), known.name, key.type_name, key.fingerprint,
        known.name, known.path));
  }
  if (spec_.host_key_policy != HostKeyPolicy::accept_new) {
    fail_plain(fmt::format(
        "host key verification failed: {} is not in known_hosts {} (its {} key is {}). Check "
        "the fingerprint, then add it (ssh-keyscan -p {} {} >> {}) or set the host key policy "
        "to accept-new",
        known.name, known.path, key.type_name, key.fingerprint, spec_.port, spec_.address,
        known.path));
  }
}

void SshConnection::record_host_key(const HostKey& key, const KnownHosts& known) {
  std::error_code ec;
  const fs::path path(known.path);
  if (path.has_parent_path() && !fs::exists(path.parent_path())) {
    fs::create_directories(path.parent_path(), ec);
    fs::permissions(path.parent_path(), fs::perms::owner_all, ec);
  }
  const int fd = ::open(known.path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    fail_plain(fmt::format("cannot record the new host key of {} in {}: {}", known.name, known.path,
                           std::strerror(errno)));
  }
  std::string record = format_known_hosts_line(known.name, key.blob) + "\n";
  if (!known.text.empty() && known.text.back() != '\n') record.insert(record.begin(), '\n');
  const bool written =
      ::write(fd, record.data(), record.size()) == static_cast<ssize_t>(record.size());
  ::close(fd);
  if (!written) {
    fail_plain(fmt::format("cannot record the new host key of {} in {}", known.name, known.path));
  }
}

}  // namespace drover
