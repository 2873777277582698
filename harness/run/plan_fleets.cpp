// The run's third phase: what every fleet drives with and records into,
// here and, through agents, on hosts.
#include <stdexcept>

#include <fmt/format.h>

#include "harness/drivers/http_tls_stream.hpp"
#include "harness/load/load_model.hpp"
#include "harness/run/run.hpp"

namespace drover {

void Run::plan_fleets() {
  for (const DataFileSpec& file : scenario_.data) {
    data_.push_back(std::make_shared<DataSource>(file.name, file.table, file.order));
  }
  std::vector<FleetPlan> plans = make_plans();
  bool wants_history = false;
  for (const FleetPlan& plan : plans) {
    wants_history = wants_history || plan.driver->records_history();
    slots_.push_back({plan.spec->name, plan.spec->target, plan.spec->clients, slot_count_,
                      plan.driver->op_names()});
    slot_count_ += plan.driver->op_names().size();
  }
  first_plans_ = local_only(std::move(plans));
  plan_seconds_log();
  if (wants_history && options_.record_history) open_history();
  start_agents();
}

// Every fleet's plan, also of the fleets agents run on hosts: those give
// the run its slots and client ids but run nowhere here. Drivers go to the
// LoadRun that uses them: the capacity search needs fresh ones every step.
std::vector<FleetPlan> Run::make_plans() {
  std::vector<FleetPlan> plans;
  std::size_t slot = 0;
  std::uint32_t client = 0;
  for (const FleetSpec& fleet : scenario_.fleets) {
    const TargetSpec* target = scenario_.find_target(fleet.target);
    FleetPlan plan{&fleet,
                   make_driver(fleet, target->protocol, address_of(fleet), producers_[target->name],
                               data_, http_streams(*target)),
                   slot, client};
    slot += plan.driver->op_names().size();
    client += static_cast<std::uint32_t>(fleet.clients);
    plans.push_back(std::move(plan));
  }
  return plans;
}

std::vector<FleetPlan> Run::local_only(std::vector<FleetPlan> plans) {
  std::erase_if(plans, [](const FleetPlan& p) { return !p.spec->hosts.empty(); });
  return plans;
}

// How an http fleet connects to target: over TLS with one TlsClient per
// target, made once (a capacity search's steps, like reconnecting clients,
// resume its sessions), or plainly.
HttpStreamMaker Run::http_streams(const TargetSpec& target) {
  if (!target.tls) return {};
  std::shared_ptr<TlsClient>& client = tls_clients_[target.name];
  if (!client) {
    TlsSpec options = *target.tls;
    for (std::string* file : {&options.ca_file, &options.cert_file, &options.key_file})
      *file = with_target_folder(*file, options_.run_dir, target.name);
    Expected<std::shared_ptr<TlsClient>> made = TlsClient::make(options);
    if (!made) {
      throw std::invalid_argument(
          fmt::format("target \"{}\": its \"tls\": {}", target.name, made.error()));
    }
    client = std::move(*made);
    if (options.insecure) notify_("target " + target.name, std::string(kInsecureWarning));
  }
  return tls_http_streams(
      client, fmt::format("target \"{}\" at {}", target.name, supervisor_.address_of(target.name)));
}

// How the fleet reaches its target: through the target's fault proxy when
// it has one.
std::string Run::address_of(const FleetSpec& fleet) const {
  return proxies_->address_for(fleet.target, supervisor_.address_of(fleet.target));
}

void Run::open_history() {
  history_ = std::make_unique<HistoryLog>(options_.run_dir + "/history.jsonl");
}

// Agents for the fleets on hosts, ready to go with the local load.
void Run::start_agents() {
  RemoteFleetsOptions remote;
  remote.run_dir = options_.run_dir;
  remote.agent_path = options_.agent_path;
  remote.seed = options_.seed;
  remote.record_history = history_ != nullptr;
  remote.bound = longest_load(scenario_.load) + std::chrono::minutes(2);
  remote.notify = notify_;
  remote_fleets_ = std::make_unique<RemoteFleets>(scenario_, hosts_, std::move(remote));
  remote_fleets_->start([this](const FleetSpec& fleet) { return address_of(fleet); });
}

}  // namespace drover
