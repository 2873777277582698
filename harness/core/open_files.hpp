// The limit on open files, which a load test meets first: every client
// holds a socket for the whole run, and the usual soft limit of 1024 is far
// below what thousands of clients need. drover and every reference target
// raise it at start; the targets drover starts inherit the raised limit.
#pragma once

#include <sys/resource.h>

namespace drover {

// Raises the soft RLIMIT_NOFILE to the hard limit. Returns the soft limit in
// force afterwards (unchanged if it could not be raised; RLIM_INFINITY if it
// cannot be read).
rlim_t raise_open_file_limit();

}  // namespace drover
