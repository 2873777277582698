// The text of OpenSSH known_hosts files and key blobs: pure functions, so
// the formats are unit-tested without a server.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace drover {

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

// The key type of a private key file's text: "ssh-rsa" for PEM RSA and for
// OpenSSH-format RSA keys, "ssh-ed25519", "ecdsa-sha2-nistp256", ...; "" if
// it cannot be told. Reads only the public part, so works for encrypted keys.
std::string private_key_type(std::string_view key_file_text);

}  // namespace drover
