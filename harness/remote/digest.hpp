// SHA-256 for upload checks and host key fingerprints, HMAC-SHA1 for hashed
// known_hosts names (OpenSSL's libcrypto, which libssh2 uses anyway).
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace drover {

// An incremental SHA-256. Not thread-safe: one owner.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(std::string_view bytes);
  void update(const char* data, std::size_t size) { update(std::string_view(data, size)); }
  std::string digest();  // the 32 raw bytes; call once
  std::string hex();     // lower-case hex, as sha256sum prints it; call once

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

std::string sha256(std::string_view bytes);                          // raw bytes
std::string hmac_sha1(std::string_view key, std::string_view data);  // raw bytes
std::string to_hex(std::string_view bytes);

}  // namespace drover
