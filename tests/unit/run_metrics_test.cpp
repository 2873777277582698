#include "harness/metrics/run_metrics.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace drover::run_metrics_test {
namespace {

TEST(RunMetricsTest, DroverBucketsCountUnderTheFirstBoundNotBelowTheirHighestValue) {
  std::vector<double> bounds{0.001, 0.01};
  // 0.5 ms, exactly 1 ms, 1.0004 ms, 20 ms.
  std::vector<LatencyBucketCount> buckets{
      {500'000, 3}, {1'000'000, 2}, {1'000'400, 1}, {20'000'000, 4}};
  EXPECT_EQ(cumulative_counts(buckets, bounds), (std::vector<std::uint64_t>{5, 6, 10}));
  EXPECT_EQ(cumulative_counts({}, bounds), (std::vector<std::uint64_t>{0, 0, 0}));
}

TEST(RunMetricsTest, BoundsRiseFrom100MicrosecondsTo10Seconds) {
  const auto& b = latency_bucket_bounds();
  ASSERT_FALSE(b.empty());
  EXPECT_DOUBLE_EQ(b.front(), 0.0001);
  EXPECT_DOUBLE_EQ(b.back(), 10);
  EXPECT_TRUE(std::is_sorted(b.begin(), b.end()));
}

RunResult a_run() {
  RunResult run;
  run.scenario = "s";
  run.seed = 42;
  FleetResult fleet;
  fleet.name = "f";
  OpResult op;
  op.name = "send";
  op.totals.by_outcome[static_cast<std::size_t>(Outcome::kOk)] = 7;
  op.totals.by_outcome[static_cast<std::size_t>(Outcome::kTimeout)] = 2;
  op.latency_buckets = {{200'000, 7}};
  op.latency_sum_s = 0.0014;
  fleet.ops.push_back(op);
  fleet.inflight = 3;
  run.fleets.push_back(fleet);
  run.targets.push_back({"echo", "udp_echo", "127.0.0.1:1", 10, true, "killed", {}});
  run.invariants.push_back({Invariant::kRepliesCorrect, "f", true, "", {}});
  return run;
}

const prometheus::MetricFamily* find(const std::vector<prometheus::MetricFamily>& families,
                                     const std::string& name) {
  for (const auto& f : families)
    if (f.name == name) return &f;
  return nullptr;
}

TEST(RunMetricsTest, HttpResponsesAreCountedByStatusClassOnlyForOpsThatHadAny) {
  RunResult run = a_run();
  EXPECT_EQ(find(run_metric_families(run, "0.1.0"), "drover_http_responses_total"), nullptr);
  run.fleets[0].ops[0].totals.status_classes = {0, 5, 0, 1, 3};
  auto families = run_metric_families(run, "0.1.0");
  const auto* responses = find(families, "drover_http_responses_total");
  ASSERT_TRUE(responses);
  EXPECT_EQ(responses->type, prometheus::MetricType::Counter);
  ASSERT_EQ(responses->metric.size(), 5u);
  const auto& fifth = responses->metric[4];
  ASSERT_EQ(fifth.label.size(), 4u);
  EXPECT_EQ(fifth.label[3].name, "status_class");
  EXPECT_EQ(fifth.label[3].value, "5xx");
  EXPECT_EQ(fifth.counter.value, 3);
}

TEST(RunMetricsTest, TlsHandshakesAreCountedFullAndResumedOnlyForOpsThatHadAny) {
  RunResult run = a_run();
  EXPECT_EQ(find(run_metric_families(run, "0.1.0"), "drover_tls_handshakes_total"), nullptr);
  run.fleets[0].ops[0].totals.tls_handshakes = 10;
  run.fleets[0].ops[0].totals.tls_resumed = 7;
  auto families = run_metric_families(run, "0.1.0");
  const auto* handshakes = find(families, "drover_tls_handshakes_total");
  ASSERT_TRUE(handshakes);
  ASSERT_EQ(handshakes->metric.size(), 2u);
  EXPECT_EQ(handshakes->metric[0].label[3].value, "false");
  EXPECT_EQ(handshakes->metric[0].counter.value, 3);
  EXPECT_EQ(handshakes->metric[1].label[3].name, "resumed");
  EXPECT_EQ(handshakes->metric[1].counter.value, 7);
}

TEST(RunMetricsTest, FamiliesCarryTheRunsFiguresWithLowCardinalityLabels) {
  auto families = run_metric_families(a_run(), "0.1.0");
  const auto* ops = find(families, "drover_operations_total");
  ASSERT_TRUE(ops);
  EXPECT_EQ(ops->type, prometheus::MetricType::Counter);
  ASSERT_EQ(ops->metric.size(), kOutcomeCount);
  double total = 0;
  for (const auto& m : ops->metric) {
    ASSERT_EQ(m.label.size(), 4u);
    EXPECT_EQ(m.label[3].name, "outcome");
    total += m.counter.value;
  }
  EXPECT_EQ(total, 9);

  const auto* latency = find(families, "drover_operation_duration_seconds");
  ASSERT_TRUE(latency);
  ASSERT_EQ(latency->metric.size(), 1u);
  const auto& h = latency->metric[0].histogram;
  EXPECT_EQ(h.sample_count, 7u);
  EXPECT_DOUBLE_EQ(h.sample_sum, 0.0014);
  ASSERT_EQ(h.bucket.size(), latency_bucket_bounds().size() + 1);
  EXPECT_EQ(h.bucket[0].cumulative_count, 0u);  // le 100us
  EXPECT_EQ(h.bucket[1].cumulative_count, 7u);  // le 250us
  EXPECT_TRUE(std::isinf(h.bucket.back().upper_bound));

  const auto* inflight = find(families, "drover_inflight_operations");
  ASSERT_TRUE(inflight);
  EXPECT_EQ(inflight->type, prometheus::MetricType::Gauge);
  ASSERT_EQ(inflight->metric.size(), 1u);
  EXPECT_EQ(inflight->metric[0].gauge.value, 3);
  ASSERT_EQ(inflight->metric[0].label.size(), 2u);
  EXPECT_EQ(inflight->metric[0].label[1].value, "f");

  const auto* up = find(families, "drover_target_up");
  ASSERT_TRUE(up);
  EXPECT_EQ(up->metric[0].gauge.value, 0);
  const auto* inv = find(families, "drover_invariant_ok");
  ASSERT_TRUE(inv);
  EXPECT_EQ(inv->metric[0].gauge.value, 1);
  const auto* info = find(families, "drover_run_info");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->metric[0].label[2].value, "42");
}

// A mix's ops each have their own series, told apart by the op label.
TEST(RunMetricsTest, EachOpOfAMixHasItsOwnSeriesByTheOpLabel) {
  RunResult run = a_run();
  OpResult set;
  set.name = "set";
  set.totals.by_outcome[static_cast<std::size_t>(Outcome::kWrongReply)] = 5;
  set.latency_buckets = {{200'000, 5}};
  set.latency_sum_s = 0.001;
  run.fleets[0].ops.push_back(set);
  auto families = run_metric_families(run, "0.1.0");
  const auto* ops = find(families, "drover_operations_total");
  ASSERT_TRUE(ops);
  ASSERT_EQ(ops->metric.size(), 2 * kOutcomeCount);
  double send_total = 0, set_wrong = 0;
  for (const auto& m : ops->metric) {
    ASSERT_EQ(m.label[2].name, "op");
    if (m.label[2].value == "send") send_total += m.counter.value;
    if (m.label[2].value == "set" && m.label[3].value == "wrong_reply") set_wrong = m.counter.value;
  }
  EXPECT_EQ(send_total, 9);
  EXPECT_EQ(set_wrong, 5);
  const auto* latency = find(families, "drover_operation_duration_seconds");
  ASSERT_TRUE(latency);
  ASSERT_EQ(latency->metric.size(), 2u);
  for (const auto& m : latency->metric) {
    bool is_set = m.label.back().value == "set";
    EXPECT_EQ(m.histogram.sample_count, is_set ? 5u : 7u) << m.label.back().value;
  }
}

TEST(RunMetricsTest, TheCollectorServesNothingUntilTheFirstPublish) {
  RunCollector collector("0.1.0");
  EXPECT_TRUE(collector.Collect().empty());
  collector.publish(a_run());
  // operations, latency, in flight, targets up, invariants held and
  // undecided, run info
  EXPECT_EQ(collector.Collect().size(), 7u);
}

// The gauge's value for the invariant of that subject, or -1 when there is
// no such series.
double gauge_of(const prometheus::MetricFamily& family, const std::string& subject) {
  for (const auto& m : family.metric) {
    for (const auto& label : m.label)
      if (label.name == "subject" && label.value == subject) return m.gauge.value;
  }
  return -1;
}

TEST(RunMetricsTest, AnUndecidedInvariantIsNotHeldAndIsToldApartFromAViolation) {
  RunResult run = a_run();
  run.invariants.push_back({Invariant::kExactlyOnce, "queue", false, "lost 3 items", {}});
  InvariantResult undecided{
      Invariant::kNoOversell, "tickets", false, "the final AUDIT is missing", {}};
  undecided.unknown = true;
  run.invariants.push_back(undecided);
  auto families = run_metric_families(run, "0.1.0");
  const auto* ok = find(families, "drover_invariant_ok");
  const auto* unknown = find(families, "drover_invariant_unknown");
  ASSERT_TRUE(ok);
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->type, prometheus::MetricType::Gauge);
  // Held, violated, undecided: ok 1 0 0, unknown 0 0 1.
  EXPECT_EQ(gauge_of(*ok, "f"), 1);
  EXPECT_EQ(gauge_of(*ok, "queue"), 0);
  EXPECT_EQ(gauge_of(*ok, "tickets"), 0);
  EXPECT_EQ(gauge_of(*unknown, "f"), 0);
  EXPECT_EQ(gauge_of(*unknown, "queue"), 0);
  EXPECT_EQ(gauge_of(*unknown, "tickets"), 1);
  // The same labels as drover_invariant_ok, so the two join one to one.
  ASSERT_EQ(unknown->metric.size(), ok->metric.size());
  for (std::size_t i = 0; i < ok->metric.size(); ++i) {
    ASSERT_EQ(unknown->metric[i].label.size(), ok->metric[i].label.size());
    for (std::size_t l = 0; l < ok->metric[i].label.size(); ++l) {
      EXPECT_EQ(unknown->metric[i].label[l].name, ok->metric[i].label[l].name);
      EXPECT_EQ(unknown->metric[i].label[l].value, ok->metric[i].label[l].value);
    }
  }
}

}  // namespace
}  // namespace drover::run_metrics_test
