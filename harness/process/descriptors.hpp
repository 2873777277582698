// Marking a process's descriptors close-on-exec, so that what drover opened
// without O_CLOEXEC (sockets, other targets' pipes) does not leak into a
// program it starts: a leaked descriptor keeps a port bound or a pipe open
// after drover closes its own.
//
// Async-signal-safe (no allocation, no locks, system calls only): these run
// in a forked child, before exec.
#pragma once

namespace drover {

// Marks every descriptor from `first` up: close_range(CLOSE_RANGE_CLOEXEC)
// where the kernel has it (Linux 5.11 and later), mark_cloexec_one_by_one
// where it fails.
void mark_cloexec_from(int first);

// Marks each descriptor from `first` up that fd_folder (/proc/self/fd) lists;
// when it cannot be read (no /proc), every number from `first` below the
// RLIMIT_NOFILE soft limit (at most kMaxDescriptorScan of them).
void mark_cloexec_one_by_one(int first, const char* fd_folder = "/proc/self/fd");

// A limit this high (or none) is not scanned to its end: a descriptor past
// it would have needed a limit raised on purpose.
inline constexpr int kMaxDescriptorScan = 1 << 20;

}  // namespace drover
