#include "harness/agent/agent_recording.hpp"

#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace drover {
namespace {

using Json = nlohmann::json;

Json buckets_json(const std::vector<LatencyHistogram::Bucket>& buckets) {
  Json out = Json::array();
  for (const auto& b : buckets) out.push_back({b.index, b.count});
  return out;
}

std::vector<LatencyHistogram::Bucket> buckets_from(const Json& j, const std::string& at) {
  if (!j.is_array()) throw std::runtime_error(at + " must be an array");
  std::vector<LatencyHistogram::Bucket> out;
  for (const Json& b : j) {
    if (!b.is_array() || b.size() != 2 || !b[0].is_number_unsigned() ||
        !b[1].is_number_unsigned() || b[0].get<std::uint64_t>() >= LatencyHistogram::kBucketCount)
      throw std::runtime_error(at + ": each bucket must be [index, count]");
    out.push_back({b[0].get<std::uint32_t>(), b[1].get<std::uint64_t>()});
  }
  return out;
}

template <class T>
T field(const Json& j, const char* key, const std::string& at) {
  auto it = j.find(key);
  if (it == j.end()) throw std::runtime_error(fmt::format("{}/{} is missing", at, key));
  try {
    return it->get<T>();
  } catch (const Json::exception&) {
    throw std::runtime_error(fmt::format("{}/{} has the wrong type", at, key));
  }
}

Json shown_json(const ShownBytes& b) {
  return {{"text", b.text}, {"cut_bytes", b.cut_bytes}};
}

ShownBytes shown_from(const Json& j, const std::string& at) {
  return {field<std::string>(j, "text", at), field<std::uint64_t>(j, "cut_bytes", at)};
}

Json example_json(const FailureExample& e) {
  return {{"t_ms", e.t_ms},
          {"fleet", e.fleet},
          {"op", e.op},
          {"client", e.client},
          {"request", shown_json(e.request)},
          {"expected", shown_json(e.expected)},
          {"received", shown_json(e.received)},
          {"rule", e.rule}};
}

FailureExample example_from(const Json& j, const std::string& at) {
  FailureExample e;
  e.t_ms = field<double>(j, "t_ms", at);
  e.fleet = field<std::string>(j, "fleet", at);
  e.op = field<std::string>(j, "op", at);
  e.client = field<std::uint64_t>(j, "client", at);
  e.request = shown_from(field<Json>(j, "request", at), at + "/request");
  e.expected = shown_from(field<Json>(j, "expected", at), at + "/expected");
  e.received = shown_from(field<Json>(j, "received", at), at + "/received");
  e.rule = field<std::string>(j, "rule", at);
  return e;
}

Json examples_json(const std::vector<FailureExample>& examples) {
  Json out = Json::array();
  for (const FailureExample& e : examples) out.push_back(example_json(e));
  return out;
}

std::vector<FailureExample> examples_from(const Json& j, const std::string& at) {
  if (!j.is_array()) throw std::runtime_error(at + " must be an array");
  std::vector<FailureExample> out;
  for (std::size_t i = 0; i < j.size(); ++i)
    out.push_back(example_from(j[i], fmt::format("{}/{}", at, i)));
  return out;
}

// The failure examples of a slot, by class name; classes with none left out.
Json failures_json(const SlotRecording& s) {
  Json out = Json::object();
  for (std::size_t o = 0; o < kOutcomeCount; ++o) {
    const FailureSamples& f = s.failures[o];
    if (f.count == 0) continue;
    out[std::string(kOutcomeNames[o])] = {{"count", f.count},
                                          {"first", examples_json(f.first)},
                                          {"sampled", examples_json(f.sampled)}};
  }
  return out;
}

void failures_from(const Json& j, SlotRecording& slot, const std::string& at) {
  if (!j.is_object()) throw std::runtime_error(at + " must be an object");
  for (std::size_t o = 0; o < kOutcomeCount; ++o) {
    auto it = j.find(std::string(kOutcomeNames[o]));
    if (it == j.end()) continue;
    const std::string here = at + "/" + std::string(kOutcomeNames[o]);
    FailureSamples& f = slot.failures[o];
    f.outcome = static_cast<Outcome>(o);
    f.count = field<std::uint64_t>(*it, "count", here);
    f.first = examples_from(field<Json>(*it, "first", here), here + "/first");
    f.sampled = examples_from(field<Json>(*it, "sampled", here), here + "/sampled");
  }
}

}  // namespace

std::string recording_to_json(const AgentRecording& r) {
  Json slots = Json::array();
  for (std::size_t i = 0; i < r.op_names.size(); ++i) {
    SlotRecording empty;
    const SlotRecording& s = i < r.recording.slots.size() ? r.recording.slots[i] : empty;
    Json outcomes = Json::object();
    for (std::size_t o = 0; o < kOutcomeCount; ++o)
      outcomes[std::string(kOutcomeNames[o])] = s.totals.by_outcome[o];
    slots.push_back({{"op", r.op_names[i]},
                     {"outcomes", outcomes},
                     {"late_replies", s.totals.late_replies},
                     {"missed_starts", s.totals.missed_starts},
                     {"inflight", s.inflight},
                     {"latency",
                      {{"sum_ns", s.latency.sum()},
                       {"min_ns", s.latency.min()},
                       {"max_ns", s.latency.max()},
                       {"buckets", buckets_json(s.latency.nonzero_buckets())}}},
                     {"failures", failures_json(s)}});
  }
  Json seconds = Json::array();
  for (const auto& [second, s] : r.recording.seconds) {
    Json latency = Json::array();
    for (const SlotSecond& slot : s.latency)
      latency.push_back({{"slot", slot.slot}, {"buckets", buckets_json(slot.latency)}});
    seconds.push_back(
        {{"second", second}, {"ops", s.ops}, {"errors", s.errors}, {"latency", latency}});
  }
  Json j = {{"slots", slots},
            {"seconds", seconds},
            {"load_ns", r.load_duration.count()},
            {"go_to_start_ns", r.go_to_start.count()},
            {"history_events", r.history_events},
            {"stopped_early", r.stopped_early}};
  return j.dump() + "\n";
}

AgentRecording recording_from_json(std::string_view text) {
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw std::runtime_error("recording: not a JSON object");
  AgentRecording r;
  const Json& slots = field<Json>(j, "slots", "");
  if (!slots.is_array()) throw std::runtime_error("/slots must be an array");
  for (std::size_t i = 0; i < slots.size(); ++i) {
    const std::string at = fmt::format("/slots/{}", i);
    const Json& s = slots[i];
    r.op_names.push_back(field<std::string>(s, "op", at));
    SlotRecording slot;
    const Json& outcomes = field<Json>(s, "outcomes", at);
    for (std::size_t o = 0; o < kOutcomeCount; ++o) {
      slot.totals.by_outcome[o] =
          field<std::uint64_t>(outcomes, std::string(kOutcomeNames[o]).c_str(), at + "/outcomes");
    }
    slot.totals.late_replies = field<std::uint64_t>(s, "late_replies", at);
    slot.totals.missed_starts = field<std::uint64_t>(s, "missed_starts", at);
    if (s.contains("inflight")) slot.inflight = field<std::uint64_t>(s, "inflight", at);
    const Json& latency = field<Json>(s, "latency", at);
    slot.latency.add_parts(
        buckets_from(field<Json>(latency, "buckets", at + "/latency"), at + "/latency/buckets"),
        field<std::uint64_t>(latency, "sum_ns", at + "/latency"),
        field<std::uint64_t>(latency, "min_ns", at + "/latency"),
        field<std::uint64_t>(latency, "max_ns", at + "/latency"));
    if (s.contains("failures")) failures_from(s["failures"], slot, at + "/failures");
    r.recording.slots.push_back(std::move(slot));
  }
  const Json& seconds = field<Json>(j, "seconds", "");
  if (!seconds.is_array()) throw std::runtime_error("/seconds must be an array");
  for (std::size_t i = 0; i < seconds.size(); ++i) {
    const std::string at = fmt::format("/seconds/{}", i);
    SecondRecording s;
    s.ops = field<std::uint64_t>(seconds[i], "ops", at);
    s.errors = field<std::uint64_t>(seconds[i], "errors", at);
    const Json& latency = field<Json>(seconds[i], "latency", at);
    if (!latency.is_array()) throw std::runtime_error(at + "/latency must be an array");
    for (std::size_t k = 0; k < latency.size(); ++k) {
      const std::string here = fmt::format("{}/latency/{}", at, k);
      s.latency.push_back({field<std::uint32_t>(latency[k], "slot", here),
                           buckets_from(field<Json>(latency[k], "buckets", here), here)});
    }
    add_second(r.recording.seconds[field<std::size_t>(seconds[i], "second", at)], s);
  }
  r.load_duration = Duration(field<std::int64_t>(j, "load_ns", ""));
  r.go_to_start = Duration(field<std::int64_t>(j, "go_to_start_ns", ""));
  r.history_events = field<std::uint64_t>(j, "history_events", "");
  r.stopped_early = field<bool>(j, "stopped_early", "");
  return r;
}

}  // namespace drover
