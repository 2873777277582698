// summary.json's schema (reports/README.md) as nlohmann/json serializers:
// one to_json and one from_json for each part of a RunResult the file
// holds, side by side in summary_schema.cpp, so that a field is written and
// read in one place. nlohmann finds them by argument-dependent lookup:
// nlohmann::ordered_json(run) is the file's object, in its key order, and
// json.get<RunResult>() reads it back.
//
// to_json writes what the file shows: figures rounded to the microsecond,
// per-outcome counts, names from the enums' tables, null for an empty host
// or fleet. from_json is strict: a field of the wrong type, a float or an
// out-of-range number where an integer belongs, an unknown name (result,
// expect, invariant) throws (nlohmann::json::exception, or
// std::runtime_error whose message starts with the field's path, such as
// "/fleets/clients: an integer field holds number"). Fields added after
// schema_version 1's first release, and those a summary may leave out, are
// left at their defaults when missing. Pure functions, thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "harness/core/run_result.hpp"

namespace drover {

// summary.json's Totals: an OpTotals and the rate of the operations it
// counts, which a RunResult keeps beside it (FleetResult::rate_per_s, ...).
struct RatedTotals {
  OpTotals totals;
  double rate_per_s = 0;
};

void to_json(nlohmann::ordered_json& j, const RatedTotals& t);
void from_json(const nlohmann::json& j, RatedTotals& t);
void to_json(nlohmann::ordered_json& j, const LatencySummary& l);
void from_json(const nlohmann::json& j, LatencySummary& l);
void to_json(nlohmann::ordered_json& j, const ShownBytes& b);
void from_json(const nlohmann::json& j, ShownBytes& b);
void to_json(nlohmann::ordered_json& j, const FailureExample& e);
void from_json(const nlohmann::json& j, FailureExample& e);
void to_json(nlohmann::ordered_json& j, const FailureSamples& s);
void from_json(const nlohmann::json& j, FailureSamples& s);
void to_json(nlohmann::ordered_json& j, const OpResult& op);
void from_json(const nlohmann::json& j, OpResult& op);
void to_json(nlohmann::ordered_json& j, const FleetHostResult& h);
void from_json(const nlohmann::json& j, FleetHostResult& h);
void to_json(nlohmann::ordered_json& j, const FleetResult& f);
void from_json(const nlohmann::json& j, FleetResult& f);
void to_json(nlohmann::ordered_json& j, const ThresholdResult& t);
void from_json(const nlohmann::json& j, ThresholdResult& t);
void to_json(nlohmann::ordered_json& j, const TimelineEvent& e);
void from_json(const nlohmann::json& j, TimelineEvent& e);
void to_json(nlohmann::ordered_json& j, const Anomaly& a);
void from_json(const nlohmann::json& j, Anomaly& a);
void to_json(nlohmann::ordered_json& j, const ViolationExample& e);
void from_json(const nlohmann::json& j, ViolationExample& e);
void to_json(nlohmann::ordered_json& j, const InvariantResult& i);
void from_json(const nlohmann::json& j, InvariantResult& i);
void to_json(nlohmann::ordered_json& j, const TargetResult& t);
void from_json(const nlohmann::json& j, TargetResult& t);
void to_json(nlohmann::ordered_json& j, const SetupStepResult& s);
void from_json(const nlohmann::json& j, SetupStepResult& s);
void to_json(nlohmann::ordered_json& j, const FaultRecord& f);
void from_json(const nlohmann::json& j, FaultRecord& f);
void to_json(nlohmann::ordered_json& j, const SecondSample& s);
void from_json(const nlohmann::json& j, SecondSample& s);
void to_json(nlohmann::ordered_json& j, const Percentile& p);
void from_json(const nlohmann::json& j, Percentile& p);
void to_json(nlohmann::ordered_json& j, const CapacityStep& c);
void from_json(const nlohmann::json& j, CapacityStep& c);
// Only a run that searched has one: from_json sets searched.
void to_json(nlohmann::ordered_json& j, const CapacityResult& c);
void from_json(const nlohmann::json& j, CapacityResult& c);
void to_json(nlohmann::ordered_json& j, const Warning& w);
void from_json(const nlohmann::json& j, Warning& w);
// The whole file. run_dir, the Prometheus histograms (OpResult's buckets
// and sum) and a live fleet's inflight are not in it and read back empty.
void to_json(nlohmann::ordered_json& j, const RunResult& run);
void from_json(const nlohmann::json& j, RunResult& run);

}  // namespace drover
