// The run folder: runs/<scenario>/<time> under the working directory, and
// never anywhere else, whatever name a caller passes.
#include "harness/cli/run_folder.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <stdexcept>

#include "tests/support/temp_dir.hpp"

namespace drover::run_folder_test {
namespace {

namespace fs = std::filesystem;

// Runs in a fresh working directory, and goes back to the old one after.
class RunFolderTest : public ::testing::Test {
 protected:
  void SetUp() override { fs::current_path(dir_.path()); }
  void TearDown() override { fs::current_path(old_); }

  std::size_t entries_in_working_directory() const {
    return static_cast<std::size_t>(
        std::distance(fs::directory_iterator(dir_.path() / "runs"), fs::directory_iterator()));
  }

  fs::path old_ = fs::current_path();
  test::TempDir dir_;
};

TEST_F(RunFolderTest, AScenarioNameIsOneFolderUnderRuns) {
  fs::path made = create_run_folder("", "a.b-c");
  EXPECT_EQ(made.parent_path().parent_path(),
            (fs::canonical(dir_.path()) / "runs").lexically_normal());
  EXPECT_EQ(made.parent_path().filename(), "a.b-c");
  EXPECT_TRUE(fs::is_directory(made));
}

TEST_F(RunFolderTest, ANameOfDotsOrWithASeparatorIsRefused) {
  fs::create_directory(dir_.path() / "runs");
  for (const char* name : {"", ".", "..", "...", "../x", "a/b"}) {
    SCOPED_TRACE(name);
    EXPECT_THROW(create_run_folder("", name), std::runtime_error);
  }
  EXPECT_EQ(entries_in_working_directory(), 0u) << "a refused name made a folder";
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_.path()), fs::directory_iterator()), 1)
      << "only runs/ may be there";
}

TEST_F(RunFolderTest, OutIsTakenAsGiven) {
  fs::path out = dir_.path() / "elsewhere" / "run";
  EXPECT_EQ(fs::path(create_run_folder(out.string(), "..")), out.lexically_normal());
  EXPECT_TRUE(fs::is_directory(out));
}

}  // namespace
}  // namespace drover::run_folder_test
