// Replays every kept fuzz input (tests/fuzz/corpus/<target>/ and
// tests/fuzz/regressions/<target>/) through the fuzz targets' own entry
// points, in the normal build: a crash ci/fuzz once found stays fixed, and
// the seeds keep meeting the invariants the fuzzers check.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "reports/sink.hpp"
#include "tests/fuzz/entry_points.hpp"
#include "tests/support/temp_dir.hpp"

namespace drover::fuzz_regressions_test {
namespace {

namespace fs = std::filesystem;
using Entry = int (*)(const std::uint8_t*, std::size_t);

struct FuzzTarget {
  const char* name;  // as in tests/fuzz/CMakeLists.txt and ci/fuzz
  Entry entry;
};

const FuzzTarget kTargets[] = {
    {"scenario", drover::fuzz::scenario},
    {"scenario_overrides", drover::fuzz::scenario_overrides},
    {"ticket_request", drover::fuzz::ticket_request},
    {"queue_request", drover::fuzz::queue_request},
    {"pool_submit", drover::fuzz::pool_submit},
    {"history_event", drover::fuzz::history_event},
    {"summary_json", drover::fuzz::summary_json},
    {"framing", drover::fuzz::framing},
    {"resp", drover::fuzz::resp},
    {"data_file", drover::fuzz::data_file},
    {"http_reply", drover::fuzz::http_reply},
    {"hdr_log", drover::fuzz::hdr_log},
};

std::vector<fs::path> inputs_in(const fs::path& folder) {
  std::vector<fs::path> files;
  if (!fs::is_directory(folder)) return files;
  for (const auto& entry : fs::directory_iterator(folder))
    if (entry.is_regular_file()) files.push_back(entry.path());
  return files;
}

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Replays each input; a broken invariant or any exception fails, naming it.
void replay(const FuzzTarget& target, const std::vector<fs::path>& files) {
  for (const fs::path& file : files) {
    const std::string bytes = read_bytes(file);
    try {
      EXPECT_EQ(target.entry(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()), 0)
          << file;
    } catch (const std::exception& e) {
      ADD_FAILURE() << file << ": " << e.what();
    }
  }
}

class FuzzRegressionsTest : public testing::TestWithParam<FuzzTarget> {
 protected:
  fs::path folder(const char* kind) const {
    return fs::path(DROVER_SOURCE_DIR) / "tests/fuzz" / kind / GetParam().name;
  }
};

TEST_P(FuzzRegressionsTest, EverySeedMeetsTheInvariants) {
  const std::vector<fs::path> seeds = inputs_in(folder("corpus"));
  EXPECT_FALSE(seeds.empty()) << "no seeds in " << folder("corpus");
  replay(GetParam(), seeds);
}

TEST_P(FuzzRegressionsTest, EveryInputOnceFoundByTheFuzzerIsHandled) {
  replay(GetParam(), inputs_in(folder("regressions")));
}

TEST(FuzzEntryPointsTest, AnEmptyInputIsHandledByEveryTarget) {
  for (const FuzzTarget& target : kTargets) EXPECT_EQ(target.entry(nullptr, 0), 0) << target.name;
}

// What ci/fuzz found, pinned where the normal build can see it (the inputs
// above show undefined behaviour only under UBSan).
constexpr const char* kSummaryHead =
    R"({"scenario": "s", "result": "pass", "exit_code": 0, "thresholds": [], "invariants": [])";

TEST(FuzzFindings, ASummaryStartedOutsideTheClocksRangeReadsAsAnUnknownTime) {
  drover::test::TempDir dir;
  const std::string path =
      dir.write("summary.json",
                std::string(kSummaryHead) + R"(, "started_at": "-30171-01-01T00:00:00Z"})")
          .string();
  const drover::Expected<drover::RunResult> run = drover::read_summary_json(path);
  ASSERT_TRUE(run) << run.error();
  EXPECT_EQ(run->started_at, std::chrono::system_clock::time_point());
}

TEST(FuzzFindings, AFloatWhereASummaryHasAnIntegerIsRefused) {
  drover::test::TempDir dir;
  const std::string path =
      dir.write("summary.json", std::string(kSummaryHead) + R"(, "seed": 1e30})").string();
  const drover::Expected<drover::RunResult> run = drover::read_summary_json(path);
  ASSERT_FALSE(run);
  EXPECT_NE(run.error().find("an integer field holds number"), std::string::npos) << run.error();
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzRegressionsTest, testing::ValuesIn(kTargets),
                         [](const testing::TestParamInfo<FuzzTarget>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace drover::fuzz_regressions_test
