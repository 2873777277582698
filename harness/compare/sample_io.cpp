// Folders of repeats and baseline files (sample_io.hpp).
#include "harness/compare/sample_io.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "harness/measure/hdr_log.hpp"

namespace drover {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json second_json(const SampleSecond& s, LatencyHistogram& scratch) {
  scratch.clear();
  scratch.add_buckets(s.buckets);
  return {{"ops", s.ops}, {"errors", s.errors}, {"latency", encode_compressed_histogram(scratch)}};
}

json run_json(const RunSample& run) {
  LatencyHistogram scratch;
  json ops = json::array();
  for (const OpSeries& op : run.ops) {
    json seconds = json::array();
    for (const SampleSecond& s : op.seconds) seconds.push_back(second_json(s, scratch));
    ops.push_back({{"fleet", op.fleet}, {"op", op.op}, {"seconds", std::move(seconds)}});
  }
  return {{"source", run.source}, {"duration_s", run.duration_s}, {"ops", std::move(ops)}};
}

Expected<SampleSecond> second_from(const json& j) {
  SampleSecond s;
  s.ops = j.at("ops").get<double>();
  s.errors = j.at("errors").get<double>();
  auto histogram = decode_histogram(j.at("latency").get<std::string>());
  if (!histogram) return unexpected(histogram.error());
  s.buckets = histogram->nonzero_buckets();
  s.answered = histogram->count();
  return s;
}

// The runs of a baseline file; throws json::exception on a missing field.
Expected<Sample> baseline_from(const json& j, const std::string& file) {
  if (j.value("drover_baseline", 0) != 1) {
    return unexpected(
        fmt::format("{}: not a drover baseline file (no \"drover_baseline\": 1)", file));
  }
  Sample sample{file, {}};
  for (const json& r : j.at("runs")) {
    RunSample run{fmt::format("{} ({})", file, r.value("source", "")),
                  j.at("scenario").get<std::string>(),
                  j.at("load_model").dump(),
                  r.at("duration_s").get<double>(),
                  {}};
    for (const json& o : r.at("ops")) {
      OpSeries op{o.at("fleet").get<std::string>(), o.at("op").get<std::string>(), {}};
      for (const json& s : o.at("seconds")) {
        auto second = second_from(s);
        if (!second) return unexpected(fmt::format("{}: {}", file, second.error()));
        op.seconds.push_back(std::move(*second));
      }
      run.ops.push_back(std::move(op));
    }
    sample.runs.push_back(std::move(run));
  }
  return sample;
}

Expected<Sample> load_baseline(const std::string& file) {
  std::ifstream in(file);
  if (!in) return unexpected(fmt::format("{}: cannot be read", file));
  try {
    return baseline_from(json::parse(in), file);
  } catch (const json::exception& e) {
    return unexpected(fmt::format("{}: not a drover baseline file: {}", file, e.what()));
  }
}

// repeat-1 ... repeat-N in numeric order.
std::vector<fs::path> repeat_folders(const fs::path& dir) {
  std::vector<std::pair<int, fs::path>> found;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (!entry.is_directory() || !name.starts_with("repeat-")) continue;
    try {
      found.emplace_back(std::stoi(name.substr(7)), entry.path());
    } catch (const std::exception&) {
    }
  }
  std::sort(found.begin(), found.end());
  std::vector<fs::path> out;
  for (auto& f : found) out.push_back(std::move(f.second));
  return out;
}

}  // namespace

Expected<Sample> load_sample(const std::string& path) {
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) return load_baseline(path);
  if (!fs::is_directory(path, ec)) {
    return unexpected(fmt::format("{}: no such run folder or baseline file", path));
  }
  Sample sample{path, {}};
  if (fs::exists(fs::path(path) / "summary.json")) {
    auto run = load_run_folder(path);
    if (!run) return unexpected(run.error());
    sample.runs.push_back(std::move(*run));
    return sample;
  }
  for (const fs::path& dir : repeat_folders(path)) {
    auto run = load_run_folder(dir.string());
    if (!run) return unexpected(run.error());
    sample.runs.push_back(std::move(*run));
  }
  if (sample.runs.empty()) {
    return unexpected(fmt::format(
        "{}: not a run folder (no summary.json) nor a folder of repeats (no repeat-N)", path));
  }
  return sample;
}

Expected<void> save_baseline(const Sample& sample, const std::string& file) {
  if (sample.runs.empty()) return unexpected(fmt::format("{}: holds no run", sample.source));
  const RunSample& first = sample.runs.front();
  json runs = json::array();
  for (const RunSample& run : sample.runs) runs.push_back(run_json(run));
  json out = {{"drover_baseline", 1},
              {"scenario", first.scenario},
              {"load_model", json::parse(first.load_model)},
              {"runs", std::move(runs)}};
  std::string tmp = file + ".tmp";
  {
    std::ofstream os(tmp);
    os << out.dump(1) << '\n';
    if (!os) return unexpected(fmt::format("{}: cannot be written", file));
  }
  std::error_code ec;
  fs::rename(tmp, file, ec);
  if (ec) return unexpected(fmt::format("{}: cannot be written: {}", file, ec.message()));
  return {};
}

}  // namespace drover
