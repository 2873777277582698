// The verdict: one pure function of what a run found, shared by the live
// run and `drover check`. Every sink only reads what it decided (the
// verdict, the exit code, and which failures the scenario expected); none
// decides again.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "harness/core/exit_code.hpp"
#include "harness/core/invariant.hpp"
#include "harness/core/run_result.hpp"

namespace drover {

struct JudgeInputs {
  std::span<const std::string> errors;  // infrastructure failures
  std::span<const ThresholdResult> thresholds;
  std::span<const InvariantResult> invariants;
  Expect expect = Expect::kPass;
  bool interrupted = false;  // by the user: exit code 130, the verdict still judged
};

struct Judgement {
  Verdict verdict = Verdict::kError;
  ExitCode exit_code = ExitCode::kInfrastructure;
  // Per invariant, in the order given: it failed, and that failure is the
  // violation the scenario expects ("expect": "violation").
  std::vector<bool> expected_failure;
  // The scenario expects a violation and no invariant caught one.
  bool violation_missing = false;
};

// An infrastructure error makes the run an error (exit 3). Otherwise it
// passes when every threshold holds and every invariant holds, or, with
// "expect": "violation", when at least one invariant caught the violation.
// An invariant that could not be decided (unknown) makes a run that would
// have passed "unknown", exit 1: it proved less than it was asked to. It
// never counts as the expected violation.
// fleet_answered is never an expected failure: a broken target is caught by
// the answers it gives, and a run without a correct answer proves nothing.
Judgement judge(const JudgeInputs& in);

// Writes a judgement into the run it was made from.
void record_judgement(RunResult& run, const Judgement& judgement);

// judge() on the run's own findings, recorded into it.
void judge_run(RunResult& run);

}  // namespace drover
