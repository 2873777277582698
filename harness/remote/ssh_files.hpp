// Files on one host, over an SshConnection: copies both ways over SFTP,
// streamed in chunks and checked against the local file by size and
// sha256, and the directories drover makes and removes for a run.
//
// Promises: every call returns or throws SshError by its deadline (cleanup
// included), with a message that names the host and the path, and says
// "no space" when the remote disk is full; a failed upload leaves no
// partial file behind, a failed download no partial local file. Each
// transfer opens its own SFTP channel and closes it before returning.
//
// Not thread-safe: it shares its connection's thread. Must go before the
// connection and the SshCommands it uses.
#pragma once

#include <cstdint>
#include <string>

#include "harness/core/clock.hpp"
#include "harness/remote/ssh_commands.hpp"
#include "harness/remote/ssh_connection.hpp"

namespace drover {

class SshFiles {
 public:
  SshFiles(SshConnection& connection, SshCommands& commands)
      : connection_(connection), commands_(commands) {}
  SshFiles(const SshFiles&) = delete;
  SshFiles& operator=(const SshFiles&) = delete;

  // Streams local_path to remote_path (replaced if present) with exactly
  // the permission bits mode, then checks the remote size and sha256sum.
  void put(const std::string& local_path, const std::string& remote_path, int mode,
           TimePoint deadline);
  // As put, with text as the file's content: it never touches a local file
  // nor a command line, so it may be a secret.
  void put_text(const std::string& text, const std::string& remote_path, int mode,
                TimePoint deadline);
  // Streams remote_path to local_path (replaced if present), checked the
  // same way.
  void get(const std::string& remote_path, const std::string& local_path, TimePoint deadline);
  // mkdir -p on the host.
  void make_directories(const std::string& remote_path, TimePoint deadline);
  // A folder only the login user may enter (mode 0700), made fresh:
  // throws, naming the path and what is there, when something already is
  // (a folder, whoever owns it, or a symbolic link), when the folder is not
  // the login user's, and when it is reached through a symbolic link (a
  // folder made that way is removed again). remote_path is absolute.
  void make_private_directory(const std::string& remote_path, TimePoint deadline);
  // rm -rf of a directory drover made for a run; refuses "/", relative
  // paths and paths with "..".
  void remove_tree(const std::string& remote_path, TimePoint deadline);
  // sha256sum of a remote file, as lower-case hex.
  std::string remote_sha256(const std::string& remote_path, TimePoint deadline);

  // What a transfer moved: its size and the sha256 of the local side.
  struct Copied {
    std::uint64_t size = 0;
    std::string sha256;
  };

 private:
  // The content of fd (named source in messages) to remote_path, checked.
  void upload(int fd, const std::string& source, const std::string& remote_path, int mode,
              TimePoint deadline);
  // Each throws SshError unless the copy is whole; transfer names it:
  // "upload of <local> to <remote>".
  void check_size(const std::string& transfer, std::uint64_t arrived, std::uint64_t sent) const;
  void check_sha256(const std::string& transfer, const std::string& remote_path,
                    const std::string& local_sha256, TimePoint deadline);

  SshConnection& connection_;
  SshCommands& commands_;
};

}  // namespace drover
