// A whole file's text, for assertions. Thread-safe: no shared state.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace drover::test {

// The file's text; empty when it cannot be read. Plain read(2), so that a
// /proc file whose process exits meanwhile (ESRCH) reads as empty, where a
// std::ifstream may throw.
inline std::string read_file(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::string text;
  char chunk[65536];
  ssize_t n;
  while ((n = ::read(fd, chunk, sizeof chunk)) > 0) text.append(chunk, static_cast<std::size_t>(n));
  ::close(fd);
  return n < 0 ? std::string() : text;
}

}  // namespace drover::test
