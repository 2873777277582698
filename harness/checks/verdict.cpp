#include "harness/checks/verdict.hpp"

#include <algorithm>

namespace drover {

Judgement judge(const JudgeInputs& in) {
  Judgement j;
  j.expected_failure.assign(in.invariants.size(), false);
  if (!in.errors.empty()) return j;
  bool thresholds_ok = std::all_of(in.thresholds.begin(), in.thresholds.end(),
                                   [](const ThresholdResult& t) { return t.ok; });
  bool unexpected_failure = false;
  bool caught = false;
  bool undecided = false;
  for (std::size_t i = 0; i < in.invariants.size(); ++i) {
    const InvariantResult& r = in.invariants[i];
    if (r.ok) continue;
    if (r.unknown) {
      undecided = true;
      continue;
    }
    bool expected = in.expect == Expect::kViolation && r.invariant != Invariant::kFleetAnswered;
    j.expected_failure[i] = expected;
    caught = caught || expected;
    unexpected_failure = unexpected_failure || !expected;
  }
  j.violation_missing = in.expect == Expect::kViolation && !caught;
  bool pass = thresholds_ok && !unexpected_failure && !j.violation_missing;
  j.verdict = !pass ? Verdict::kFail : undecided ? Verdict::kUnknown : Verdict::kPass;
  pass = j.verdict == Verdict::kPass;
  if (in.interrupted) {
    j.exit_code = ExitCode::kInterrupted;
  } else {
    j.exit_code = pass ? ExitCode::kPass : ExitCode::kFailed;
  }
  return j;
}

void record_judgement(RunResult& run, const Judgement& judgement) {
  run.verdict = judgement.verdict;
  run.exit_code = judgement.exit_code;
  run.violation_missing = judgement.violation_missing;
  for (std::size_t i = 0; i < run.invariants.size(); ++i)
    run.invariants[i].expected_failure =
        i < judgement.expected_failure.size() && judgement.expected_failure[i];
}

void judge_run(RunResult& run) {
  record_judgement(
      run, judge({run.errors, run.thresholds, run.invariants, run.expect, run.interrupted}));
}

}  // namespace drover
