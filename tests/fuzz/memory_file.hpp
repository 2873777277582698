// A path to fuzz input as a file the parsers under test open by name: an
// in-memory file, so that a fuzzer writes nothing to disk. One file serves
// every call, rewritten each time: not thread-safe.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <string>

#include "tests/fuzz/entry_points.hpp"

namespace drover::fuzz {

// The path of an in-memory file holding exactly the size bytes at data.
inline std::string memory_file(const void* data, std::size_t size) {
  static const int fd = memfd_create("drover-fuzz-input", MFD_CLOEXEC);
  DROVER_FUZZ_CHECK(fd >= 0);
  DROVER_FUZZ_CHECK(ftruncate(fd, 0) == 0);
  DROVER_FUZZ_CHECK(size == 0 || pwrite(fd, data, size, 0) == static_cast<ssize_t>(size));
  return "/proc/self/fd/" + std::to_string(fd);
}

}  // namespace drover::fuzz
