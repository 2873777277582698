// known_hosts names and lines, key blobs and fingerprints, compared with
// what OpenSSH's own tools write and print.
#include "harness/remote/known_hosts.hpp"

#include <filesystem>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/temp_dir.hpp"

namespace drover::known_hosts_test {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::HasSubstr;

// Host keys and their fingerprints as ssh-keygen -l prints them; the hashed
// lines are ssh-keygen -H's output for "10.99.0.2" and "[10.99.0.5]:2222".
constexpr const char* kEd25519 =
    "AAAAC3NzaC1lZDI1NTE5AAAAILIh4t95at85q+p/7gox1tf1JTFKpn3y+9Ov+UJNe5WO";
constexpr const char* kEcdsa =
    "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBPl1ilH0PhrwGZaczk4iHEbfRbBIoDLaSP2EOO9f"
    "39+GNJ06FxbvpN3bWF0Cido0xwQ5KfUsdPcutMQesqTGcVU=";
constexpr const char* kHashedEd25519 =
    "|1|uuAXxklNga7bhy2dG6T4Y/kndps=|1BNMi1/JOBifvhfD2l++S+7HDHo=";
constexpr const char* kHashedEcdsa = "|1|KrU8AQBUo8kYfsg2ya4XZDoB0S8=|dYFdCoWIJgz3q5X9EBYkA0CusTs=";

std::string blob(const char* b64) {
  return base64_decode(b64).value();
}

TEST(KnownHostsTest, NameCarriesPortOnlyWhenNot22) {
  EXPECT_EQ(known_hosts_name("10.99.0.2", 22), "10.99.0.2");
  EXPECT_EQ(known_hosts_name("10.99.0.2", 2222), "[10.99.0.2]:2222");
  EXPECT_EQ(known_hosts_name("example.org", 22022), "[example.org]:22022");
}

TEST(KnownHostsTest, Base64RoundTripsRfc4648Vectors) {
  const std::pair<std::string, std::string> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(plain), encoded);
    EXPECT_EQ(base64_decode(encoded), plain);
  }
  EXPECT_EQ(base64_decode("Zm9v!"), std::nullopt);
  EXPECT_EQ(base64_decode("Zg==Zg"), std::nullopt);
}

TEST(KnownHostsTest, KeyTypeAndFingerprintMatchSshKeygen) {
  EXPECT_EQ(key_type_of_blob(blob(kEd25519)), "ssh-ed25519");
  EXPECT_EQ(key_type_of_blob(blob(kEcdsa)), "ecdsa-sha2-nistp256");
  EXPECT_EQ(key_type_of_blob("\x00\x00"), "");
  EXPECT_EQ(key_type_of_blob(std::string("\x00\x00\x00\x09short", 9)), "");
  EXPECT_EQ(sha256_fingerprint(blob(kEd25519)),
            "SHA256:1Bx/S8IZWtNaJvlKv7QS6YsUt7VA3swLobExfVWCkjM");
  EXPECT_EQ(sha256_fingerprint(blob(kEcdsa)), "SHA256:iUQj87gZAFZM1MjCtDeod4KxlYeNcvKM4/0h5l1LRV8");
}

TEST(KnownHostsTest, FormatsOpenSshLines) {
  EXPECT_EQ(format_known_hosts_line("10.99.0.2", blob(kEd25519)),
            std::string("10.99.0.2 ssh-ed25519 ") + kEd25519);
  EXPECT_EQ(format_known_hosts_line(known_hosts_name("10.99.0.5", 2222), blob(kEcdsa)),
            std::string("[10.99.0.5]:2222 ecdsa-sha2-nistp256 ") + kEcdsa);
}

TEST(KnownHostsTest, FindsRecordedTypesInPlainAndHashedEntries) {
  const std::string text = std::string("# comment\n") +                        //
                           "other,10.99.0.2 ssh-ed25519 " + kEd25519 + "\n" +  //
                           "10.99.0.2 ssh-ed25519 " + kEd25519 + "\n" +        //
                           "@cert-authority 10.99.0.2 ecdsa-sha2-nistp256 " + kEcdsa + "\n" +
                           "10.99.0.20 ecdsa-sha2-nistp256 " + kEcdsa + "\n" +  //
                           kHashedEcdsa + " ecdsa-sha2-nistp256 " + kEcdsa + "\n";
  EXPECT_EQ(recorded_key_types(text, "10.99.0.2"), std::vector<std::string>{"ssh-ed25519"});
  EXPECT_EQ(recorded_key_types(text, "[10.99.0.5]:2222"),
            std::vector<std::string>{"ecdsa-sha2-nistp256"});
  EXPECT_TRUE(recorded_key_types(text, "10.99.0.5").empty());  // the port is part of the name
  const std::string hashed = std::string(kHashedEd25519) + " ssh-ed25519 " + kEd25519 + "\n";
  EXPECT_EQ(recorded_key_types(hashed, "10.99.0.2"), std::vector<std::string>{"ssh-ed25519"});
  EXPECT_TRUE(recorded_key_types(hashed, "10.99.0.3").empty());
}

TEST(KnownHostsTest, FindsTheRevokedLineOfAKeyForTheHost) {
  const std::string ed = std::string(" ssh-ed25519 ") + kEd25519 + "\n";
  const std::string ecdsa = std::string(" ecdsa-sha2-nistp256 ") + kEcdsa + "\n";
  // The key is recorded as usual on line 2, and revoked on line 4.
  const std::string text = "# keys\n10.99.0.2" + ed + "10.99.0.3" + ecdsa + "@revoked 10.99.0.2" +
                           ed + "@revoked *" + ecdsa;
  EXPECT_EQ(revoked_key_line(text, "10.99.0.2", blob(kEd25519)), 4);
  EXPECT_EQ(revoked_key_line(text, "10.99.0.3", blob(kEd25519)), std::nullopt);  // another host
  EXPECT_EQ(revoked_key_line(text, "10.99.0.9", blob(kEcdsa)), 5);               // "*": any host
  // Only @revoked lines count: a key merely recorded is not revoked.
  EXPECT_EQ(revoked_key_line("10.99.0.2" + ed, "10.99.0.2", blob(kEd25519)), std::nullopt);
  EXPECT_EQ(revoked_key_line("@cert-authority *" + ed, "10.99.0.2", blob(kEd25519)), std::nullopt);

  // OpenSSH's patterns: wildcards, lists, negation, hashed names, ports.
  auto revoked_for = [&](const std::string& patterns, const std::string& name) {
    return revoked_key_line("@revoked " + patterns + ed, name, blob(kEd25519)).has_value();
  };
  EXPECT_TRUE(revoked_for("10.99.0.*", "10.99.0.2"));
  EXPECT_TRUE(revoked_for("10.99.0.?", "10.99.0.2"));
  EXPECT_FALSE(revoked_for("10.99.0.?", "10.99.0.20"));
  EXPECT_TRUE(revoked_for("other,10.99.*.2", "10.99.0.2"));
  EXPECT_FALSE(revoked_for("!10.99.0.2,10.99.0.*", "10.99.0.2"));
  EXPECT_TRUE(revoked_for("!10.99.0.2,10.99.0.*", "10.99.0.3"));
  EXPECT_TRUE(revoked_for(kHashedEd25519, "10.99.0.2"));
  EXPECT_FALSE(revoked_for(kHashedEd25519, "10.99.0.3"));
  EXPECT_TRUE(revoked_for("[10.99.0.5]:2222", "[10.99.0.5]:2222"));
  EXPECT_FALSE(revoked_for("10.99.0.5", "[10.99.0.5]:2222"));
}

TEST(KnownHostsTest, PinsRecordedUsableTypesBestFirst) {
  const std::string name = "10.99.0.2";
  // ECDSA recorded before ed25519, and a DSA key libssh2 cannot verify.
  const std::string text = name + " ssh-dss AAAA\n" +                        //
                           name + " ecdsa-sha2-nistp256 " + kEcdsa + "\n" +  //
                           name + " ssh-rsa AAAA\n" +                        //
                           name + " ssh-ed25519 " + kEd25519 + "\n";
  EXPECT_EQ(pinned_host_key_types(text, name),
            (std::vector<std::string>{"ssh-ed25519", "ecdsa-sha2-nistp256", "ssh-rsa"}));
  // Only ed25519: only it is asked for, or libssh2 would pick ECDSA.
  EXPECT_EQ(pinned_host_key_types(name + " ssh-ed25519 " + kEd25519 + "\n", name),
            std::vector<std::string>{"ssh-ed25519"});
  EXPECT_TRUE(pinned_host_key_types(text, "10.99.0.3").empty());
  EXPECT_EQ(usable_host_key_types().front(), "ssh-ed25519");
  EXPECT_EQ(usable_host_key_types().back(), "ssh-rsa");
}

TEST(KnownHostsTest, ReadsKnownHostsOrSaysWhyNot) {
  test_files::TempDir dir;
  const std::string line = std::string("10.99.0.2 ssh-ed25519 ") + kEd25519 + "\n";
  auto file = dir.write("known_hosts", line).string();
  ASSERT_TRUE(read_known_hosts(file));
  EXPECT_EQ(*read_known_hosts(file), line);
  // None yet: empty, as for a first connection under accept-new.
  auto missing = read_known_hosts((dir.path() / "none" / "known_hosts").string());
  ASSERT_TRUE(missing) << missing.error();
  EXPECT_EQ(*missing, "");
  // There, but not a file that can be read: an error naming it.
  auto directory = read_known_hosts(dir.path().string());
  ASSERT_FALSE(directory);
  EXPECT_EQ(directory.error(), "cannot read " + dir.path().string() + ": Is a directory");
  auto absent = read_text_file((dir.path() / "absent").string());
  ASSERT_FALSE(absent);
  EXPECT_EQ(absent.error(),
            "cannot read " + (dir.path() / "absent").string() + ": No such file or directory");
}

TEST(KnownHostsTest, WarnsOfSecretFilesOthersCanReach) {
  test_files::TempDir dir;
  const std::string key = dir.write("id_ed25519", "secret\n").string();
  fs::permissions(key, fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(unprotected_secret_file(key, "private key"), std::nullopt);
  fs::permissions(key, fs::perms::group_read, fs::perm_options::add);
  std::optional<std::string> group = unprotected_secret_file(key, "private key");
  ASSERT_TRUE(group) << "a group-readable key passed";
  EXPECT_THAT(*group, AllOf(HasSubstr("UNPROTECTED PRIVATE KEY FILE"), HasSubstr("0640"),
                            HasSubstr(key), HasSubstr("its group has")));
  fs::permissions(key, fs::perms::owner_read | fs::perms::owner_write | fs::perms::others_read);
  std::optional<std::string> others = unprotected_secret_file(key, "password");
  ASSERT_TRUE(others) << "a world-readable password file passed";
  EXPECT_THAT(*others, AllOf(HasSubstr("UNPROTECTED PASSWORD FILE"), HasSubstr("0604"),
                             HasSubstr("other users have"), HasSubstr("chmod 600 " + key)));
  // One that is not there is for reading it to report.
  EXPECT_EQ(unprotected_secret_file((dir.path() / "none").string(), "password"), std::nullopt);
}

// An OpenSSH-format private key file around a given public key blob (the
// private section is irrelevant to the type and left empty).
std::string openssh_key_file(const std::string& public_blob) {
  auto ssh_string = [](const std::string& s) {
    std::string out(4, '\0');
    for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((s.size() >> (24 - 8 * i)) & 0xff);
    return out + s;
  };
  std::string body = std::string("openssh-key-v1\0", 15) + ssh_string("aes256-ctr") +
                     ssh_string("bcrypt") + ssh_string("salt-and-rounds") +
                     std::string("\0\0\0\1", 4) + ssh_string(public_blob) + ssh_string("");
  std::string b64 = base64_encode(body);
  std::string text = "-----BEGIN OPENSSH PRIVATE KEY-----\n";
  for (std::size_t i = 0; i < b64.size(); i += 70) text += b64.substr(i, 70) + "\n";
  return text + "-----END OPENSSH PRIVATE KEY-----\n";
}

TEST(KnownHostsTest, TellsPrivateKeyTypes) {
  auto with_type = [](const std::string& type) {
    std::string blob(4, '\0');
    blob[3] = static_cast<char>(type.size());
    return blob + type + std::string("\0\0\0\1x", 5);
  };
  EXPECT_EQ(private_key_type(openssh_key_file(with_type("ssh-rsa"))), "ssh-rsa");
  EXPECT_EQ(private_key_type(openssh_key_file(with_type("ssh-ed25519"))), "ssh-ed25519");
  EXPECT_EQ(private_key_type(openssh_key_file(blob(kEcdsa))), "ecdsa-sha2-nistp256");
  EXPECT_EQ(private_key_type("-----BEGIN RSA PRIVATE KEY-----\nMIIE...\n"), "ssh-rsa");
  EXPECT_EQ(private_key_type("not a key"), "");
  EXPECT_EQ(private_key_type("-----BEGIN OPENSSH PRIVATE KEY-----\n!!!\n"
                             "-----END OPENSSH PRIVATE KEY-----\n"),
            "");
}

}  // namespace
}  // namespace drover::known_hosts_test
