#include "harness/agent/job.hpp"

#include <cmath>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace drover {
namespace {

using Json = nlohmann::json;

constexpr int kFormat = 3;  // 2: a fleet's "ops", each with a name and weight; 3: local_targets

std::int64_t ns(Duration d) {
  return d.count();
}

// Reads a job's members, naming the first one missing or of the wrong kind.
class Reader {
 public:
  explicit Reader(const Json& j, std::string at = "") : j_(j), at_(std::move(at)) {}

  const Json& member(const char* key) const {
    auto it = j_.find(key);
    if (it == j_.end()) throw std::runtime_error(fmt::format("job: {}/{} is missing", at_, key));
    return *it;
  }
  template <class T>
  T get(const char* key) const {
    try {
      return member(key).get<T>();
    } catch (const Json::exception&) {
      throw std::runtime_error(fmt::format("job: {}/{} has the wrong type", at_, key));
    }
  }
  Duration duration(const char* key) const { return Duration(get<std::int64_t>(key)); }
  template <class Enum>
  Enum enumerated(const char* key, int last) const {
    int v = get<int>(key);
    if (v < 0 || v > last)
      throw std::runtime_error(fmt::format("job: {}/{} is out of range: {}", at_, key, v));
    return static_cast<Enum>(v);
  }
  Reader child(const char* key) const {
    const Json& c = member(key);
    if (!c.is_object())
      throw std::runtime_error(fmt::format("job: {}/{} must be an object", at_, key));
    return Reader(c, at_ + "/" + key);
  }
  const Json& json() const { return j_; }
  const std::string& at() const { return at_; }

 private:
  const Json& j_;
  std::string at_;
};

Json framing_json(const FramingSpec& f) {
  return {{"kind", static_cast<int>(f.kind)},
          {"delimiter", f.delimiter},
          {"keep_delimiter", f.keep_delimiter},
          {"request_end", f.request_end ? Json(*f.request_end) : Json()},
          {"length_bytes", f.length_bytes},
          {"endian", static_cast<int>(f.endian)},
          {"length_includes_header", f.length_includes_header},
          {"max_reply", f.max_reply}};
}

FramingSpec framing_from(const Reader& r) {
  FramingSpec f;
  f.kind = r.enumerated<Framing>("kind", static_cast<int>(Framing::kMemcached));
  f.delimiter = r.get<std::string>("delimiter");
  f.keep_delimiter = r.get<bool>("keep_delimiter");
  if (r.get<Json>("request_end").is_string()) f.request_end = r.get<std::string>("request_end");
  f.length_bytes = r.get<int>("length_bytes");
  f.endian = r.enumerated<Endian>("endian", static_cast<int>(Endian::kLittle));
  f.length_includes_header = r.get<bool>("length_includes_header");
  f.max_reply = r.get<std::size_t>("max_reply");
  return f;
}

// A RESP value an expectation wants, as plain JSON.
Json resp_value_json(const RespValueSpec& v) {
  switch (v.kind) {
    case RespValueSpec::Kind::kText:
      return v.text;
    case RespValueSpec::Kind::kInteger:
      return v.integer;
    case RespValueSpec::Kind::kBoolean:
      return v.boolean;
    case RespValueSpec::Kind::kNull:
      return nullptr;
    case RespValueSpec::Kind::kArray: {
      Json items = Json::array();
      for (const RespValueSpec& item : v.items) items.push_back(resp_value_json(item));
      return items;
    }
  }
  return nullptr;
}

RespValueSpec resp_value_from(const Json& j) {
  RespValueSpec v;
  if (j.is_string()) {
    v.kind = RespValueSpec::Kind::kText;
    v.text = j.get<std::string>();
  } else if (j.is_number_integer()) {
    v.kind = RespValueSpec::Kind::kInteger;
    v.integer = j.get<std::int64_t>();
  } else if (j.is_boolean()) {
    v.kind = RespValueSpec::Kind::kBoolean;
    v.boolean = j.get<bool>();
  } else if (j.is_array()) {
    v.kind = RespValueSpec::Kind::kArray;
    for (const Json& item : j) v.items.push_back(resp_value_from(item));
  }
  return v;
}

Json expectation_json(const Expectation& e) {
  Json j = {{"kind", static_cast<int>(e.kind)}, {"text", e.text}, {"resp_type", e.resp_type}};
  if (e.resp_value) j["resp_value"] = {{"value", resp_value_json(*e.resp_value)}};
  return j;
}

Expectation expectation_from(const Reader& r) {
  Expectation e;
  e.kind = r.enumerated<Expectation::Kind>("kind", static_cast<int>(Expectation::Kind::kResp));
  e.text = r.get<std::string>("text");
  e.resp_type = r.get<std::string>("resp_type");
  if (r.json().contains("resp_value"))
    e.resp_value = resp_value_from(r.child("resp_value").member("value"));
  return e;
}

Json op_json(const OpSpec& op) {
  return {{"name", op.name},
          {"weight", op.weight},
          {"workload", static_cast<int>(op.workload)},
          {"send", op.send},
          {"expect", expectation_json(op.expect)},
          {"framing", framing_json(op.framing)},
          {"clients_per_connection", op.clients_per_connection},
          {"search_first", op.search_first},
          {"n_max", op.n_max},
          {"work_ns", ns(op.work)},
          {"inflight", op.inflight},
          {"timeout_ns", ns(op.timeout)}};
}

OpSpec op_from(const Reader& r) {
  OpSpec op;
  op.name = r.get<std::string>("name");
  op.weight = r.get<std::int64_t>("weight");
  if (op.weight < 1) throw std::runtime_error("job: " + r.at() + "/weight must be at least 1");
  op.workload = r.enumerated<Workload>("workload", static_cast<int>(Workload::kSubmit));
  op.send = r.get<std::string>("send");
  op.expect = expectation_from(r.child("expect"));
  op.framing = framing_from(r.child("framing"));
  op.clients_per_connection = r.get<int>("clients_per_connection");
  op.search_first = r.get<bool>("search_first");
  op.n_max = r.get<std::int64_t>("n_max");
  op.work = r.duration("work_ns");
  op.inflight = r.get<int>("inflight");
  op.timeout = r.duration("timeout_ns");
  return op;
}

Json ops_json(const std::vector<OpSpec>& ops) {
  Json list = Json::array();
  for (const OpSpec& op : ops) list.push_back(op_json(op));
  return list;
}

std::vector<OpSpec> ops_from(const Reader& fleet) {
  const Json& list = fleet.member("ops");
  if (!list.is_array() || list.empty())
    throw std::runtime_error("job: " + fleet.at() + "/ops must be a non-empty array");
  std::vector<OpSpec> ops;
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_object())
      throw std::runtime_error(fmt::format("job: {}/ops/{} must be an object", fleet.at(), i));
    ops.push_back(op_from(Reader(list[i], fmt::format("{}/ops/{}", fleet.at(), i))));
  }
  return ops;
}

Json load_json(const LoadSpec& load) {
  Json stages = Json::array();
  for (const Stage& s : load.stages) stages.push_back({ns(s.duration), s.target});
  Json j = {{"model", static_cast<int>(load.model)},
            {"duration_ns", ns(load.duration)},
            {"think_time_ns", ns(load.think_time)},
            {"start_clients", load.start_clients},
            {"rate", load.rate},
            {"max_inflight", load.max_inflight},
            {"start_rate", load.start_rate},
            {"stages", stages}};
  if (load.iterations) j["iterations"] = *load.iterations;
  return j;
}

LoadSpec load_from(const Reader& r) {
  LoadSpec load;
  load.model = r.enumerated<LoadSpec::Model>("model", static_cast<int>(LoadSpec::Model::kStages));
  load.duration = r.duration("duration_ns");
  load.think_time = r.duration("think_time_ns");
  load.start_clients = r.get<double>("start_clients");
  load.rate = r.get<double>("rate");
  load.max_inflight = r.get<int>("max_inflight");
  load.start_rate = r.get<double>("start_rate");
  if (r.json().contains("iterations")) load.iterations = r.get<std::uint64_t>("iterations");
  const Json& stages = r.member("stages");
  if (!stages.is_array()) throw std::runtime_error("job: " + r.at() + "/stages must be an array");
  for (const Json& s : stages) {
    if (!s.is_array() || s.size() != 2 || !s[0].is_number_integer() || !s[1].is_number())
      throw std::runtime_error("job: " + r.at() + "/stages: each must be [duration_ns, target]");
    load.stages.push_back({Duration(s[0].get<std::int64_t>()), s[1].get<double>()});
  }
  return load;
}

}  // namespace

std::string job_to_json(const AgentJob& job) {
  Json j = {{"format", kFormat},
            {"host", job.host},
            {"fleet",
             {{"name", job.fleet.name},
              {"target", job.fleet.target},
              {"clients", job.fleet.clients},
              {"ops", ops_json(job.fleet.ops)}}},
            {"protocol", static_cast<int>(job.protocol)},
            {"address", job.address},
            {"load", load_json(job.load)},
            {"first_client", job.first_client},
            {"first_index", job.first_index},
            {"seed", job.seed},
            {"record_history", job.record_history},
            {"threads", job.threads},
            {"local_targets", job.local_targets},
            {"go_timeout_ns", ns(job.go_timeout)},
            {"producers_elsewhere_for_ns", ns(job.producers_elsewhere_for)},
            {"bound_ns", ns(job.bound)}};
  return j.dump(2) + "\n";
}

AgentJob job_from_json(std::string_view text) {
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw std::runtime_error("job: not a JSON object");
  Reader r(j);
  if (r.get<int>("format") != kFormat) {
    throw std::runtime_error(
        fmt::format("job: format {} (this agent reads {}): drover and its agent are from "
                    "different builds",
                    r.get<int>("format"), kFormat));
  }
  AgentJob job;
  job.host = r.get<std::string>("host");
  Reader fleet = r.child("fleet");
  job.fleet.name = fleet.get<std::string>("name");
  job.fleet.target = fleet.get<std::string>("target");
  job.fleet.clients = fleet.get<int>("clients");
  if (job.fleet.clients < 1) throw std::runtime_error("job: /fleet/clients must be at least 1");
  job.fleet.ops = ops_from(fleet);
  job.protocol = r.enumerated<Protocol>("protocol", static_cast<int>(Protocol::kPool));
  job.address = r.get<std::string>("address");
  job.load = load_from(r.child("load"));
  job.first_client = r.get<std::uint32_t>("first_client");
  job.first_index = r.get<std::uint64_t>("first_index");
  job.seed = r.get<std::uint64_t>("seed");
  job.record_history = r.get<bool>("record_history");
  job.threads = r.get<std::size_t>("threads");
  job.local_targets = r.get<std::size_t>("local_targets");
  job.go_timeout = r.duration("go_timeout_ns");
  job.producers_elsewhere_for = r.duration("producers_elsewhere_for_ns");
  job.bound = r.duration("bound_ns");
  return job;
}

std::vector<FleetShare> split_fleet(const FleetSpec& fleet) {
  std::vector<FleetShare> shares;
  const auto hosts = static_cast<int>(fleet.hosts.size());
  std::uint64_t next = 0;
  for (int i = 0; i < hosts; ++i) {
    int clients = fleet.clients / hosts + (i < fleet.clients % hosts ? 1 : 0);
    shares.push_back({fleet.hosts[static_cast<std::size_t>(i)], clients, next});
    next += static_cast<std::uint64_t>(clients);
  }
  return shares;
}

LoadSpec scale_load(const LoadSpec& load, double share) {
  LoadSpec scaled = load;
  if (load.model == LoadSpec::Model::kClosed) return scaled;
  scaled.rate *= share;
  scaled.start_rate *= share;
  for (Stage& s : scaled.stages) s.target *= share;
  if (load.max_inflight > 0) {
    scaled.max_inflight = std::max(1, static_cast<int>(std::ceil(load.max_inflight * share)));
  }
  return scaled;
}

}  // namespace drover
