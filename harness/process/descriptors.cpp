#include "harness/process/descriptors.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

namespace drover {
namespace {

// getdents64's record; glibc declares no type for it.
struct LinuxDirent64 {
  std::uint64_t d_ino;
  std::int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[1];
};

void mark(int fd) {
  int flags = ::fcntl(fd, F_GETFD);
  if (flags >= 0 && (flags & FD_CLOEXEC) == 0) ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

// The descriptor an entry of /proc/self/fd names; -1 for "." and "..".
int fd_named(const char* name) {
  if (*name == '\0') return -1;
  int fd = 0;
  for (; *name != '\0'; ++name) {
    if (*name < '0' || *name > '9' || fd > kMaxDescriptorScan) return -1;
    fd = fd * 10 + (*name - '0');
  }
  return fd;
}

// False when the folder cannot be read to its end.
bool mark_listed(int first, const char* fd_folder) {
  int dir = ::open(fd_folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return false;
  alignas(LinuxDirent64) char buffer[4096];
  for (;;) {
    long n = ::syscall(SYS_getdents64, dir, buffer, sizeof buffer);
    if (n <= 0) {
      ::close(dir);
      return n == 0;
    }
    for (long at = 0; at < n;) {
      const auto* entry = reinterpret_cast<const LinuxDirent64*>(buffer + at);
      at += entry->d_reclen;
      int fd = fd_named(entry->d_name);
      if (fd >= first && fd != dir) mark(fd);
    }
  }
}

void mark_below_limit(int first) {
  rlimit limit{};
  rlim_t end = kMaxDescriptorScan;
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < end) end = limit.rlim_cur;
  for (int fd = first; static_cast<rlim_t>(fd) < end; ++fd) mark(fd);
}

}  // namespace

void mark_cloexec_from(int first) {
  if (::syscall(SYS_close_range, static_cast<unsigned>(first), ~0U, CLOSE_RANGE_CLOEXEC) == 0) {
    return;
  }
  mark_cloexec_one_by_one(first);
}

void mark_cloexec_one_by_one(int first, const char* fd_folder) {
  if (!mark_listed(first, fd_folder)) mark_below_limit(first);
}

}  // namespace drover
