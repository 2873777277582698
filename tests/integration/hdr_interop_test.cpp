// drover's HdrHistogram logs against HdrHistogram's own Java implementation
// (Debian's libhdrhistogram-java, which ci/install-deps installs):
// - tests/data/hdr/java-written.hlog was written by its HistogramLogWriter
//   (tests/data/hdr/java-written.jsh, run with jshell) and drover reads it;
// - a log drover writes is read by its HistogramLogProcessor, whose
//   percentiles must agree with drover's.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "harness/measure/hdr_log.hpp"
#include "tests/support/temp_dir.hpp"

namespace drover::test::hdr_interop_test {
namespace {

constexpr const char* kHdrJar = "/usr/share/java/hdrhistogram.jar";

std::vector<LogInterval> read_all(const std::string& path) {
  auto reader = IntervalLogReader::open(path);
  EXPECT_TRUE(reader) << reader.error();
  std::vector<LogInterval> out;
  while (reader) {
    auto next = reader->next();
    EXPECT_TRUE(next) << next.error();
    if (!next || !*next) break;
    out.push_back(std::move(**next));
  }
  return out;
}

TEST(HdrInterop, DroverReadsALogHdrHistogramsJavaWriterWrote) {
  auto intervals = read_all(std::string(DROVER_SOURCE_DIR) + "/tests/data/hdr/java-written.hlog");
  ASSERT_EQ(intervals.size(), 6u);
  for (std::size_t s = 0; s < 3; ++s) {
    // Three significant digits, values 1..1000 us times (s + 1).
    const LogInterval& three = intervals[2 * s];
    EXPECT_EQ(three.tag, "three-digits");
    EXPECT_DOUBLE_EQ(three.start_s, static_cast<double>(s));
    EXPECT_EQ(three.histogram.count(), 1000u);
    double p50 = 500'000.0 * static_cast<double>(s + 1);
    EXPECT_NEAR(static_cast<double>(three.histogram.percentile(50)), p50, p50 * 0.01);
    // drover's own parameters (lowest 1, 2 digits, 2^37 - 1): bucket-exact.
    const LogInterval& own = intervals[2 * s + 1];
    EXPECT_EQ(own.tag, "");
    LatencyHistogram expected;
    for (std::uint64_t i = 1; i <= 500; ++i) expected.record(i * 997);
    EXPECT_EQ(own.histogram.count(), 500u);
    EXPECT_EQ(own.histogram.percentile(99), expected.percentile(99));
    EXPECT_EQ(own.histogram.percentile(50), expected.percentile(50));
  }
}

// HistogramLogProcessor's percentile table for tag, in nanoseconds:
// percentile (0..1) to value.
std::map<double, double> java_percentiles(const std::string& log, const std::string& tag,
                                          const std::string& out) {
  std::string command =
      std::string("java -cp ") + kHdrJar +
      " org.HdrHistogram.HistogramLogProcessor -csv -outputValueUnitRatio 1 -i '" + log +
      "' -tag '" + tag + "' -o '" + out + "' 2>&1";
  std::FILE* pipe = popen(command.c_str(), "r");
  EXPECT_NE(pipe, nullptr);
  std::string output;
  char buffer[512];
  while (pipe && std::fgets(buffer, sizeof buffer, pipe)) output += buffer;
  EXPECT_EQ(pipe ? pclose(pipe) : -1, 0) << command << "\n" << output;
  std::ifstream table(out + ".hgrm");
  EXPECT_TRUE(table) << "HistogramLogProcessor wrote no " << out << ".hgrm:\n" << output;
  std::map<double, double> got;
  std::string line;
  while (std::getline(table, line)) {
    double value = 0, percentile = 0;
    if (std::sscanf(line.c_str(), "%lf,%lf,", &value, &percentile) == 2) got[percentile] = value;
  }
  return got;
}

TEST(HdrInterop, HdrHistogramsJavaProcessorReadsALogDroverWrote) {
  ASSERT_EQ(
      std::system((std::string("test -r ") + kHdrJar + " && command -v java >/dev/null").c_str()),
      0)
      << "needs java and " << kHdrJar << ": ci/install-deps installs default-jre-headless and "
      << "libhdrhistogram-java";
  TempDir dir;
  std::string log = (dir.path() / "latency.hlog").string();
  LatencyHistogram whole;
  {
    auto writer = IntervalLogWriter::open(log, 1764835200.0);
    ASSERT_TRUE(writer) << writer.error();
    std::mt19937_64 random(7);
    std::lognormal_distribution<double> latency(12.0, 1.5);
    for (int second = 0; second < 5; ++second) {
      LatencyHistogram h;
      for (int i = 0; i < 5000; ++i) h.record(static_cast<std::uint64_t>(latency(random)));
      writer->write("web/get", second, 1, h);
      writer->write("other/op", second, 1, LatencyHistogram{});
      whole.merge(h);
    }
  }
  auto java = java_percentiles(log, "web/get", (dir.path() / "java").string());
  ASSERT_FALSE(java.empty());
  for (double p : {0.5, 0.9, 0.99, 0.999}) {
    // The table's rows step by halving the distance to 100 %: the first at
    // or above p.
    auto at = java.lower_bound(p - 1e-12);
    ASSERT_NE(at, java.end()) << "no row at or above " << p;
    // Java reports a bucket's highest equivalent value, drover its middle:
    // they agree within one bucket (0.8 %).
    auto ours = static_cast<double>(whole.percentile(at->first * 100));
    EXPECT_NEAR(at->second, ours, ours * 0.008) << "percentile " << p;
  }
  EXPECT_NEAR(java.rbegin()->second, static_cast<double>(whole.max()), whole.max() * 0.008);
}

}  // namespace
}  // namespace drover::test::hdr_interop_test
