// What drover uploads to SSH hosts runs on a stock Debian 12: the reference
// targets need only libc, libm, libstdc++ and libgcc_s, drover-agent only
// libc and libm (all of them glibc and GCC runtimes; readelf's NEEDED entries, what the dynamic
// loader must find there).
#include <cstdio>
#include <filesystem>
#include <set>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace drover::test::portable_binaries_test {
namespace {

namespace fs = std::filesystem;

// A sanitizer build links its runtime into everything: not what is shipped.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

// The shared libraries an executable names, or nullopt-like empty set with
// ok = false when readelf cannot read it.
std::set<std::string> needed(const fs::path& exe, bool* ok) {
  std::set<std::string> libs;
  std::string command = "readelf -d '" + exe.string() + "' 2>&1";
  FILE* p = ::popen(command.c_str(), "r");
  *ok = p != nullptr;
  if (!p) return libs;
  char line[1024];
  bool dynamic = false;
  while (std::fgets(line, sizeof line, p)) {
    std::string text = line;
    if (text.find("Dynamic section") != std::string::npos) dynamic = true;
    auto open = text.find("(NEEDED)");
    if (open == std::string::npos) continue;
    auto lb = text.find('[', open), rb = text.find(']', open);
    if (lb != std::string::npos && rb != std::string::npos)
      libs.insert(text.substr(lb + 1, rb - lb - 1));
  }
  *ok = ::pclose(p) == 0 && dynamic;
  return libs;
}

TEST(PortableBinariesTest, DroverAgentNeedsOnlyLibcAndLibm) {
  if (kSanitized) GTEST_SKIP() << "a sanitizer build needs the sanitizer's runtime";
  bool ok = false;
  std::set<std::string> libs = needed(fs::path(DROVER_BINARY_DIR) / "drover-agent", &ok);
  ASSERT_TRUE(ok) << "readelf could not read drover-agent";
  EXPECT_THAT(libs, ::testing::IsSubsetOf({"libc.so.6", "libm.so.6", "ld-linux-x86-64.so.2"}));
}

TEST(PortableBinariesTest, ReferenceTargetsNeedOnlyTheCAndCxxRuntimes) {
  if (kSanitized) GTEST_SKIP() << "a sanitizer build needs the sanitizer's runtime";
  int seen = 0;
  for (const auto& entry : fs::directory_iterator(DROVER_TARGETS_DIR)) {
    if (!entry.is_regular_file() ||
        (entry.status().permissions() & fs::perms::owner_exec) == fs::perms::none)
      continue;
    ++seen;
    bool ok = false;
    std::set<std::string> libs = needed(entry.path(), &ok);
    ASSERT_TRUE(ok) << "readelf could not read " << entry.path();
    EXPECT_THAT(libs, ::testing::IsSubsetOf({"libc.so.6", "libm.so.6", "ld-linux-x86-64.so.2",
                                             "libstdc++.so.6", "libgcc_s.so.1"}))
        << entry.path();
  }
  EXPECT_EQ(seen, 5) << "the five reference targets in " << DROVER_TARGETS_DIR;
}

}  // namespace
}  // namespace drover::test::portable_binaries_test
