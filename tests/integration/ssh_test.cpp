// SshConnection, SshCommands, SshFiles and SshHost against real OpenSSH servers: the hosts
// ci/netns-hosts starts in network namespaces (or, without root, on loopback). Each test cleans up
// its own directory on the host and checks that nothing of it is left.
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/remote/digest.hpp"
#include "harness/remote/known_hosts.hpp"
#include "harness/remote/shell_quote.hpp"
#include "harness/remote/ssh_host.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/ssh_hosts.hpp"
#include "tests/temp_dir.hpp"

namespace drover::ssh_test {
namespace {

using namespace std::chrono_literals;
using ::testing::AllOf;
using ::testing::AnyOf;
using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;
using test_ssh::HostSession;

TimePoint in(Duration d) {
  return Clock::now() + d;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// What a Notify was told.
struct Notices {
  std::vector<std::string> sources, messages;
  Notify notify() {
    return [this](const std::string& source, const std::string& message) {
      sources.push_back(source);
      messages.push_back(message);
    };
  }
  std::size_t size() const { return messages.size(); }
};

// The message of the SshError that connecting with spec throws ("" if none).
std::string connect_error(const SshHostSpec& spec) {
  try {
    HostSession session(spec);
  } catch (const SshError& e) {
    return e.what();
  }
  return "";
}

class SshTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loaded = test_ssh::load_ssh_hosts();
    if (!loaded) {
      GTEST_SKIP() << test_ssh::missing_hosts_message();
    }
    hosts_ = *loaded;
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    remote_dir_ = "/tmp/drover-ssh-" + std::string(info->name()) + "-" + std::to_string(::getpid());
  }

  // Removes this test's directory on every host it used and checks that no
  // process mentioning it and no file of it is left.
  void TearDown() override {
    for (std::size_t host : used_hosts_) {
      HostSession session(hosts_.with_key(host));
      session.files.remove_tree(remote_dir_, in(10s));
      auto left = session.exec({"test", "-e", remote_dir_}, in(10s));
      EXPECT_EQ(left.exit_status, 1) << remote_dir_ << " still exists on host " << host;
      // "[/]tmp/..." matches the directory but not this pgrep's own command line.
      auto procs = session.exec({"pgrep", "-f", "[/]" + remote_dir_.substr(1)}, in(10s));
      EXPECT_EQ(procs.exit_status, 1) << "processes left on host " << host << ": " << procs.out;
    }
  }

  // A session to host i (key auth) with this test's directory made there.
  std::unique_ptr<HostSession> session_with_dir(std::size_t i) {
    auto session = std::make_unique<HostSession>(hosts_.with_key(i));
    used_hosts_.push_back(i);
    session->files.make_directories(remote_dir_, in(10s));
    return session;
  }

  test_ssh::SshHosts hosts_;
  std::string remote_dir_;
  std::vector<std::size_t> used_hosts_;
  test_files::TempDir local_;
};

TEST_F(SshTest, KeyAuthEd25519) {
  HostSession session(hosts_.with_key(0, "DROVER_SSH_KEY_ED25519"));
  auto r = session.exec({"id", "-un"}, in(10s));
  EXPECT_EQ(r.exit_status, 0);
  EXPECT_EQ(r.out, hosts_.user() + "\n");
  EXPECT_TRUE(session.connection.warnings().empty());
}

TEST_F(SshTest, KeyAuthEcdsa) {
  HostSession session(hosts_.with_key(1, "DROVER_SSH_KEY_ECDSA"));
  EXPECT_EQ(session.exec({"true"}, in(10s)).exit_status, 0);
}

TEST_F(SshTest, KeyWithPassphraseFromFileAndEnv) {
  SshHostSpec spec = hosts_.with_key(2, "DROVER_SSH_KEY_ED25519_PASS");
  spec.auth.passphrase_file = hosts_.var("DROVER_SSH_PASSPHRASE_FILE");
  EXPECT_EQ(HostSession(spec).exec({"true"}, in(10s)).exit_status, 0);

  std::string phrase = read_file(spec.auth.passphrase_file);
  while (!phrase.empty() && phrase.back() == '\n') phrase.pop_back();
  ::setenv("DROVER_TEST_SSH_PASSPHRASE", phrase.c_str(), 1);
  spec.auth.passphrase_file.clear();
  spec.auth.passphrase_env = "DROVER_TEST_SSH_PASSPHRASE";
  EXPECT_EQ(HostSession(spec).exec({"true"}, in(10s)).exit_status, 0);

  ::setenv("DROVER_TEST_SSH_PASSPHRASE", "not-the-passphrase", 1);
  std::string error = connect_error(spec);
  ::unsetenv("DROVER_TEST_SSH_PASSPHRASE");
  EXPECT_THAT(error, AllOf(HasSubstr(spec.auth.key_file), HasSubstr("passphrase"),
                           Not(HasSubstr("not-the-passphrase"))));
}

TEST_F(SshTest, PasswordAuth) {
  if (hosts_.var("DROVER_SSH_PASSWORD_FILE").empty()) {
    GTEST_SKIP() << "loopback mode: no password login";
  }
  SshHostSpec spec = hosts_.spec(0);
  spec.auth.password_file = hosts_.var("DROVER_SSH_PASSWORD_FILE");
  HostSession session(spec);
  EXPECT_EQ(session.exec({"id", "-un"}, in(10s)).out, hosts_.user() + "\n");
}

TEST_F(SshTest, WrongPasswordRefusedWithClearMessage) {
  if (hosts_.var("DROVER_SSH_PASSWORD_FILE").empty()) {
    GTEST_SKIP() << "loopback mode: no password login";
  }
  SshHostSpec spec = hosts_.spec(1);
  ::setenv("DROVER_TEST_SSH_PASSWORD", "wrong-secret-123", 1);
  spec.auth.password_env = "DROVER_TEST_SSH_PASSWORD";
  std::string error = connect_error(spec);
  ::unsetenv("DROVER_TEST_SSH_PASSWORD");
  EXPECT_THAT(error,
              AllOf(HasSubstr(spec.user + "@" + spec.address + ":" + std::to_string(spec.port)),
                    HasSubstr("password"), HasSubstr("refused"),
                    HasSubstr("$DROVER_TEST_SSH_PASSWORD"), Not(HasSubstr("wrong-secret-123"))));
}

TEST_F(SshTest, KeyAndPasswordFilesOthersCanReadAreWarnedAbout) {
  auto copy_with_mode = [&](const std::string& from, const std::string& name, fs::perms mode) {
    fs::path copy = local_.path() / name;
    fs::copy_file(from, copy);
    fs::permissions(copy, mode);
    return copy.string();
  };
  const fs::perms owner = fs::perms::owner_read | fs::perms::owner_write;
  SshHostSpec spec = hosts_.spec(0);
  const std::string source = "host " + spec.name + " (" + spec.address + ")";
  spec.auth.key_file = copy_with_mode(hosts_.var("DROVER_SSH_KEY_ED25519"), "id_ed25519", owner);
  {
    Notices notices;
    HostSession session(spec, notices.notify());
    EXPECT_EQ(notices.size(), 0u) << notices.messages.at(0);
  }
  fs::permissions(spec.auth.key_file, fs::perms::group_read, fs::perm_options::add);
  {
    Notices notices;
    HostSession session(spec, notices.notify());  // warned, not refused
    EXPECT_EQ(session.exec({"true"}, in(10s)).exit_status, 0);
    ASSERT_EQ(notices.size(), 1u);
    EXPECT_EQ(notices.sources[0], source);
    EXPECT_THAT(notices.messages[0], AllOf(HasSubstr("UNPROTECTED PRIVATE KEY FILE"),
                                           HasSubstr(spec.auth.key_file), HasSubstr("0640")));
  }
  if (hosts_.var("DROVER_SSH_PASSWORD_FILE").empty()) {
    GTEST_SKIP() << "loopback mode: no password login";
  }
  spec.auth.key_file.clear();
  spec.auth.password_file = copy_with_mode(hosts_.var("DROVER_SSH_PASSWORD_FILE"), "password",
                                           owner | fs::perms::others_read);
  Notices notices;
  HostSession session(spec, notices.notify());
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_THAT(notices.messages[0], AllOf(HasSubstr("UNPROTECTED PASSWORD FILE"),
                                         HasSubstr(spec.auth.password_file), HasSubstr("0604")));
}

TEST_F(SshTest, RsaKeyRefusedWithExplanation) {
  SshHostSpec spec = hosts_.with_key(0, "DROVER_SSH_KEY_RSA");
  std::string error = connect_error(spec);
  EXPECT_THAT(error, AllOf(HasSubstr(spec.address), HasSubstr(spec.auth.key_file), HasSubstr("RSA"),
                           HasSubstr("ed25519 or ECDSA")));
}

TEST_F(SshTest, MissingKeyFileNamed) {
  SshHostSpec spec = hosts_.spec(0);
  spec.auth.key_file = (local_.path() / "no-such-key").string();
  EXPECT_THAT(connect_error(spec), AllOf(HasSubstr(spec.auth.key_file), HasSubstr("cannot read")));
}

TEST_F(SshTest, StrictKnownHostsAcceptsHashedEntries) {
  // The same known_hosts, hashed as ssh-keygen -H writes it.
  fs::path hashed = local_.path() / "known_hosts";
  fs::copy_file(hosts_.known_hosts(), hashed);
  std::string command = "ssh-keygen -q -H -f " + shell_quote(hashed.string()) + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0);
  ASSERT_THAT(read_file(hashed), HasSubstr("|1|"));
  SshHostSpec spec = hosts_.with_key(1);
  spec.known_hosts = hashed.string();
  EXPECT_EQ(HostSession(spec).exec({"true"}, in(10s)).exit_status, 0);
}

TEST_F(SshTest, UnknownHostRefused) {
  SshHostSpec spec = hosts_.with_key(0);
  spec.known_hosts = local_.write("known_hosts", "").string();
  std::string error = connect_error(spec);
  EXPECT_THAT(error, AllOf(HasSubstr(known_hosts_name(spec.address, spec.port)),
                           HasSubstr("not in known_hosts"), HasSubstr("SHA256:"),
                           HasSubstr(spec.known_hosts)));
  EXPECT_EQ(read_file(spec.known_hosts), "");
}

TEST_F(SshTest, AcceptNewRecordsKeyAndWarns) {
  SshHostSpec spec = hosts_.with_key(2);
  spec.known_hosts = (local_.path() / "sub" / "known_hosts").string();  // made as needed
  spec.host_key_policy = HostKeyPolicy::accept_new;
  {
    Notices notices;
    ::testing::internal::CaptureStderr();
    std::optional<HostSession> session;
    EXPECT_NO_THROW(session.emplace(spec, notices.notify()));
    EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
    ASSERT_TRUE(session);
    ASSERT_EQ(notices.size(), 1u);
    EXPECT_EQ(notices.sources[0], "host " + spec.name + " (" + spec.address + ")");
    EXPECT_THAT(notices.messages[0],
                AllOf(HasSubstr("accepted"), HasSubstr("SHA256:"), HasSubstr(spec.known_hosts)));
    EXPECT_EQ(session->connection.warnings(), notices.messages);
  }
  std::string recorded = read_file(spec.known_hosts);
  EXPECT_THAT(recorded, HasSubstr(known_hosts_name(spec.address, spec.port) + " "));
  // The recorded key is one of the host's real keys.
  std::istringstream line(recorded);
  std::string name, type, key;
  line >> name >> type >> key;
  EXPECT_THAT(read_file(hosts_.known_hosts()), HasSubstr(type + " " + key));

  // Now known: strict accepts it, and nothing more is written.
  spec.host_key_policy = HostKeyPolicy::strict;
  HostSession again(spec);
  EXPECT_TRUE(again.connection.warnings().empty());
  EXPECT_EQ(read_file(spec.known_hosts), recorded);
}

TEST_F(SshTest, ChangedHostKeyRefused) {
  // known_hosts records other ed25519 and ECDSA keys for the host: what a
  // changed key looks like.
  auto fake_key = [&](const char* type) {
    fs::path key = local_.path() / (std::string("fake_") + type);
    std::string command = std::string("ssh-keygen -q -N '' -t ") + type + " -f " +
                          shell_quote(key.string()) + " >/dev/null 2>&1";
    EXPECT_EQ(std::system(command.c_str()), 0);
    std::istringstream pub(read_file(key.string() + ".pub"));
    std::string key_type, base64;
    pub >> key_type >> base64;
    return key_type + " " + base64;
  };
  SshHostSpec spec = hosts_.with_key(0);
  const std::string name = known_hosts_name(spec.address, spec.port);
  const std::string ed25519_line = name + " " + fake_key("ed25519") + "\n";
  const std::string lines = ed25519_line + name + " " + fake_key("ecdsa") + "\n";
  spec.known_hosts = local_.write("known_hosts", lines).string();
  for (auto policy : {HostKeyPolicy::strict, HostKeyPolicy::accept_new}) {
    spec.host_key_policy = policy;
    EXPECT_THAT(connect_error(spec),
                AllOf(HasSubstr(name), HasSubstr("CHANGED"), HasSubstr(spec.known_hosts)));
  }
  EXPECT_EQ(read_file(spec.known_hosts), lines);

  // Only an ed25519 entry, and a different one: still a change, not "unknown".
  spec.known_hosts = local_.write("known_hosts", ed25519_line).string();
  EXPECT_THAT(connect_error(spec), HasSubstr("CHANGED"));
}

// The host's own ed25519 key, revoked by an "@revoked" line: refused
// although known_hosts also records it as the host's key, and never
// recorded by accept-new for a host otherwise unknown.
TEST_F(SshTest, RevokedHostKeyRefused) {
  SshHostSpec spec = hosts_.with_key(1);
  const std::string name = known_hosts_name(spec.address, spec.port);
  std::string recorded, ed25519;
  std::istringstream lines(read_file(hosts_.known_hosts()));
  for (std::string line; std::getline(lines, line);) {
    recorded += line + "\n";
    if (line.starts_with(name + " ssh-ed25519 ")) ed25519 = line.substr(name.size() + 1);
  }
  ASSERT_FALSE(ed25519.empty()) << hosts_.known_hosts() << " has no ed25519 key for " << name;
  const int revoked_at = static_cast<int>(std::count(recorded.begin(), recorded.end(), '\n')) + 1;
  const std::string with_revoked = recorded + "@revoked " + name + " " + ed25519 + "\n";
  spec.known_hosts = local_.write("known_hosts", with_revoked).string();
  for (auto policy : {HostKeyPolicy::strict, HostKeyPolicy::accept_new}) {
    spec.host_key_policy = policy;
    EXPECT_THAT(connect_error(spec),
                AllOf(HasSubstr(name), HasSubstr("REVOKED"),
                      HasSubstr(fmt::format("{} (line {})", spec.known_hosts, revoked_at))));
  }
  // Only the revocation, with a wildcard: an unknown host, but not one
  // whose key accept-new may take.
  const std::string only_revoked = "# revoked\n@revoked 10.99.0.*," + name + " " + ed25519 + "\n";
  spec.known_hosts = local_.write("known_hosts", only_revoked).string();
  spec.host_key_policy = HostKeyPolicy::accept_new;
  EXPECT_THAT(connect_error(spec),
              AllOf(HasSubstr("REVOKED"), HasSubstr(fmt::format("{} (line 2)", spec.known_hosts))));
  EXPECT_EQ(read_file(spec.known_hosts), only_revoked);
}

TEST_F(SshTest, UnreachableHostTimesOut) {
  SshHostSpec spec = hosts_.with_key(0);
  Duration limit = 1s;
  if (!hosts_.var("DROVER_SSH_UNREACHABLE").empty()) {
    spec.address = hosts_.var("DROVER_SSH_UNREACHABLE");  // in the subnet, nobody there
  } else {
    spec.port = 1;  // loopback mode: nothing listens on port 1
  }
  spec.name = "nowhere";
  spec.connect_timeout = limit;
  TimePoint start = Clock::now();
  std::string error = connect_error(spec);
  Duration took = Clock::now() - start;
  EXPECT_THAT(error, AllOf(HasSubstr("nowhere"), HasSubstr(spec.address), HasSubstr("connect")));
  if (hosts_.netns()) {
    // Nobody answers the ARP request, so the connect waits out its deadline;
    // unless an earlier test's attempt left a failed neighbour entry, which
    // the kernel keeps for a while and answers at once with EHOSTUNREACH.
    EXPECT_THAT(error, AnyOf(HasSubstr("timed out"), HasSubstr("No route to host")));
  }
  EXPECT_LT(took, limit + 500ms);
}

TEST_F(SshTest, ExitStatusAndSignal) {
  HostSession session(hosts_.with_key(1));
  auto ok = session.exec({"sh", "-c", "exit 0"}, in(10s));
  EXPECT_EQ(ok.exit_status, 0);
  EXPECT_TRUE(ok.succeeded());
  auto three = session.exec({"sh", "-c", "exit 3"}, in(10s));
  EXPECT_EQ(three.exit_status, 3);
  EXPECT_EQ(three.describe(), "exited with status 3");
  auto killed = session.exec({"sh", "-c", "kill -KILL $$"}, in(10s));
  EXPECT_EQ(killed.exit_status, std::nullopt);
  EXPECT_EQ(killed.exit_signal, "KILL");
  EXPECT_FALSE(killed.succeeded());
  auto missing = session.exec({"no-such-command-drover"}, in(10s));
  EXPECT_EQ(missing.exit_status, 127);
  EXPECT_THAT(missing.err, HasSubstr("no-such-command-drover"));
  // More channels than sshd allows at once (10): each one is closed.
  for (int i = 0; i < 25; ++i) ASSERT_EQ(session.exec({"true"}, in(10s)).exit_status, 0) << i;
}

TEST_F(SshTest, DrainsLargeStdoutAndStderrTogether) {
  HostSession session(hosts_.with_key(2));
  // Both streams at once, each far beyond a channel window (2 MB).
  auto r = session.exec({"sh", "-c",
                         "head -c 3000000 /dev/zero | tr '\\0' o & "
                         "head -c 2500000 /dev/zero | tr '\\0' e >&2; wait"},
                        in(20s));
  EXPECT_EQ(r.exit_status, 0);
  EXPECT_EQ(r.out.size(), 3000000u);
  EXPECT_EQ(r.err.size(), 2500000u);
  EXPECT_EQ(r.out.find_first_not_of('o'), std::string::npos);
  EXPECT_EQ(r.err.find_first_not_of('e'), std::string::npos);
  EXPECT_FALSE(r.truncated);
}

TEST_F(SshTest, StdinIsClosed) {
  HostSession session(hosts_.with_key(0));
  auto r = session.exec({"cat"}, in(5s));  // would wait for ever on an open stdin
  EXPECT_EQ(r.exit_status, 0);
  EXPECT_EQ(r.out, "");
}

TEST_F(SshTest, KeepalivesWhileACommandIsQuiet) {
  SshHostSpec spec = hosts_.with_key(1);
  spec.keepalive_interval = 2s;
  HostSession session(spec);
  // Quiet for 5 s: keepalives at about 2 s and 4 s, and the command and the
  // connection go on as if there were none.
  auto r = session.exec({"sh", "-c", "sleep 5; echo done"}, in(15s));
  EXPECT_EQ(r.exit_status, 0);
  EXPECT_EQ(r.out, "done\n");
  EXPECT_GE(session.connection.keepalives_sent(), 2);
  EXPECT_EQ(session.exec({"true"}, in(10s)).exit_status, 0);

  spec.keepalive_interval = 0s;
  HostSession quiet(spec);
  EXPECT_EQ(quiet.exec({"sleep", "3"}, in(10s)).exit_status, 0);
  EXPECT_EQ(quiet.connection.keepalives_sent(), 0);
}

TEST_F(SshTest, CommandDeadlineKillsTheCommand) {
  auto session = session_with_dir(0);
  TimePoint start = Clock::now();
  try {
    // sh (named after this test's directory, for TearDown) and its child sleep.
    session->exec({"sh", "-c", "sleep 29.5 && true", remote_dir_}, in(500ms));
    ADD_FAILURE() << "no timeout";
  } catch (const SshError& e) {
    EXPECT_THAT(e.what(),
                AllOf(HasSubstr("timed out"), HasSubstr(hosts_.addresses[0]), HasSubstr("killed")));
  }
  EXPECT_LT(Clock::now() - start, 1500ms);
  // The whole process group is gone, and the session is still usable.
  auto left = session->exec({"pgrep", "-f", "-x", "sleep 29[.]5"}, in(10s));
  EXPECT_EQ(left.exit_status, 1) << left.out;
  EXPECT_EQ(session->exec({"true"}, in(10s)).exit_status, 0);
}

TEST_F(SshTest, ShellInjectionArgumentStaysLiteral) {
  auto session = session_with_dir(0);
  const std::string pwned = remote_dir_ + "/pwned";
  for (const std::string& attack :
       {"; touch " + pwned, "$(touch " + pwned + ")", "`touch " + pwned + "`",
        "' ; touch " + pwned + " ; '", "\ntouch " + pwned}) {
    auto r = session->exec({"printf", "%s", attack}, in(10s));
    EXPECT_EQ(r.exit_status, 0);
    EXPECT_EQ(r.out, attack);
  }
  // A directory whose name is an attack is made with that very name.
  session->files.make_directories(remote_dir_ + "/x; touch " + pwned, in(10s));
  EXPECT_EQ(session->exec({"test", "-d", remote_dir_ + "/x; touch " + pwned}, in(10s)).exit_status,
            0);
  EXPECT_EQ(session->exec({"test", "-e", pwned}, in(10s)).exit_status, 1);
}

TEST_F(SshTest, SftpRoundTrip10MB) {
  auto session = session_with_dir(2);
  fs::path original = local_.path() / "random.bin";
  {
    std::mt19937_64 random(42);
    std::string bytes(10 << 20, '\0');
    for (std::size_t i = 0; i < bytes.size(); i += 8) {
      std::uint64_t v = random();
      std::memcpy(&bytes[i], &v, 8);
    }
    std::ofstream(original, std::ios::binary) << bytes;
  }
  const std::string remote = remote_dir_ + "/sub dir/random.bin";
  session->files.make_directories(remote_dir_ + "/sub dir", in(10s));
  TimePoint start = Clock::now();
  session->files.put(original.string(), remote, 0640, in(30s));
  fs::path back = local_.path() / "back.bin";
  session->files.get(remote, back.string(), in(30s));
  EXPECT_LT(Clock::now() - start, 30s);
  std::string a = read_file(original), b = read_file(back);
  EXPECT_EQ(a.size(), b.size());
  EXPECT_TRUE(a == b);
  Sha256 hash;
  hash.update(a);
  EXPECT_EQ(session->files.remote_sha256(remote, in(10s)), hash.hex());
  EXPECT_EQ(session->exec({"stat", "-c", "%a %s", remote}, in(10s)).out, "640 10485760\n");
}

TEST_F(SshTest, SftpErrorsNameHostAndPath) {
  auto session = session_with_dir(0);
  try {
    session->files.get(remote_dir_ + "/missing", (local_.path() / "x").string(), in(10s));
    ADD_FAILURE() << "no error";
  } catch (const SshError& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr(hosts_.addresses[0]), HasSubstr(remote_dir_ + "/missing"),
                                HasSubstr("no such file")));
  }
  fs::path small = local_.write("small.txt", "hello\n");
  try {
    session->files.put(small.string(), remote_dir_ + "/no/such/dir/f", 0644, in(10s));
    ADD_FAILURE() << "no error";
  } catch (const SshError& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr(hosts_.addresses[0]), HasSubstr("/no/such/dir/f")));
  }
  EXPECT_THROW(session->files.remove_tree("/", in(10s)), SshError);
  EXPECT_THROW(session->files.remove_tree("relative/dir", in(10s)), SshError);
  EXPECT_THROW(session->files.remove_tree(remote_dir_ + "/../etc", in(10s)), SshError);
}

TEST_F(SshTest, UploadToFullDiskSaysSo) {
  const std::string small_dir = hosts_.var("DROVER_SSH_SMALL_DIR");
  if (small_dir.empty()) GTEST_SKIP() << "no small filesystem (ci/netns-hosts could not mount it)";
  SshHostSpec spec = hosts_.with_key(1);
  HostSession session(spec);
  fs::path big = local_.path() / "big.bin";
  std::ofstream(big, std::ios::binary) << std::string(3 << 20, 'x');  // 3 MB into 1 MB
  const std::string remote = small_dir + "/big-" + std::to_string(::getpid()) + ".bin";
  try {
    session.files.put(big.string(), remote, 0644, in(20s));
    ADD_FAILURE() << "no error";
  } catch (const SshError& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr(spec.address), HasSubstr(remote), HasSubstr("no space")));
  }
  // The partial file is gone: the disk is not left full.
  EXPECT_EQ(session.exec({"test", "-e", remote}, in(10s)).exit_status, 1);
}

TEST_F(SshTest, AgentAuth) {
  // A private ssh-agent holding the ECDSA key, stopped at the end.
  fs::path socket = local_.path() / "agent.sock";
  std::string out;
  {
    std::string command = "ssh-agent -s -a " + shell_quote(socket.string());
    FILE* pipe = ::popen(command.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    char buffer[512];
    std::size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
    ASSERT_EQ(::pclose(pipe), 0) << out;
  }
  auto at = out.find("SSH_AGENT_PID=");
  ASSERT_NE(at, std::string::npos) << out;
  int agent_pid = std::atoi(out.c_str() + at + 14);
  ASSERT_GT(agent_pid, 0);
  struct StopAgent {
    int pid;
    ~StopAgent() { ::kill(pid, SIGTERM); }
  } stop{agent_pid};
  std::string add = "SSH_AUTH_SOCK=" + shell_quote(socket.string()) + " ssh-add -q " +
                    shell_quote(hosts_.var("DROVER_SSH_KEY_ECDSA")) + " 2>/dev/null";
  ASSERT_EQ(std::system(add.c_str()), 0);

  const char* saved = std::getenv("SSH_AUTH_SOCK");
  std::string saved_value = saved ? saved : "";
  ::setenv("SSH_AUTH_SOCK", socket.c_str(), 1);
  SshHostSpec spec = hosts_.spec(0);
  spec.auth.agent = true;
  std::string error;
  try {
    HostSession session(spec);
    EXPECT_EQ(session.exec({"true"}, in(10s)).exit_status, 0);
  } catch (const SshError& e) {
    error = e.what();
  }
  if (saved) {
    ::setenv("SSH_AUTH_SOCK", saved_value.c_str(), 1);
  } else {
    ::unsetenv("SSH_AUTH_SOCK");
  }
  EXPECT_EQ(error, "");
}

TEST_F(SshTest, NoAuthenticationConfigured) {
  EXPECT_THAT(connect_error(hosts_.spec(0)), HasSubstr("no authentication method configured"));
}

// SshHost: processes on a remote host, as the runner will start them.
class SshHostTest : public SshTest {
 protected:
  HostPtr make_host(std::size_t i) {
    used_hosts_.push_back(i);
    SshHostOptions options;
    options.run_dir = remote_dir_;
    options.command_timeout = 10s;
    return make_ssh_host(hosts_.with_key(i), options);
  }

  static std::optional<ExitStatus> wait_exit(Process& p, Duration limit) {
    TimePoint until = in(limit);
    for (;;) {
      auto status = p.poll();
      if (status || Clock::now() > until) return status;
      std::this_thread::sleep_for(50ms);
    }
  }
};

TEST_F(SshHostTest, StartWaitStopKillsTheGroup) {
  {
    HostPtr host = make_host(1);
    ProcessPtr p =
        host->start({"server", {"sh", "-c", "echo ready; sleep 61 & sleep 62"}, {}, "", ""});
    EXPECT_GT(p->pid(), 1);
    EXPECT_EQ(p->wait_for_stdout_line(Regex("^ready$"), in(5s)), "ready");
    EXPECT_EQ(p->poll(), std::nullopt);
    ExitStatus status = p->stop(1s);
    EXPECT_FALSE(status.exited);
    EXPECT_EQ(status.signal, SIGTERM);
    EXPECT_EQ(p->stop(1s).signal, SIGTERM);  // idempotent
    HostSession check(hosts_.with_key(1));
    auto left = check.exec({"pgrep", "-f", "-x", "sleep 6[12]"}, in(10s));
    EXPECT_EQ(left.exit_status, 1) << left.out;
  }
  // The host is gone: so is its run folder (TearDown checks it too).
  HostSession check(hosts_.with_key(1));
  EXPECT_EQ(check.exec({"test", "-e", remote_dir_}, in(10s)).exit_status, 1);
}

TEST_F(SshHostTest, ExitStatusOutputAndEnvironment) {
  HostPtr host = make_host(2);
  ProcessPtr p =
      host->start({"job",
                   {"sh", "-c", "echo out $GREETING $DROVER_RUN_DIR; echo err >&2; exit 7"},
                   {{"GREETING", "hello world"}},
                   "/tmp",
                   ""});
  auto status = wait_exit(*p, 5s);
  ASSERT_TRUE(status);
  EXPECT_TRUE(status->exited);
  EXPECT_EQ(status->code, 7);
  EXPECT_EQ(p->stderr_tail(5), "err\n");
  fs::path out = local_.path() / "job.stdout.log";
  host->copy_from(p->log_files().at(0), out.string());
  EXPECT_EQ(read_file(out), "out hello world " + remote_dir_ + "\n");

  ProcessPtr killed = host->start({"killed", {"sh", "-c", "kill -KILL $$"}, {}, "", ""});
  status = wait_exit(*killed, 5s);
  ASSERT_TRUE(status);
  EXPECT_FALSE(status->exited);
  EXPECT_EQ(status->signal, SIGKILL);
  // A program that ends on SIGTERM by itself: its own exit status is kept.
  ProcessPtr graceful =
      host->start({"graceful",
                   {"sh", "-c", "trap 'exit 0' TERM; echo up; while :; do sleep 0.1; done"},
                   {},
                   "",
                   ""});
  ASSERT_EQ(graceful->wait_for_stdout_line(Regex("up"), in(5s)), "up");
  ExitStatus stopped = graceful->stop(3s);
  EXPECT_TRUE(stopped.exited) << stopped.describe();
  EXPECT_EQ(stopped.code, 0);
}

TEST_F(SshHostTest, MissingProgramAndCopies) {
  HostPtr host = make_host(0);
  try {
    host->start({"x", {"no-such-program-drover"}, {}, "", ""});
    ADD_FAILURE() << "started";
  } catch (const HostError& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("no-such-program-drover"), HasSubstr(hosts_.addresses[0]),
                                HasSubstr("not found")));
  }
  fs::path local = local_.write("config.txt", "key=value\n");
  host->copy_to(local.string(), remote_dir_ + "/config.txt");
  HostSession check(hosts_.with_key(0));
  EXPECT_EQ(check.exec({"cat", remote_dir_ + "/config.txt"}, in(10s)).out, "key=value\n");
}

TEST_F(SshHostTest, WarningsGoToTheNotifyNeverToStderr) {
  SshHostSpec spec = hosts_.with_key(0);
  spec.known_hosts = (local_.path() / "known_hosts").string();  // new: the key is accepted
  spec.host_key_policy = HostKeyPolicy::accept_new;
  used_hosts_.push_back(0);
  SshHostOptions options;
  options.run_dir = remote_dir_;
  options.command_timeout = 10s;
  Notices notices;
  options.notify = notices.notify();
  bool locked = false;
  ::testing::internal::CaptureStderr();
  try {
    HostPtr host = make_ssh_host(spec, options);
    // A folder the host's cleanup cannot remove (unless it logs in as root).
    auto made = host->run({"sh", "-c", "mkdir -p locked/x && chmod 555 locked && id -u"},
                          remote_dir_, in(10s), 4096);
    locked = made.status && made.status->exited && made.status->code == 0 && made.out != "0\n";
  } catch (const HostError& e) {
    ADD_FAILURE() << e.what();
  }
  const std::string printed = ::testing::internal::GetCapturedStderr();
  HostSession(hosts_.with_key(0)).exec({"chmod", "-R", "u+w", remote_dir_}, in(10s));  // TearDown

  EXPECT_EQ(printed, "");
  const std::string source = "host " + spec.name + " (" + spec.address + ")";
  ASSERT_GE(notices.size(), 1u);
  EXPECT_EQ(notices.sources[0], source);
  EXPECT_THAT(notices.messages[0], AllOf(HasSubstr("accepted"), HasSubstr(spec.known_hosts)));
  if (!locked) GTEST_SKIP() << "logged in as root: no cleanup can fail";
  ASSERT_EQ(notices.size(), 2u);
  EXPECT_EQ(notices.sources[1], source);
  EXPECT_THAT(notices.messages[1], AllOf(HasSubstr("cannot remove"), HasSubstr(remote_dir_)));
}

// The run folder is made fresh, never taken over: not one that is there
// already (the login user's own, or another user's), not a symbolic link,
// not one reached through a symbolic link. Each refusal names the host and
// the path, and leaves what was there as it was.
TEST_F(SshHostTest, RunFolderIsMadeFreshNeverTakenOver) {
  SshHostSpec spec = hosts_.with_key(0);
  auto refusal = [&](const std::string& run_dir) -> std::string {
    SshHostOptions options;
    options.run_dir = run_dir;
    options.command_timeout = 10s;
    try {
      make_ssh_host(spec, options);
    } catch (const SshError& e) {
      return e.what();
    }
    return "";
  };
  auto session = session_with_dir(0);
  const std::string real = remote_dir_ + "/real", link = remote_dir_ + "/link";
  ASSERT_EQ(session
                ->exec_shell(
                    fmt::format("mkdir {0}/real && ln -s real {0}/link", shell_quote(remote_dir_)),
                    in(10s))
                .exit_status,
            0);
  const std::string where = spec.address;
  EXPECT_THAT(refusal(real), AllOf(HasSubstr(where), HasSubstr(real), HasSubstr("exists already"),
                                   HasSubstr("owned by " + hosts_.user())));
  if (hosts_.user() != "root") {
    EXPECT_THAT(refusal("/proc"), AllOf(HasSubstr(where), HasSubstr("/proc"),
                                        HasSubstr("exists already"), HasSubstr("owned by root")));
  }
  EXPECT_THAT(refusal(link), AllOf(HasSubstr(where), HasSubstr(link), HasSubstr("symbolic link")));
  EXPECT_THAT(refusal(link + "/run"),
              AllOf(HasSubstr(where), HasSubstr(link + "/run"), HasSubstr("symbolic link")));
  // Nothing was made, taken or removed: the folder is as the test left it.
  EXPECT_EQ(session
                ->exec_shell(
                    fmt::format("cd {} && ls -A real && readlink link", shell_quote(remote_dir_)),
                    in(10s))
                .out,
            "real\n");
}

// What the run puts on the host is the login user's alone: the folder and
// its logs folder 0700, the logs, status and group files 0600, copies 0600
// or 0700, whatever the login's umask (the program itself keeps it).
TEST_F(SshHostTest, RunFolderAndLogsAreTheLoginUsersAlone) {
  HostPtr host = make_host(1);
  ProcessPtr p = host->start({"job", {"sh", "-c", "umask; echo done >&2"}, {}, "", ""});
  ASSERT_TRUE(wait_exit(*p, 5s));
  fs::path program = local_.write("program", "#!/bin/sh\n");
  fs::permissions(program, fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read |
                               fs::perms::others_exec);
  host->copy_to(program.string(), remote_dir_ + "/program");
  host->copy_to(local_.write("job.json", "{}").string(), remote_dir_ + "/job.json");
  HostSession check(hosts_.with_key(1));
  const std::string modes =
      check
          .exec_shell(fmt::format("cd {} && stat -c '%n %a' . logs logs/job.stdout.log "
                                  "logs/job.stderr.log logs/job.status .groups program job.json",
                                  shell_quote(remote_dir_)),
                      in(10s))
          .out;
  EXPECT_EQ(modes,
            ". 700\nlogs 700\nlogs/job.stdout.log 600\nlogs/job.stderr.log 600\n"
            "logs/job.status 600\n.groups 600\nprogram 700\njob.json 600\n");
  const std::string umask = check.exec_shell("umask", in(10s)).out;
  fs::path out = local_.path() / "job.stdout.log";
  host->copy_from(p->log_files().at(0), out.string());
  EXPECT_EQ(read_file(out), umask) << "the program runs under the login's umask";
}

// A process's environment reaches it, but never a command line on the
// host, where every user sees it in ps; nor does its file stay behind. The
// wrapper keeps its own variables and PATH whatever the names the
// environment sets.
TEST_F(SshHostTest, EnvironmentNeverOnACommandLine) {
  HostPtr host = make_host(2);
  // Unique to this test process: other tests may run on the hosts too.
  const std::string marker = "s3cr3t-" + std::to_string(::getpid());
  const std::string secret = marker + "-'$(id)'-value";
  ProcessPtr p =
      host->start({"server",
                   {"sh", "-c", "echo \"$TOKEN\"; exec sleep 30"},
                   {{"TOKEN", secret}, {"s", "x"}, {"o", "y"}, {"PATH", "/bin:/usr/bin"}},
                   "",
                   ""});
  ASSERT_EQ(p->wait_for_stdout_line(Regex("value"), in(5s)), secret);
  HostSession check(hosts_.with_key(2));
  // Every command line on the host, and the environment of the program.
  const std::string lines =
      check.exec_shell("for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' <$f; echo; done", in(10s))
          .out;
  EXPECT_THAT(lines, HasSubstr("sleep 30"));
  EXPECT_THAT(lines, Not(HasSubstr(marker)));
  const std::string environ =
      check.exec_shell(fmt::format("tr '\\0' '\\n' </proc/{}/environ", p->pid()), in(10s)).out;
  EXPECT_THAT(environ, HasSubstr("TOKEN=" + secret + "\n"));
  EXPECT_EQ(p->stop(1s).signal, SIGTERM);
  // No environment file left; the status where the wrapper's own $s says.
  EXPECT_EQ(check.exec_shell(fmt::format("ls -A {}/logs", shell_quote(remote_dir_)), in(10s)).out,
            "server.status\nserver.status.pid\nserver.stderr.log\nserver.stdout.log\n");
}

// The watcher, once drover is gone without a word, kills the process
// groups the run listed, and only those: a line "1" (kill -9 -1: every
// process of the login user) or "abc" kills nothing.
TEST_F(SshHostTest, WatcherKillsOnlyTheRunsProcessGroups) {
  used_hosts_.push_back(0);
  HostSession check(hosts_.with_key(0));
  // A process of the login user the run knows nothing of.
  const CommandResult bystander =
      check.exec_shell("setsid sleep 300 </dev/null >/dev/null 2>&1 & echo $!", in(10s));
  const int bystander_pid = std::atoi(bystander.out.c_str());
  ASSERT_GT(bystander_pid, 1) << bystander.describe();
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t drover = ::fork();
  if (drover == 0) {
    // A drover that starts a process, finds its group file tampered
    // with, and dies while its host is still up: no destructor runs, the
    // connection just closes.
    ::close(fds[0]);
    auto report = [&](int pid) {
      [[maybe_unused]] ssize_t n = ::write(fds[1], &pid, sizeof pid);
      ::_exit(0);
    };
    try {
      SshHostOptions options;
      options.run_dir = remote_dir_;
      options.command_timeout = 10s;
      HostPtr host = make_ssh_host(hosts_.with_key(0), options);
      ProcessPtr p = host->start({"server", {"sleep", "301"}, {}, "", ""});
      auto added = host->run({"sh", "-c", "printf '1\\nabc\\n0\\n-1\\n 1\\n01\\n' >>.groups"},
                             remote_dir_, in(10s), 4096);
      report(added.status && added.status->exited && added.status->code == 0 ? p->pid() : 0);
    } catch (...) {
    }
    report(0);
  }
  ::close(fds[1]);
  int started = 0;
  EXPECT_EQ(::read(fds[0], &started, sizeof started), static_cast<ssize_t>(sizeof started));
  ::close(fds[0]);
  ::waitpid(drover, nullptr, 0);
  ASSERT_GT(started, 1) << "the run never started its process";
  // Alive and not a zombie (an orphan's zombie may wait a while for init).
  auto alive = [&](int pid) {
    const std::string stat = fmt::format("/proc/{}/stat", pid);
    return check.exec_shell(fmt::format("grep -qv ') Z ' {}", stat), in(10s)).exit_status == 0;
  };
  // The watcher is done once the run folder is gone.
  EXPECT_TRUE(test::eventually(
      [&] {
        return check.exec({"test", "-e", remote_dir_}, in(10s)).exit_status != 0;
      },
      30s, 50ms))
      << remote_dir_ << " is still there";
  // SIGKILL is delivered when the process next runs: a moment after kill,
  // longer on a loaded machine.
  EXPECT_TRUE(test::eventually([&] { return !alive(started); }, 20s, 50ms))
      << "the run's own process outlived it";
  EXPECT_TRUE(alive(bystander_pid)) << "the watcher killed a process that was not the run's";
  check.exec({"kill", "-9", std::to_string(bystander_pid)}, in(10s));
}

TEST_F(SshHostTest, ZombieChildrenSeenThroughProc) {
  HostPtr host = make_host(0);
  // sh forks a short sleep, then becomes a long one that never reaps it.
  ProcessPtr p = host->start({"reaper", {"sh", "-c", "sleep 0.1 & exec sleep 30"}, {}, "", ""});
  std::vector<int> zombies;
  for (TimePoint until = in(5s); zombies.empty() && Clock::now() < until;) {
    std::this_thread::sleep_for(100ms);
    zombies = host->zombie_children(p->pid());
  }
  EXPECT_EQ(zombies.size(), 1u);
  p->stop(0s);
}

}  // namespace
}  // namespace drover::ssh_test
