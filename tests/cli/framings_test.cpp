// End-to-end: drover frames requests and replies by delimiter and by length
// prefix against a small server that frames its own the same way
// (targets/python/framed_upper_server.py), in the closed model and in
// the open model with clients sharing pipelined connections. A server whose
// framing disagrees with the scenario's is caught, never taken as right.
#include <gtest/gtest.h>

#include <string>

#include "tests/cli/drover_cli.hpp"

namespace drover::test::framings_test {
namespace {

using nlohmann::json;

std::string server_target(const std::string& args) {
  const fs::path server = fs::path(DROVER_SOURCE_DIR) / "targets/python/framed_upper_server.py";
  return R"({"command": ["python3", ")" + server.string() + R"(", "{port}", )" + args +
         R"(], "ready": {"tcp": "127.0.0.1:{port}"}})";
}

std::string scenario(const std::string& target, const std::string& framing, const std::string& load,
                     int clients_per_connection = 1) {
  return R"({"name": "framings", "targets": {"server": )" + target +
         R"(}, "fleets": [{"name": "c", "target": "server", "clients": 4, "op": {)"
         R"("send": "get {client}-{seq}\r\nx", "expect": "upper", "timeout": "2s", )"
         R"("clients_per_connection": )" +
         std::to_string(clients_per_connection) + R"(, "framing": )" + framing + "}}], " +
         R"("load": )" + load + "}";
}

const std::string kClosed = R"({"model": "closed", "iterations": 50})";  // 200 operations
const std::string kOpen = R"({"model": "open", "rate": 200, "duration": "1s"})";

class FramingsTest : public ::testing::Test {
 protected:
  json run(const std::string& text) {
    fs::path run_dir = dir_.path() / ("run" + std::to_string(runs_++));
    last_ = run_drover(
        {"run", dir_.write("s.json", text).string(), "--out", run_dir.string(), "--quiet"},
        dir_.path());
    return read_summary(run_dir);
  }
  static double count(const json& summary, const char* outcome) {
    return summary["totals"]["errors_by_class"][outcome].get<double>();
  }
  TempDir dir_;
  Finished last_;
  int runs_ = 0;
};

const std::string kDelimiter = R"({"type": "delimiter", "delimiter": "END\r\n"})";
const std::string kLength =
    R"({"type": "length_prefixed", "bytes": 2, "endian": "little", "max_reply": "4KiB"})";

TEST_F(FramingsTest, DelimitedRequestsAndRepliesAreRight) {
  json closed = run(scenario(server_target(R"("delimiter", "END\\r\\n")"), kDelimiter, kClosed));
  EXPECT_EQ(last_.exit_code, 0) << last_.out << last_.err;
  EXPECT_EQ(closed["totals"]["ops"].get<double>(), 200);
  EXPECT_EQ(count(closed, "wrong_reply"), 0);
  json open = run(scenario(server_target(R"("delimiter", "END\\r\\n")"), kDelimiter, kOpen, 2));
  EXPECT_EQ(last_.exit_code, 0) << last_.out << last_.err;
  EXPECT_GT(open["totals"]["ops"].get<double>(), 0);
  EXPECT_EQ(count(open, "wrong_reply"), 0);
}

TEST_F(FramingsTest, LengthPrefixedRequestsAndRepliesAreRight) {
  const std::string target = server_target(R"("length", "2", "little")");
  json closed = run(scenario(target, kLength, kClosed));
  EXPECT_EQ(last_.exit_code, 0) << last_.out << last_.err;
  EXPECT_EQ(closed["totals"]["ops"].get<double>(), 200);
  EXPECT_EQ(count(closed, "wrong_reply"), 0);
  json open = run(scenario(target, kLength, kOpen, 2));
  EXPECT_EQ(last_.exit_code, 0) << last_.out << last_.err;
  EXPECT_GT(open["totals"]["ops"].get<double>(), 0);
  EXPECT_EQ(count(open, "wrong_reply"), 0);
}

// The server reads a big-endian header where drover writes a little-endian
// one: it waits for a payload of 256 times the size, and nothing is right.
TEST_F(FramingsTest, AServerFramingOtherwiseFails) {
  json summary = run(scenario(server_target(R"("length", "2", "big")"), kLength,
                              R"({"model": "closed", "iterations": 1})"));
  EXPECT_EQ(last_.exit_code, 1) << last_.out << last_.err;
  EXPECT_EQ(count(summary, "timeout"), 4);
}

}  // namespace
}  // namespace drover::test::framings_test
