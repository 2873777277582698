// The files drover and drover-agent exchange (the job, the recording), how
// a fleet is split over its hosts, and the load each share runs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "harness/agent/agent_recording.hpp"
#include "harness/agent/job.hpp"

namespace drover::agent_job_test {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

AgentJob a_job() {
  AgentJob job;
  job.host = "load2";
  job.fleet.name = "senders";
  job.fleet.target = "echo";
  job.fleet.clients = 7;
  job.fleet.first_op().workload = Workload::kEcho;
  job.fleet.first_op().send = "hello {seq} {random:8}";
  job.fleet.first_op().expect.kind = Expectation::Kind::kRegex;
  job.fleet.first_op().expect.text = "^HELLO [0-9]+";
  job.fleet.first_op().framing = {Framing::kLengthPrefixed, "END\r\n", true, 2,
                                  Endian::kLittle,          true,      4096, {}};
  job.fleet.first_op().framing.request_end = "\r\n";
  job.fleet.first_op().clients_per_connection = 32;
  job.fleet.first_op().search_first = false;
  job.fleet.first_op().n_max = 77;
  job.fleet.first_op().work = 3ms;
  job.fleet.first_op().inflight = 4;
  job.fleet.first_op().timeout = 1500ms;
  job.fleet.first_op().name = "get";
  job.fleet.first_op().weight = 9;
  job.fleet.ops.push_back(job.fleet.first_op());
  job.fleet.ops.back().name = "set";
  job.fleet.ops.back().weight = 1;
  job.protocol = Protocol::kTcp;
  job.address = "10.99.0.2:4100";
  job.load.model = LoadSpec::Model::kStages;
  job.load.duration = 9s;
  job.load.start_rate = 10;
  job.load.stages = {{3s, 100}, {6s, 50.5}};
  job.load.max_inflight = 12;
  job.load.iterations = 40;
  job.first_client = 21;
  job.first_index = 11;
  job.seed = 0xFFFF'FFFF'FFFF'FFF0ULL;
  job.record_history = true;
  job.threads = 3;
  job.local_targets = 2;
  job.go_timeout = 90s;
  job.producers_elsewhere_for = 12s;
  job.bound = 5min;
  return job;
}

TEST(AgentJobTest, ARespExpectationReadsBackWithItsNestedValue) {
  AgentJob job = a_job();
  RespValueSpec text{RespValueSpec::Kind::kText, "bar", 0, false, {}};
  RespValueSpec number{RespValueSpec::Kind::kInteger, "", -7, false, {}};
  RespValueSpec null;
  RespValueSpec yes{RespValueSpec::Kind::kBoolean, "", 0, true, {}};
  RespValueSpec inner{RespValueSpec::Kind::kArray, "", 0, false, {number, null}};
  job.fleet.first_op().expect.kind = Expectation::Kind::kResp;
  job.fleet.first_op().expect.resp_type = "array";
  job.fleet.first_op().expect.resp_value =
      RespValueSpec{RespValueSpec::Kind::kArray, "", 0, false, {text, inner, yes}};
  EXPECT_EQ(job_from_json(job_to_json(job)).fleet.first_op().expect, job.fleet.first_op().expect);
  job.fleet.first_op().expect.resp_value.reset();
  EXPECT_EQ(job_from_json(job_to_json(job)).fleet.first_op().expect, job.fleet.first_op().expect);
}

TEST(AgentJobTest, AJobReadsBackAsWritten) {
  const AgentJob job = a_job();
  AgentJob back = job_from_json(job_to_json(job));
  EXPECT_EQ(back.host, job.host);
  EXPECT_EQ(back.fleet.name, job.fleet.name);
  EXPECT_EQ(back.fleet.target, job.fleet.target);
  EXPECT_EQ(back.fleet.clients, 7);
  EXPECT_EQ(back.fleet.first_op().send, job.fleet.first_op().send);
  EXPECT_EQ(back.fleet.first_op().expect.kind, Expectation::Kind::kRegex);
  EXPECT_EQ(back.fleet.first_op().expect.text, job.fleet.first_op().expect.text);
  EXPECT_EQ(back.fleet.first_op().framing, job.fleet.first_op().framing);
  EXPECT_EQ(back.fleet.first_op().clients_per_connection, 32);
  EXPECT_FALSE(back.fleet.first_op().search_first);
  EXPECT_EQ(back.fleet.first_op().n_max, 77);
  EXPECT_EQ(back.fleet.first_op().work, 3ms);
  EXPECT_EQ(back.fleet.first_op().inflight, 4);
  EXPECT_EQ(back.fleet.first_op().timeout, 1500ms);
  EXPECT_EQ(back.fleet.ops, job.fleet.ops);  // a mix's every op, with its name and weight
  EXPECT_EQ(back.protocol, Protocol::kTcp);
  EXPECT_EQ(back.address, job.address);
  EXPECT_EQ(back.load.model, LoadSpec::Model::kStages);
  EXPECT_EQ(back.load.duration, 9s);
  EXPECT_EQ(back.load.start_rate, 10);
  ASSERT_EQ(back.load.stages.size(), 2u);
  EXPECT_EQ(back.load.stages[1].duration, 6s);
  EXPECT_EQ(back.load.stages[1].target, 50.5);
  EXPECT_EQ(back.load.max_inflight, 12);
  EXPECT_EQ(back.load.iterations, 40u);
  EXPECT_EQ(back.first_client, 21u);
  EXPECT_EQ(back.first_index, 11u);
  EXPECT_EQ(back.seed, job.seed);
  EXPECT_TRUE(back.record_history);
  EXPECT_EQ(back.threads, 3u);
  EXPECT_EQ(back.local_targets, 2u);
  EXPECT_EQ(back.go_timeout, 90s);
  EXPECT_EQ(back.producers_elsewhere_for, 12s);
  EXPECT_EQ(back.bound, 5min);
}

TEST(AgentJobTest, ABrokenJobIsRefusedNamingWhatIsWrong) {
  std::string text = job_to_json(a_job());
  EXPECT_THROW(job_from_json("not json"), std::runtime_error);
  std::string no_fleet = text;
  no_fleet.replace(no_fleet.find("\"fleet\""), 7, "\"fleat\"");
  try {
    job_from_json(no_fleet);
    FAIL() << "accepted a job without a fleet";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("/fleet is missing"));
  }
  std::string other_format = text;
  other_format.replace(other_format.find("\"format\": 3"), 11, "\"format\": 9");
  try {
    job_from_json(other_format);
    FAIL() << "accepted a job of another format";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("different builds"));
  }
  std::string bad_enum = text;
  bad_enum.replace(bad_enum.find("\"protocol\": 1"), 13, "\"protocol\": 9");
  EXPECT_THROW(job_from_json(bad_enum), std::runtime_error);
}

TEST(AgentJobTest, AFleetSplitsEvenlyTheFirstHostsTakingOneMore) {
  FleetSpec fleet;
  fleet.clients = 11;
  fleet.hosts = {"a", "b", "c"};
  std::vector<FleetShare> shares = split_fleet(fleet);
  ASSERT_EQ(shares.size(), 3u);
  EXPECT_EQ(shares[0].host, "a");
  EXPECT_EQ(shares[0].clients, 4);
  EXPECT_EQ(shares[0].first_index, 0u);
  EXPECT_EQ(shares[1].clients, 4);
  EXPECT_EQ(shares[1].first_index, 4u);
  EXPECT_EQ(shares[2].clients, 3);
  EXPECT_EQ(shares[2].first_index, 8u);
  fleet.hosts.clear();
  EXPECT_TRUE(split_fleet(fleet).empty());
}

TEST(AgentJobTest, OpenRatesScaleWithTheShareClosedStagesDoNot) {
  LoadSpec open;
  open.model = LoadSpec::Model::kOpen;
  open.rate = 1000;
  open.max_inflight = 5;
  LoadSpec half = scale_load(open, 0.5);
  EXPECT_EQ(half.rate, 500);
  EXPECT_EQ(half.max_inflight, 3);  // rounded up: a share never gets none
  LoadSpec stages;
  stages.model = LoadSpec::Model::kStages;
  stages.start_rate = 100;
  stages.stages = {{1s, 400}};
  LoadSpec quarter = scale_load(stages, 0.25);
  EXPECT_EQ(quarter.start_rate, 25);
  EXPECT_EQ(quarter.stages[0].target, 100);
  LoadSpec closed;
  closed.model = LoadSpec::Model::kClosed;
  closed.stages = {{1s, 40}};  // clients by index in the fleet: the same everywhere
  EXPECT_EQ(scale_load(closed, 0.5).stages[0].target, 40);
}

TEST(AgentRecordingTest, ARecordingReadsBackExactly) {
  AgentRecording r;
  r.op_names = {"search", "buy"};
  r.recording.slots.resize(2);
  SlotRecording& buy = r.recording.slots[1];
  buy.totals.by_outcome = {90, 1, 2, 3, 4};
  buy.totals.late_replies = 5;
  buy.totals.missed_starts = 6;
  for (std::uint64_t v : {1'000ULL, 123'456ULL, 7'000'001ULL, 999ULL}) buy.latency.record(v);
  SecondRecording second;
  second.ops = 10;
  second.errors = 1;
  second.latency = {{1, buy.latency.nonzero_buckets()}};
  r.recording.seconds = {{0, SecondRecording{}}, {1, second}};
  r.load_duration = 2500ms;
  r.go_to_start = 3ms;
  r.history_events = 1234;
  r.stopped_early = true;

  AgentRecording back = recording_from_json(recording_to_json(r));
  EXPECT_EQ(back.op_names, r.op_names);
  ASSERT_EQ(back.recording.slots.size(), 2u);
  const SlotRecording& b = back.recording.slots[1];
  EXPECT_EQ(b.totals.by_outcome, buy.totals.by_outcome);
  EXPECT_EQ(b.totals.late_replies, 5u);
  EXPECT_EQ(b.totals.missed_starts, 6u);
  // The histogram whole: counts, and the exact sum, min and max.
  EXPECT_EQ(b.latency.count(), 4u);
  EXPECT_EQ(b.latency.sum(), buy.latency.sum());
  EXPECT_EQ(b.latency.min(), 999u);
  EXPECT_EQ(b.latency.max(), 7'000'001u);
  EXPECT_EQ(b.latency.percentile(50), buy.latency.percentile(50));
  EXPECT_EQ(back.recording.slots[0].latency.count(), 0u);
  ASSERT_EQ(back.recording.seconds.size(), 2u);
  EXPECT_EQ(back.recording.seconds[1].ops, 10u);
  ASSERT_EQ(back.recording.seconds[1].latency.size(), 1u);
  EXPECT_EQ(back.recording.seconds[1].latency[0].slot, 1u);
  EXPECT_EQ(back.recording.seconds[1].latency[0].latency.size(), second.latency[0].latency.size());
  EXPECT_EQ(back.load_duration, 2500ms);
  EXPECT_EQ(back.go_to_start, 3ms);
  EXPECT_EQ(back.history_events, 1234u);
  EXPECT_TRUE(back.stopped_early);
}

TEST(AgentRecordingTest, ABrokenRecordingIsRefused) {
  EXPECT_THROW(recording_from_json("{}"), std::runtime_error);
  EXPECT_THROW(recording_from_json(R"({"slots": [{"op": "x"}], "seconds": []})"),
               std::runtime_error);
  // A bucket index past the histogram's end would write out of bounds.
  EXPECT_THROW(recording_from_json(
                   R"({"slots": [{"op": "x", "outcomes": {"ok": 1, "wrong_reply": 0, "timeout": 0,
              "connect_error": 0, "io_error": 0}, "late_replies": 0, "missed_starts": 0,
              "latency": {"sum_ns": 1, "min_ns": 1, "max_ns": 1, "buckets": [[99999999, 1]]}}],
              "seconds": [], "load_ns": 1, "go_to_start_ns": 0, "history_events": 0,
              "stopped_early": false})"),
               std::runtime_error);
}

}  // namespace
}  // namespace drover::agent_job_test
