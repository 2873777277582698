#include "harness/remote/known_hosts.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <sstream>

#include <fmt/format.h>

#include "harness/remote/digest.hpp"

namespace drover {
namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// SSH wire format, read front to back.
class WireReader {
 public:
  explicit WireReader(std::string_view data) : data_(data) {}

  // The next "string": a u32 big-endian length, then that many bytes.
  std::optional<std::string_view> string() {
    if (data_.size() < pos_ + 4) return std::nullopt;
    std::uint32_t len = 0;
    for (int i = 0; i < 4; ++i) len = (len << 8) | static_cast<unsigned char>(data_[pos_ + i]);
    pos_ += 4;
    if (data_.size() - pos_ < len) return std::nullopt;
    std::string_view s = data_.substr(pos_, len);
    pos_ += len;
    return s;
  }
  void skip(std::size_t bytes) { pos_ = std::min(data_.size(), pos_ + bytes); }

 private:
  std::string_view data_;
  std::size_t pos_ = 0;
};

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    std::size_t end = text.find(sep, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? text.npos : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

// One host pattern against name: plain, or OpenSSH's hashed "|1|salt|hmac".
bool pattern_names(std::string_view pattern, std::string_view name) {
  if (pattern.rfind("|1|", 0) == 0) {
    auto parts = split(pattern.substr(3), '|');
    if (parts.size() != 2) return false;
    auto salt = base64_decode(parts[0]);
    auto hash = base64_decode(parts[1]);
    return salt && hash && hmac_sha1(*salt, name) == *hash;
  }
  return pattern == name;
}

// A glob pattern (* any run, ? any one character) against the whole of
// name, as OpenSSH's match_pattern.
bool glob_matches(std::string_view pattern, std::string_view name) {
  std::size_t p = 0, n = 0;
  std::size_t star = std::string_view::npos, resume = 0;
  while (n < name.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
      ++p;
      ++n;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

// A comma-separated list of host patterns against name, as OpenSSH's
// match_hostname: a negated pattern that matches rules the name out, else
// any one that matches lets it in.
bool patterns_match(std::string_view patterns, std::string_view name) {
  bool matched = false;
  for (std::string_view pattern : split(patterns, ',')) {
    const bool negated = !pattern.empty() && pattern.front() == '!';
    if (negated) pattern.remove_prefix(1);
    const bool hit = pattern_names(pattern, name) || glob_matches(pattern, name);
    if (hit && negated) return false;
    matched = matched || hit;
  }
  return matched;
}

}  // namespace

// With read(2), not a filebuf: a failed read is then an errno to report
// (a directory, an unreadable file), not an empty text or an exception.
Expected<std::string> read_text_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return unexpected("cannot read " + path + ": " + std::strerror(errno));
  std::string text;
  char buffer[16384];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      text.append(buffer, static_cast<std::size_t>(n));
    } else if (n == 0) {
      break;
    } else if (errno != EINTR) {
      const int error = errno;
      ::close(fd);
      return unexpected("cannot read " + path + ": " + std::strerror(error));
    }
  }
  ::close(fd);
  return text;
}

std::optional<std::string> unprotected_secret_file(const std::string& path, std::string_view what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || (st.st_mode & 077) == 0) return std::nullopt;
  std::string upper;
  for (char c : what) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const unsigned mode = st.st_mode & 07777;
  const char* who = (mode & 070) == 0   ? "other users have"
                    : (mode & 007) == 0 ? "its group has"
                                        : "its group and other users have";
  return fmt::format(
      "UNPROTECTED {} FILE: permissions {:04o} for {} are too open ({} access to it); a "
      "secret belongs to its owner alone: chmod 600 {}",
      upper, mode, path, who, path);
}

Expected<std::string> read_known_hosts(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec) && !ec) return std::string();
  return read_text_file(path);
}

std::string known_hosts_name(std::string_view address, int port) {
  if (port == 22) return std::string(address);
  return "[" + std::string(address) + "]:" + std::to_string(port);
}

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    std::uint32_t v = (static_cast<unsigned char>(bytes[i]) << 16) |
                      (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                      static_cast<unsigned char>(bytes[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += kAlphabet[(v >> shift) & 63];
  }
  std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    std::uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  std::size_t padding = 0;
  for (char c : text) {
    if (c == '=') {
      ++padding;
      continue;
    }
    if (padding > 0) return std::nullopt;  // data after padding
    auto at = kAlphabet.find(c);
    if (at == std::string_view::npos) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(at);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  if (padding > 2) return std::nullopt;
  return out;
}

std::string key_type_of_blob(std::string_view blob) {
  auto type = WireReader(blob).string();
  return type ? std::string(*type) : std::string();
}

std::string sha256_fingerprint(std::string_view blob) {
  std::string b64 = base64_encode(sha256(blob));
  while (!b64.empty() && b64.back() == '=') b64.pop_back();
  return "SHA256:" + b64;
}

std::string format_known_hosts_line(std::string_view name, std::string_view blob) {
  return std::string(name) + " " + key_type_of_blob(blob) + " " + base64_encode(blob);
}

std::vector<std::string> recorded_key_types(std::string_view known_hosts_text,
                                            std::string_view name) {
  std::vector<std::string> types;
  std::istringstream lines{std::string(known_hosts_text)};
  std::string line;
  while (std::getline(lines, line)) {
    auto f = fields(line);
    if (f.size() < 3 || f[0].front() == '#' || f[0].front() == '@') continue;
    auto patterns = split(f[0], ',');
    bool named = std::any_of(patterns.begin(), patterns.end(),
                             [&](std::string_view p) { return pattern_names(p, name); });
    if (named && std::find(types.begin(), types.end(), f[1]) == types.end()) {
      types.emplace_back(f[1]);
    }
  }
  return types;
}

std::optional<int> revoked_key_line(std::string_view known_hosts_text, std::string_view name,
                                    std::string_view blob) {
  std::istringstream lines{std::string(known_hosts_text)};
  int number = 0;
  for (std::string line; std::getline(lines, line);) {
    ++number;
    auto f = fields(line);
    if (f.size() < 4 || f[0] != "@revoked") continue;
    const std::optional<std::string> key = base64_decode(f[3]);
    if (key && *key == blob && patterns_match(f[1], name)) return number;
  }
  return std::nullopt;
}

const std::vector<std::string>& usable_host_key_types() {
  static const std::vector<std::string> types = {"ssh-ed25519", "ecdsa-sha2-nistp256",
                                                 "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
                                                 "ssh-rsa"};
  return types;
}

std::vector<std::string> pinned_host_key_types(std::string_view known_hosts_text,
                                               std::string_view name) {
  const auto recorded = recorded_key_types(known_hosts_text, name);
  std::vector<std::string> pinned;
  for (const auto& type : usable_host_key_types()) {
    if (std::find(recorded.begin(), recorded.end(), type) != recorded.end()) {
      pinned.push_back(type);
    }
  }
  return pinned;
}

std::string private_key_type(std::string_view text) {
  auto has = [&](std::string_view s) { return text.find(s) != std::string_view::npos; };
  if (has("-----BEGIN RSA PRIVATE KEY-----")) return "ssh-rsa";
  if (has("-----BEGIN EC PRIVATE KEY-----")) return "ecdsa";
  if (has("-----BEGIN DSA PRIVATE KEY-----")) return "ssh-dss";
  constexpr std::string_view begin = "-----BEGIN OPENSSH PRIVATE KEY-----";
  constexpr std::string_view end = "-----END OPENSSH PRIVATE KEY-----";
  auto b = text.find(begin);
  auto e = text.find(end);
  if (b == std::string_view::npos || e == std::string_view::npos || e < b) return "";
  std::string body;
  for (char c : text.substr(b + begin.size(), e - b - begin.size())) {
    if (c != '\n' && c != '\r' && c != ' ') body += c;
  }
  auto blob = base64_decode(body);
  // "openssh-key-v1\0", cipher, kdf, kdf options, key count, then the first
  // public key in clear (even when the private part is encrypted).
  constexpr std::string_view magic("openssh-key-v1\0", 15);
  if (!blob || blob->compare(0, magic.size(), magic) != 0) return "";
  WireReader reader(*blob);
  reader.skip(magic.size());
  for (int i = 0; i < 3; ++i) {
    if (!reader.string()) return "";
  }
  reader.skip(4);  // number of keys
  auto public_key = reader.string();
  return public_key ? key_type_of_blob(*public_key) : "";
}

}  // namespace drover
