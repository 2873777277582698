// SshFiles: transfers over SFTP, one channel each, and the directory
// commands drover needs around them.
#include "harness/remote/ssh_files.hpp"

#include <fcntl.h>
#include <libssh2.h>
#include <libssh2_sftp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "harness/core/expected.hpp"
#include "harness/process/output_capture.hpp"
#include "harness/remote/digest.hpp"
#include "harness/remote/shell_quote.hpp"

namespace drover {
namespace {

using namespace std::chrono_literals;
using Copied = SshFiles::Copied;
constexpr std::size_t kChunk = 64 * 1024;

TimePoint cleanup_deadline() {
  return Clock::now() + SshConnection::cleanup_time;
}

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

std::string parent_of(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// Writes all of data to a local file.
Expected<void> write_all(int fd, std::string_view data, const std::string& path) {
  for (std::size_t done = 0; done < data.size();) {
    const ssize_t w = ::write(fd, data.data() + done, data.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return unexpected(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
    done += static_cast<std::size_t>(w);
  }
  return {};
}

// A file open on the host. Closed when it goes, within the cleanup time and
// whatever comes of it: close() first to know how closing went.
class RemoteFile {
 public:
  RemoteFile(SshConnection& connection, LIBSSH2_SFTP_HANDLE* handle)
      : connection_(connection), handle_(handle) {}
  RemoteFile(RemoteFile&& other) noexcept
      : connection_(other.connection_), handle_(std::exchange(other.handle_, nullptr)) {}
  RemoteFile(const RemoteFile&) = delete;
  RemoteFile& operator=(const RemoteFile&) = delete;
  RemoteFile& operator=(RemoteFile&&) = delete;
  ~RemoteFile() {
    try {
      if (handle_ != nullptr) close(cleanup_deadline());
    } catch (const SshError&) {
    }
  }

  LIBSSH2_SFTP_HANDLE* get() const { return handle_; }
  // libssh2's result: 0 when the server confirmed the close.
  int close(TimePoint deadline) {
    LIBSSH2_SFTP_HANDLE* handle = std::exchange(handle_, nullptr);
    return connection_.retry([&] { return libssh2_sftp_close_handle(handle); }, deadline,
                             "closing the remote file");
  }

 private:
  SshConnection& connection_;
  LIBSSH2_SFTP_HANDLE* handle_;
};

// One SFTP channel, for one transfer. Shut down when it goes: by close()'s
// deadline after a success, within the cleanup time after a failure.
class SftpChannel {
 public:
  SftpChannel(SshConnection& connection, SshCommands& commands, TimePoint deadline)
      : connection_(connection), commands_(commands) {
    sftp_ = connection_.retry_open<LIBSSH2_SFTP>(
        [&] { return libssh2_sftp_init(connection_.session()); }, deadline, "starting SFTP");
    if (sftp_ == nullptr) connection_.fail("cannot start SFTP");
  }
  ~SftpChannel() { shutdown(cleanup_deadline()); }
  SftpChannel(const SftpChannel&) = delete;
  SftpChannel& operator=(const SftpChannel&) = delete;

  void close(TimePoint deadline) { shutdown(std::max(deadline, cleanup_deadline())); }
  SshConnection& connection() const { return connection_; }

  // Throws "cannot <verb> <path> on the host: <why>".
  RemoteFile open(const std::string& remote_path, unsigned long flags, long mode,
                  TimePoint deadline, std::string_view verb) {
    auto* handle = connection_.retry_open<LIBSSH2_SFTP_HANDLE>(
        [&] {
          return libssh2_sftp_open_ex(sftp_, remote_path.c_str(), remote_path.size(), flags, mode,
                                      LIBSSH2_SFTP_OPENFILE);
        },
        deadline, "opening the remote file");
    if (handle == nullptr) {
      const int rc = libssh2_session_last_errno(connection_.session());
      connection_.fail_plain(fmt::format("cannot {} {} on the host: {}", verb, remote_path,
                                         failure(remote_path, rc, deadline)));
    }
    return RemoteFile(connection_, handle);
  }

  std::uint64_t size_of(const std::string& remote_path, TimePoint deadline) {
    LIBSSH2_SFTP_ATTRIBUTES attributes{};
    const int rc = connection_.retry(
        [&] {
          return libssh2_sftp_stat_ex(sftp_, remote_path.c_str(), remote_path.size(),
                                      LIBSSH2_SFTP_STAT, &attributes);
        },
        deadline, "reading the size of " + remote_path);
    if (rc != 0 || !(attributes.flags & LIBSSH2_SFTP_ATTR_SIZE)) {
      connection_.fail_plain(fmt::format("cannot read the size of {} on the host: {}", remote_path,
                                         failure(remote_path, rc, deadline)));
    }
    return attributes.filesize;
  }

  // Best effort: a failure to remove is not the failure to report.
  void remove(const std::string& remote_path, TimePoint deadline) noexcept {
    try {
      connection_.retry(
          [&] { return libssh2_sftp_unlink_ex(sftp_, remote_path.c_str(), remote_path.size()); },
          deadline, "removing the partial upload");
    } catch (const SshError&) {
    }
  }

  // Why an SFTP call on remote_path failed. OpenSSH's sftp-server reports a
  // full disk as a plain "failure" (it has no status for ENOSPC in protocol
  // version 3), so a failure is followed by a look at the free space.
  std::string failure(const std::string& remote_path, int rc, TimePoint deadline) {
    if (rc != LIBSSH2_ERROR_SFTP_PROTOCOL) return connection_.last_error();
    const unsigned long code = libssh2_sftp_last_error(sftp_);
    if (code != LIBSSH2_FX_FAILURE && code != LIBSSH2_FX_NO_SPACE_ON_FILESYSTEM &&
        code != LIBSSH2_FX_QUOTA_EXCEEDED) {
      return sftp_status_text(code);
    }
    try {
      const TimePoint until = std::min(deadline, Clock::now() + 5s);
      auto free_blocks =
          commands_.exec({"stat", "-f", "-c", "%a", "--", parent_of(remote_path)}, until);
      if (free_blocks.succeeded() && free_blocks.out.rfind("0\n", 0) == 0) {
        return "no space left on the device (the remote disk is full)";
      }
    } catch (const SshError&) {
    }
    return sftp_status_text(code);
  }

 private:
  void shutdown(TimePoint deadline) noexcept {
    if (sftp_ == nullptr) return;
    try {
      connection_.retry([&] { return libssh2_sftp_shutdown(sftp_); }, deadline, "closing SFTP");
    } catch (const SshError&) {
    }
    sftp_ = nullptr;
  }

  SshConnection& connection_;
  SshCommands& commands_;
  LIBSSH2_SFTP* sftp_ = nullptr;
};

// One upload: content from a local descriptor streamed into a remote file,
// hashed on the way. source names the content in messages.
class Upload {
 public:
  Upload(SftpChannel& sftp, const std::string& source, const std::string& remote_path,
         TimePoint deadline)
      : sftp_(sftp), source_(source), remote_(remote_path), deadline_(deadline) {}

  // Throws SshError; a failed upload leaves no partial file behind.
  // fd: the content, read from where it is to its end.
  Copied run(int fd, int mode) {
    RemoteFile file = sftp_.open(remote_, LIBSSH2_FXF_WRITE | LIBSSH2_FXF_CREAT | LIBSSH2_FXF_TRUNC,
                                 mode, deadline_, "create");
    Expected<Copied> sent = send(fd, file);
    if (Expected<void> mode_set = sent ? set_mode(file, mode) : Expected<void>(); !mode_set) {
      sent = unexpected(mode_set.take_error());
    }
    const int rc = file.close(deadline_);
    if (sent && rc != 0) {
      sent = unexpected(fmt::format("cannot finish writing {} on the host: {}", remote_,
                                    sftp_.failure(remote_, rc, deadline_)));
    }
    if (!sent) {
      // A partial file helps no one (and keeps a full disk full).
      sftp_.remove(remote_, std::max(deadline_, cleanup_deadline()));
      connection().fail_plain(sent.error());
    }
    return *sent;
  }

 private:
  SshConnection& connection() const { return sftp_.connection(); }

  Expected<Copied> send(int fd, RemoteFile& file) {
    Copied sent;
    Sha256 hash;
    std::vector<char> chunk(kChunk);
    for (;;) {
      const ssize_t n = ::read(fd, chunk.data(), chunk.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0)
        return unexpected(fmt::format("cannot read {}: {}", source_, std::strerror(errno)));
      if (n == 0) break;
      hash.update(chunk.data(), n);
      sent.size += n;
      if (Expected<void> written = write(file, chunk.data(), n); !written) {
        return unexpected(written.take_error());
      }
      if (Clock::now() > deadline_) {
        return unexpected(fmt::format("upload of {} to {} timed out", source_, remote_));
      }
    }
    sent.sha256 = hash.hex();
    return sent;
  }

  Expected<void> write(RemoteFile& file, const char* data, std::size_t size) {
    // After EAGAIN libssh2 1.10 must be called again with the same buffer;
    // a positive result says how much of it is done.
    for (std::size_t done = 0; done < size;) {
      const int w = connection().retry(
          [&] {
            return static_cast<int>(libssh2_sftp_write(file.get(), data + done, size - done));
          },
          deadline_, "uploading " + remote_);
      if (w < 0) {
        return unexpected(fmt::format("cannot write {} on the host: {}", remote_,
                                      sftp_.failure(remote_, w, deadline_)));
      }
      done += static_cast<std::size_t>(w);
    }
    return {};
  }

  // The permission bits exactly, whatever the server's umask.
  Expected<void> set_mode(RemoteFile& file, int mode) {
    LIBSSH2_SFTP_ATTRIBUTES attributes{};
    attributes.flags = LIBSSH2_SFTP_ATTR_PERMISSIONS;
    attributes.permissions = static_cast<unsigned long>(mode);
    const int rc =
        connection().retry([&] { return libssh2_sftp_fsetstat(file.get(), &attributes); },
                           deadline_, "setting the file mode");
    if (rc == 0) return {};
    return unexpected(fmt::format("cannot set the mode of {}: {}", remote_,
                                  sftp_.failure(remote_, rc, deadline_)));
  }

  SftpChannel& sftp_;
  const std::string& source_;
  const std::string& remote_;
  TimePoint deadline_;
};

// One download: a remote file streamed into a local one, hashed on the way.
class Download {
 public:
  Download(SftpChannel& sftp, const std::string& remote_path, const std::string& local_path,
           TimePoint deadline)
      : sftp_(sftp), remote_(remote_path), local_(local_path), deadline_(deadline) {}

  // Throws SshError; a failed download leaves no partial local file.
  Copied run() {
    RemoteFile file = sftp_.open(remote_, LIBSSH2_FXF_READ, 0, deadline_, "open");
    Expected<Copied> received = receive(file);
    file.close(deadline_);
    if (!received) {
      std::error_code ec;
      std::filesystem::remove(local_, ec);
      sftp_.connection().fail_plain(received.error());
    }
    return *received;
  }

 private:
  Expected<Copied> receive(RemoteFile& file) {
    UniqueFd out(::open(local_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (out.get() < 0) {
      return unexpected(fmt::format("cannot download to {}: {}", local_, std::strerror(errno)));
    }
    Copied received;
    Sha256 hash;
    std::vector<char> chunk(kChunk);
    for (;;) {
      const int n = sftp_.connection().retry(
          [&] {
            return static_cast<int>(libssh2_sftp_read(file.get(), chunk.data(), chunk.size()));
          },
          deadline_, "downloading " + remote_);
      if (n < 0) {
        return unexpected(fmt::format("cannot read {} on the host: {}", remote_,
                                      sftp_.failure(remote_, n, deadline_)));
      }
      if (n == 0) break;
      hash.update(chunk.data(), n);
      received.size += n;
      if (Expected<void> written = write_all(out.get(), {chunk.data(), std::size_t(n)}, local_);
          !written) {
        return unexpected(written.take_error());
      }
    }
    received.sha256 = hash.hex();
    return received;
  }

  SftpChannel& sftp_;
  const std::string& remote_;
  const std::string& local_;
  TimePoint deadline_;
};

}  // namespace

void SshFiles::put(const std::string& local_path, const std::string& remote_path, int mode,
                   TimePoint deadline) {
  UniqueFd in(::open(local_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) {
    connection_.fail_plain(fmt::format("cannot upload {}: {}", local_path, std::strerror(errno)));
  }
  upload(in.get(), local_path, remote_path, mode, deadline);
}

void SshFiles::put_text(const std::string& text, const std::string& remote_path, int mode,
                        TimePoint deadline) {
  const std::string source = "drover's text";
  UniqueFd in(::memfd_create("drover-upload", MFD_CLOEXEC));
  Expected<void> written = in.get() < 0 ? unexpected(std::string(std::strerror(errno)))
                                        : write_all(in.get(), text, source);
  if (written && ::lseek(in.get(), 0, SEEK_SET) != 0) written = unexpected(std::strerror(errno));
  if (!written) {
    connection_.fail_plain(fmt::format("cannot upload to {}: {}", remote_path, written.error()));
  }
  upload(in.get(), source, remote_path, mode, deadline);
}

void SshFiles::upload(int fd, const std::string& source, const std::string& remote_path, int mode,
                      TimePoint deadline) {
  SftpChannel sftp(connection_, commands_, deadline);
  const Copied sent = Upload(sftp, source, remote_path, deadline).run(fd, mode);
  const std::uint64_t arrived = sftp.size_of(remote_path, deadline);
  sftp.close(deadline);
  const std::string transfer = fmt::format("upload of {} to {}", source, remote_path);
  check_size(transfer, arrived, sent.size);
  check_sha256(transfer, remote_path, sent.sha256, deadline);
}

void SshFiles::get(const std::string& remote_path, const std::string& local_path,
                   TimePoint deadline) {
  SftpChannel sftp(connection_, commands_, deadline);
  const std::uint64_t size = sftp.size_of(remote_path, deadline);
  const Copied received = Download(sftp, remote_path, local_path, deadline).run();
  sftp.close(deadline);
  const std::string transfer = fmt::format("download of {} to {}", remote_path, local_path);
  check_size(transfer, received.size, size);
  check_sha256(transfer, remote_path, received.sha256, deadline);
}

void SshFiles::check_size(const std::string& transfer, std::uint64_t arrived,
                          std::uint64_t sent) const {
  if (arrived == sent) return;
  connection_.fail_plain(
      fmt::format("{} is incomplete: {} of {} bytes arrived", transfer, arrived, sent));
}

void SshFiles::check_sha256(const std::string& transfer, const std::string& remote_path,
                            const std::string& local_sha256, TimePoint deadline) {
  const std::string remote = remote_sha256(remote_path, deadline);
  if (remote == local_sha256) return;
  connection_.fail_plain(
      fmt::format("{} is corrupt: sha256 {} on the host, {} here", transfer, remote, local_sha256));
}

std::string SshFiles::remote_sha256(const std::string& remote_path, TimePoint deadline) {
  auto result = commands_.exec({"sha256sum", "--", remote_path}, deadline);
  if (!result.succeeded() || result.out.size() < 64) {
    connection_.fail_plain(
        fmt::format("sha256sum {} on the host {}: {}", remote_path, result.describe(), result.err));
  }
  return result.out.substr(0, 64);
}

void SshFiles::make_directories(const std::string& remote_path, TimePoint deadline) {
  auto result = commands_.exec({"mkdir", "-p", "--", remote_path}, deadline);
  if (!result.succeeded()) {
    connection_.fail_plain(fmt::format("cannot create directory {}: mkdir {}: {}", remote_path,
                                       result.describe(), result.err));
  }
}

void SshFiles::make_private_directory(const std::string& remote_path, TimePoint deadline) {
  // One command, so nothing can come between the checks. mkdir without -p
  // fails on anything already there, a symbolic link (dangling or not)
  // included; -m sets the mode whatever the umask. On failure the command
  // prints what is there and exits 3.
  const std::string text = fmt::format(
      "d={0}; "
      "if ! e=$(LC_ALL=C mkdir -m 700 -- \"$d\" 2>&1); then "
      "if [ -L \"$d\" ]; then echo \"a symbolic link to $(readlink -- \"$d\") is there\"; "
      "elif [ -e \"$d\" ]; then "
      "echo \"it exists already ($(stat -c '%F owned by %U, mode %a' -- \"$d\"))\"; "
      "else echo \"${{e#mkdir: }}\"; fi; exit 3; fi; "
      "if [ \"$(stat -c %u -- \"$d\")\" != \"$(id -u)\" ]; then "
      "echo \"it is owned by $(stat -c %U -- \"$d\"), not by $(id -un)\"; exit 3; fi; "
      "r=$(readlink -f -- \"$d\"); if [ \"$r\" != \"$d\" ]; then rmdir -- \"$d\"; "
      "echo \"it is reached through a symbolic link (it would be $r)\"; exit 3; fi",
      shell_quote(remote_path));
  CommandResult result = commands_.exec_shell(text, deadline);
  if (result.succeeded()) return;
  std::string why = result.exit_status == 3 ? result.out : result.describe() + ": " + result.err;
  while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
  connection_.fail_plain(fmt::format(
      "cannot make the private folder {}: {} (drover makes a folder of its own, which only "
      "the login user may enter, and never takes over one it did not make)",
      remote_path, why));
}

void SshFiles::remove_tree(const std::string& remote_path, TimePoint deadline) {
  std::filesystem::path path(remote_path);
  bool has_dotdot = false;
  for (const auto& part : path) has_dotdot = has_dotdot || part == "..";
  if (!path.is_absolute() || path.relative_path().empty() || has_dotdot) {
    connection_.fail_plain(
        fmt::format("refusing to remove \"{}\": not an absolute path below /", remote_path));
  }
  auto result = commands_.exec({"rm", "-rf", "--", remote_path}, deadline);
  if (!result.succeeded()) {
    connection_.fail_plain(
        fmt::format("cannot remove {}: rm {}: {}", remote_path, result.describe(), result.err));
  }
}

}  // namespace drover
