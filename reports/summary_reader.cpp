#include <fstream>

#include <nlohmann/json.hpp>

#include "reports/sink.hpp"

namespace drover {

std::optional<RunResult> read_summary_json(const std::string& path, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    if (error) *error = "cannot read " + path;
    return std::nullopt;
  }
  try {
    nlohmann::json j = nlohmann::json::parse(in);
    RunResult run;
    run.scenario = j.at("scenario").get<std::string>();
    run.scenario_file = j.value("scenario_file", "");
    run.expect = j.value("expect", "pass");
    run.interrupted = j.value("interrupted", false);
    run.aborted = j.value("aborted", false);
    run.seed = j.value("seed", std::uint64_t{0});
    run.duration_s = j.value("duration_s", 0.0);
    std::string result = j.at("result").get<std::string>();
    run.verdict = result == "pass"   ? Verdict::kPass
                  : result == "fail" ? Verdict::kFail
                                     : Verdict::kError;
    run.exit_code = static_cast<ExitCode>(j.at("exit_code").get<int>());
    run.errors = j.value("errors", std::vector<std::string>{});
    for (const auto& t : j.at("thresholds")) {
      ThresholdResult r;
      r.metric = t.at("metric").get<std::string>();
      r.fleet = t.at("fleet").is_null() ? "" : t.at("fleet").get<std::string>();
      r.comparison = t.at("op").get<std::string>();
      r.limit = t.at("limit").get<std::string>();
      r.limit_value = t.at("limit_value").get<double>();
      r.value = t.at("value").get<double>();
      r.unit = t.at("unit").get<std::string>();
      r.ok = t.at("ok").get<bool>();
      if (t.contains("aborted")) {
        r.aborted = true;
        r.aborted_at_s = t.at("aborted").at("at_s").get<double>();
        r.aborted_value = t.at("aborted").at("value").get<double>();
      }
      run.thresholds.push_back(std::move(r));
    }
    for (const auto& i : j.at("invariants")) {
      run.invariants.push_back({i.at("name").get<std::string>(), i.at("subject").get<std::string>(),
                                i.at("ok").get<bool>(), i.at("detail").get<std::string>()});
    }
    return run;
  } catch (const std::exception& e) {
    if (error) *error = path + ": not a drover summary (" + e.what() + ")";
    return std::nullopt;
  }
}

}  // namespace drover
