// SshSession's file transfers (SFTP, streamed in chunks) and the directory
// commands drover needs around them. Each transfer opens its own SFTP
// channel and closes it before returning.
#include <fcntl.h>
#include <libssh2.h>
#include <libssh2_sftp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>

#include "harness/remote/digest.hpp"
#include "harness/remote/ssh_session.hpp"

namespace drover {
namespace {

using namespace std::chrono_literals;
constexpr std::size_t kChunk = 64 * 1024;

const char* sftp_status_text(unsigned long code) {
  switch (code) {
    case LIBSSH2_FX_EOF:
      return "end of file";
    case LIBSSH2_FX_NO_SUCH_FILE:
      return "no such file or directory";
    case LIBSSH2_FX_PERMISSION_DENIED:
      return "permission denied";
    case LIBSSH2_FX_FAILURE:
      return "failure";
    case LIBSSH2_FX_BAD_MESSAGE:
      return "bad message";
    case LIBSSH2_FX_NO_CONNECTION:
      return "no connection";
    case LIBSSH2_FX_CONNECTION_LOST:
      return "connection lost";
    case LIBSSH2_FX_OP_UNSUPPORTED:
      return "operation unsupported";
    case LIBSSH2_FX_NO_SPACE_ON_FILESYSTEM:
      return "no space left on the filesystem";
    case LIBSSH2_FX_QUOTA_EXCEEDED:
      return "quota exceeded";
    case LIBSSH2_FX_NO_SUCH_PATH:
      return "no such path";
    case LIBSSH2_FX_FILE_ALREADY_EXISTS:
      return "file already exists";
    case LIBSSH2_FX_WRITE_PROTECT:
      return "write protected";
    case LIBSSH2_FX_NO_MEDIA:
      return "no media";
    case LIBSSH2_FX_DIR_NOT_EMPTY:
      return "directory not empty";
    case LIBSSH2_FX_NOT_A_DIRECTORY:
      return "not a directory";
    case LIBSSH2_FX_INVALID_FILENAME:
      return "invalid file name";
    case LIBSSH2_FX_LINK_LOOP:
      return "link loop";
    default:
      return "unknown SFTP status";
  }
}

struct LocalFd {
  int fd;
  ~LocalFd() {
    if (fd >= 0) ::close(fd);
  }
};

std::string parent_of(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

LIBSSH2_SFTP* SshSession::open_sftp(TimePoint deadline) {
  auto* sftp = static_cast<LIBSSH2_SFTP*>(retry_ptr(
      [&] { return static_cast<void*>(libssh2_sftp_init(session_)); }, deadline, "starting SFTP"));
  if (sftp == nullptr) fail("cannot start SFTP");
  return sftp;
}

void SshSession::shutdown_sftp(LIBSSH2_SFTP* sftp, TimePoint deadline) {
  try {
    retry([&] { return libssh2_sftp_shutdown(sftp); }, deadline, "closing SFTP");
  } catch (const SshError&) {
  }
}

// Why an SFTP call on remote_path failed. OpenSSH's sftp-server reports a
// full disk as a plain "failure" (it has no status for ENOSPC in protocol
// version 3), so a failure is followed by a look at the free space.
std::string SshSession::sftp_failure(LIBSSH2_SFTP* sftp, const std::string& remote_path, int rc,
                                     TimePoint deadline) {
  if (rc != LIBSSH2_ERROR_SFTP_PROTOCOL) return last_error();
  unsigned long code = libssh2_sftp_last_error(sftp);
  std::string text = sftp_status_text(code);
  if (code == LIBSSH2_FX_FAILURE || code == LIBSSH2_FX_NO_SPACE_ON_FILESYSTEM ||
      code == LIBSSH2_FX_QUOTA_EXCEEDED) {
    try {
      TimePoint until = std::min(deadline, Clock::now() + 5s);
      auto free_blocks = exec({"stat", "-f", "-c", "%a", "--", parent_of(remote_path)}, until);
      if (free_blocks.succeeded() && free_blocks.out.rfind("0\n", 0) == 0) {
        text = "no space left on the device (the remote disk is full)";
      }
    } catch (const SshError&) {
    }
  }
  return text;
}

void SshSession::put(const std::string& local_path, const std::string& remote_path, int mode,
                     TimePoint deadline) {
  std::string local_sha256;
  std::uint64_t size = 0;
  LIBSSH2_SFTP* sftp = open_sftp(deadline);
  std::uint64_t written = 0;
  try {
    put_stream(sftp, local_path, remote_path, mode, deadline, local_sha256, size);
    written = remote_size(sftp, remote_path, deadline);
  } catch (...) {
    shutdown_sftp(sftp, Clock::now() + 2s);
    throw;
  }
  shutdown_sftp(sftp, std::max(deadline, Clock::now() + 2s));
  if (written != size) {
    fail_plain(fmt::format("upload of {} to {} is incomplete: {} of {} bytes arrived", local_path,
                           remote_path, written, size));
  }
  std::string remote = remote_sha256(remote_path, deadline);
  if (remote != local_sha256) {
    fail_plain(fmt::format("upload of {} to {} is corrupt: sha256 {} on the host, {} here",
                           local_path, remote_path, remote, local_sha256));
  }
}

void SshSession::put_stream(LIBSSH2_SFTP* sftp, const std::string& local_path,
                            const std::string& remote_path, int mode, TimePoint deadline,
                            std::string& local_sha256, std::uint64_t& size) {
  LocalFd in{::open(local_path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (in.fd < 0) {
    fail_plain(fmt::format("cannot upload {}: {}", local_path, std::strerror(errno)));
  }
  auto* file = static_cast<LIBSSH2_SFTP_HANDLE*>(retry_ptr(
      [&] {
        return static_cast<void*>(
            libssh2_sftp_open_ex(sftp, remote_path.c_str(), remote_path.size(),
                                 LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT | LIBSSH2_FXF_TRUNC, mode,
                                 LIBSSH2_SFTP_OPENFILE));
      },
      deadline, "opening the remote file"));
  if (file == nullptr) {
    fail_plain(fmt::format(
        "cannot create {} on the host: {}", remote_path,
        sftp_failure(sftp, remote_path, libssh2_session_last_errno(session_), deadline)));
  }
  std::string error;
  try {
    Sha256 hash;
    std::vector<char> chunk(kChunk);
    for (;;) {
      ssize_t n = ::read(in.fd, chunk.data(), chunk.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        error = fmt::format("cannot read {}: {}", local_path, std::strerror(errno));
        break;
      }
      if (n == 0) break;
      hash.update(chunk.data(), n);
      size += n;
      // After EAGAIN libssh2 1.10 must be called again with the same
      // buffer; a positive result says how much of it is done.
      std::size_t done = 0;
      while (done < static_cast<std::size_t>(n)) {
        ssize_t w = retry(
            [&] {
              return static_cast<int>(libssh2_sftp_write(file, chunk.data() + done, n - done));
            },
            deadline, "uploading " + remote_path);
        if (w < 0) {
          error = fmt::format("cannot write {} on the host: {}", remote_path,
                              sftp_failure(sftp, remote_path, static_cast<int>(w), deadline));
          break;
        }
        done += w;
      }
      if (!error.empty()) break;
      if (Clock::now() > deadline) {
        error = fmt::format("upload of {} to {} timed out", local_path, remote_path);
        break;
      }
    }
    local_sha256 = hash.hex();
    if (error.empty()) {
      // The permission bits exactly, whatever the server's umask.
      LIBSSH2_SFTP_ATTRIBUTES attributes{};
      attributes.flags = LIBSSH2_SFTP_ATTR_PERMISSIONS;
      attributes.permissions = static_cast<unsigned long>(mode);
      int rc = retry([&] { return libssh2_sftp_fsetstat(file, &attributes); }, deadline,
                     "setting the file mode");
      if (rc != 0) {
        error = fmt::format("cannot set the mode of {}: {}", remote_path,
                            sftp_failure(sftp, remote_path, rc, deadline));
      }
    }
  } catch (...) {
    retry([&] { return libssh2_sftp_close_handle(file); }, Clock::now() + 2s, "closing");
    throw;
  }
  int rc =
      retry([&] { return libssh2_sftp_close_handle(file); }, deadline, "closing the remote file");
  if (error.empty() && rc != 0) {
    error = fmt::format("cannot finish writing {} on the host: {}", remote_path,
                        sftp_failure(sftp, remote_path, rc, deadline));
  }
  if (!error.empty()) {
    // A partial file helps no one (and keeps a full disk full).
    retry([&] { return libssh2_sftp_unlink_ex(sftp, remote_path.c_str(), remote_path.size()); },
          std::max(deadline, Clock::now() + 2s), "removing the partial upload");
    fail_plain(error);
  }
}

std::uint64_t SshSession::remote_size(LIBSSH2_SFTP* sftp, const std::string& remote_path,
                                      TimePoint deadline) {
  LIBSSH2_SFTP_ATTRIBUTES attributes{};
  int rc = retry(
      [&] {
        return libssh2_sftp_stat_ex(sftp, remote_path.c_str(), remote_path.size(),
                                    LIBSSH2_SFTP_STAT, &attributes);
      },
      deadline, "reading the size of " + remote_path);
  if (rc != 0 || !(attributes.flags & LIBSSH2_SFTP_ATTR_SIZE)) {
    fail_plain(fmt::format("cannot read the size of {} on the host: {}", remote_path,
                           sftp_failure(sftp, remote_path, rc, deadline)));
  }
  return attributes.filesize;
}

void SshSession::get(const std::string& remote_path, const std::string& local_path,
                     TimePoint deadline) {
  std::string local_sha256;
  std::uint64_t size = 0;
  std::uint64_t expected = 0;
  LIBSSH2_SFTP* sftp = open_sftp(deadline);
  try {
    expected = remote_size(sftp, remote_path, deadline);
    get_stream(sftp, remote_path, local_path, deadline, local_sha256, size);
  } catch (...) {
    shutdown_sftp(sftp, Clock::now() + 2s);
    throw;
  }
  shutdown_sftp(sftp, std::max(deadline, Clock::now() + 2s));
  if (size != expected) {
    fail_plain(fmt::format("download of {} to {} is incomplete: {} of {} bytes arrived",
                           remote_path, local_path, size, expected));
  }
  std::string remote = remote_sha256(remote_path, deadline);
  if (remote != local_sha256) {
    fail_plain(fmt::format("download of {} to {} is corrupt: sha256 {} on the host, {} here",
                           remote_path, local_path, remote, local_sha256));
  }
}

void SshSession::get_stream(LIBSSH2_SFTP* sftp, const std::string& remote_path,
                            const std::string& local_path, TimePoint deadline,
                            std::string& local_sha256, std::uint64_t& size) {
  auto* file = static_cast<LIBSSH2_SFTP_HANDLE*>(retry_ptr(
      [&] {
        return static_cast<void*>(libssh2_sftp_open_ex(sftp, remote_path.c_str(),
                                                       remote_path.size(), LIBSSH2_FXF_READ, 0,
                                                       LIBSSH2_SFTP_OPENFILE));
      },
      deadline, "opening the remote file"));
  if (file == nullptr) {
    fail_plain(fmt::format(
        "cannot open {} on the host: {}", remote_path,
        sftp_failure(sftp, remote_path, libssh2_session_last_errno(session_), deadline)));
  }
  std::string error;
  try {
    LocalFd out{::open(local_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
    if (out.fd < 0) {
      error = fmt::format("cannot download to {}: {}", local_path, std::strerror(errno));
    }
    Sha256 hash;
    std::vector<char> chunk(kChunk);
    while (error.empty()) {
      ssize_t n = retry(
          [&] { return static_cast<int>(libssh2_sftp_read(file, chunk.data(), chunk.size())); },
          deadline, "downloading " + remote_path);
      if (n < 0) {
        error = fmt::format("cannot read {} on the host: {}", remote_path,
                            sftp_failure(sftp, remote_path, static_cast<int>(n), deadline));
        break;
      }
      if (n == 0) break;
      hash.update(chunk.data(), n);
      size += n;
      for (ssize_t done = 0; done < n;) {
        ssize_t w = ::write(out.fd, chunk.data() + done, n - done);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) {
          error = fmt::format("cannot write {}: {}", local_path, std::strerror(errno));
          break;
        }
        done += w;
      }
    }
    local_sha256 = hash.hex();
  } catch (...) {
    retry([&] { return libssh2_sftp_close_handle(file); }, Clock::now() + 2s, "closing");
    throw;
  }
  retry([&] { return libssh2_sftp_close_handle(file); }, deadline, "closing the remote file");
  if (!error.empty()) {
    std::error_code ec;
    std::filesystem::remove(local_path, ec);
    fail_plain(error);
  }
}

std::string SshSession::remote_sha256(const std::string& remote_path, TimePoint deadline) {
  auto result = exec({"sha256sum", "--", remote_path}, deadline);
  if (!result.succeeded() || result.out.size() < 64) {
    fail_plain(
        fmt::format("sha256sum {} on the host {}: {}", remote_path, result.describe(), result.err));
  }
  return result.out.substr(0, 64);
}

void SshSession::make_directories(const std::string& remote_path, TimePoint deadline) {
  auto result = exec({"mkdir", "-p", "--", remote_path}, deadline);
  if (!result.succeeded()) {
    fail_plain(fmt::format("cannot create directory {}: mkdir {}: {}", remote_path,
                           result.describe(), result.err));
  }
}

void SshSession::remove_tree(const std::string& remote_path, TimePoint deadline) {
  std::filesystem::path path(remote_path);
  bool has_dotdot = false;
  for (const auto& part : path) has_dotdot = has_dotdot || part == "..";
  if (!path.is_absolute() || path.relative_path().empty() || has_dotdot) {
    fail_plain(fmt::format("refusing to remove \"{}\": not an absolute path below /", remote_path));
  }
  auto result = exec({"rm", "-rf", "--", remote_path}, deadline);
  if (!result.succeeded()) {
    fail_plain(
        fmt::format("cannot remove {}: rm {}: {}", remote_path, result.describe(), result.err));
  }
}

}  // namespace drover
