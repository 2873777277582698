// The text of OpenSSH known_hosts files and key blobs: pure functions, so
// the formats are unit-tested without a server; and the reading of those
// local files, whose failures are values that name the file.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness/core/expected.hpp"

namespace drover {

// The whole of a local file, or "cannot read <path>: <why>".
Expected<std::string> read_text_file(const std::string& path);

// OpenSSH's check of a file that holds a secret (a private key, a
// password, a passphrase): when its group or others have any access to it,
// the warning to give, "UNPROTECTED <WHAT> FILE", naming the file and its
// mode; nullopt when only its owner has, or when it cannot be looked at
// (reading it then says why). what: "private key", "password", ...
std::optional<std::string> unprotected_secret_file(const std::string& path, std::string_view what);

// A known_hosts file's text: "" when there is none yet (a first connection
// under accept-new makes it), else as read_text_file.
Expected<std::string> read_known_hosts(const std::string& path);

// How known_hosts names a host: "10.0.0.2" on port 22, "[10.0.0.2]:2222"
// on any other port (as OpenSSH writes and matches it).
std::string known_hosts_name(std::string_view address, int port);

std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);  // nullopt: not base64

// The key type a public key blob (SSH wire format) starts with:
// "ssh-ed25519", "ecdsa-sha2-nistp256", ...; "" if the blob is malformed.
std::string key_type_of_blob(std::string_view blob);

// "SHA256:<unpadded base64>", as ssh-keygen -l and ssh print it.
std::string sha256_fingerprint(std::string_view blob);

// One known_hosts line for a host key: "<name> <type> <base64 blob>".
std::string format_known_hosts_line(std::string_view name, std::string_view blob);

// The key types known_hosts_text records for name, plain or hashed
// ("|1|salt|hash") entries alike, in file order without repeats. Marker lines
// (@cert-authority, @revoked) and wildcard patterns are not matched.
std::vector<std::string> recorded_key_types(std::string_view known_hosts_text,
                                            std::string_view name);

// The line (counted from 1) of an "@revoked" entry in known_hosts_text
// that names the host and holds the key blob; nullopt when the key is not
// revoked for name. Host patterns are read as OpenSSH reads them: plain,
// hashed, with the wildcards * and ?, and !negated (a negated pattern that
// matches rules the line out).
std::optional<int> revoked_key_line(std::string_view known_hosts_text, std::string_view name,
                                    std::string_view blob);

// The host key types drover can verify (libssh2 1.10's), best first:
// ed25519, then ECDSA, then ssh-rsa (which OpenSSH 8.8 and later no longer
// offer for RSA host keys, so it stays last).
const std::vector<std::string>& usable_host_key_types();

// The usable key types known_hosts_text records for name, best first: the
// types the handshake asks the server for, as OpenSSH does. Empty when
// none is recorded.
std::vector<std::string> pinned_host_key_types(std::string_view known_hosts_text,
                                               std::string_view name);

// The key type of a private key file's text: "ssh-rsa" for PEM RSA and for
// OpenSSH-format RSA keys, "ssh-ed25519", "ecdsa-sha2-nistp256", ...; "" if
// it cannot be told. Reads only the public part, so works for encrypted keys.
std::string private_key_type(std::string_view key_file_text);

}  // namespace drover
